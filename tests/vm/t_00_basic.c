// SPDX-License-Identifier: GPL-2.0
/*
 * t_00_basic - the device node, GET_INFO's layout, GET_CONFIG, and the
 * mapping: what may be mapped how, and what must be refused.
 */
#include "vmtest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const uint32_t primes[MONSTER_NR_RINGS] = {
	2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 41, 47, 59, 71,
};

static long page;

static bool aligned(uint64_t v)
{
	return (v % (uint64_t)page) == 0;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void check_node(void)
{
	struct stat sb;

	if (stat(MONSTER_DEVICE_PATH, &sb) < 0) {
		th_fail("basic-devnode", "stat %s: %s", MONSTER_DEVICE_PATH, strerror(errno));
		return;
	}
	th_check(S_ISCHR(sb.st_mode) && (sb.st_mode & 07777) == 0600 && sb.st_uid == 0 &&
		 sb.st_gid == 0, "basic-devnode",
		 "%s: char device %d, mode %04o, owner %u:%u (want a char device, 0600, 0:0)",
		 MONSTER_DEVICE_PATH, S_ISCHR(sb.st_mode), sb.st_mode & 07777, sb.st_uid, sb.st_gid);
}

static void check_info(const struct monster_info *in, const struct monster_config *cfg)
{
	uint64_t ends[3], max_end = 0;
	unsigned int i;
	bool ok;

	th_check(in->abi_major == MONSTER_ABI_MAJOR && in->nr_rings == MONSTER_NR_RINGS &&
		 in->record_size == sizeof(struct monster_sample), "basic-info-abi",
		 "abi_major %u (want %u), nr_rings %u (want %u), record_size %u (want %zu)",
		 in->abi_major, MONSTER_ABI_MAJOR, in->nr_rings, MONSTER_NR_RINGS,
		 in->record_size, sizeof(struct monster_sample));
	/* this driver is built from this header: it is exactly this minor, with every feature */
	th_check(in->abi_minor == MONSTER_ABI_MINOR && in->features == MONSTER_FEATURES,
		 "basic-info-abi-minor", "ABI %u.%u (want %u.%u), features %#llx (want %#llx)",
		 in->abi_major, in->abi_minor, MONSTER_ABI_MAJOR, MONSTER_ABI_MINOR,
		 (unsigned long long)in->features, (unsigned long long)MONSTER_FEATURES);

	ok = true;
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		if (in->primes[i] != primes[i] || monster_prime(i) != primes[i])
			ok = false;
	th_check(ok, "basic-info-primes",
		 "primes %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u (want the 15 Monster primes 2..71)",
		 in->primes[0], in->primes[1], in->primes[2], in->primes[3], in->primes[4],
		 in->primes[5], in->primes[6], in->primes[7], in->primes[8], in->primes[9],
		 in->primes[10], in->primes[11], in->primes[12], in->primes[13], in->primes[14]);

	th_check(is_pow2(in->ring_slots) && in->ring_slots >= MONSTER_SLOTS_MIN &&
		 in->ring_slots <= MONSTER_SLOTS_MAX &&
		 in->ring_bytes == (uint64_t)in->ring_slots * in->record_size,
		 "basic-info-slots", "ring_slots %u (power of two in %u..%u), ring_bytes %" PRIu64
		 " (want %" PRIu64 ")", in->ring_slots, MONSTER_SLOTS_MIN, MONSTER_SLOTS_MAX,
		 (uint64_t)in->ring_bytes, (uint64_t)in->ring_slots * in->record_size);

	th_check(in->page_size == (uint32_t)page, "basic-info-page-size", "page_size %u, sysconf %ld",
		 in->page_size, page);

	th_check(aligned(in->tails_offset) && aligned(in->tails_size) &&
		 aligned(in->headers_offset) && aligned(in->headers_size) &&
		 aligned(in->data_offset) && aligned(in->data_size) && aligned(in->map_size) &&
		 aligned(in->ring_bytes), "basic-info-aligned",
		 "tails %#" PRIx64 "+%#" PRIx64 " headers %#" PRIx64 "+%#" PRIx64 " data %#" PRIx64
		 "+%#" PRIx64 " ring_bytes %#" PRIx64 " map_size %#" PRIx64 " (all page multiples?)",
		 (uint64_t)in->tails_offset, (uint64_t)in->tails_size,
		 (uint64_t)in->headers_offset, (uint64_t)in->headers_size,
		 (uint64_t)in->data_offset, (uint64_t)in->data_size, (uint64_t)in->ring_bytes,
		 (uint64_t)in->map_size);

	th_check(in->tails_size >= MONSTER_NR_RINGS * sizeof(struct monster_ring_tail) &&
		 in->headers_size >= sizeof(struct monster_headers) &&
		 in->data_size >= MONSTER_NR_RINGS * in->ring_bytes, "basic-info-region-sizes",
		 "tails_size %" PRIu64 " >= %zu, headers_size %" PRIu64 " >= %zu, data_size %" PRIu64
		 " >= %" PRIu64, (uint64_t)in->tails_size,
		 MONSTER_NR_RINGS * sizeof(struct monster_ring_tail), (uint64_t)in->headers_size,
		 sizeof(struct monster_headers), (uint64_t)in->data_size,
		 (uint64_t)(MONSTER_NR_RINGS * in->ring_bytes));

	th_check(!overlap(in->tails_offset, in->tails_size, in->headers_offset, in->headers_size) &&
		 !overlap(in->tails_offset, in->tails_size, in->data_offset, in->data_size) &&
		 !overlap(in->headers_offset, in->headers_size, in->data_offset, in->data_size),
		 "basic-info-no-overlap", "tails [%#" PRIx64 ",%#" PRIx64 ") headers [%#" PRIx64
		 ",%#" PRIx64 ") data [%#" PRIx64 ",%#" PRIx64 ")", (uint64_t)in->tails_offset,
		 (uint64_t)(in->tails_offset + in->tails_size), (uint64_t)in->headers_offset,
		 (uint64_t)(in->headers_offset + in->headers_size), (uint64_t)in->data_offset,
		 (uint64_t)(in->data_offset + in->data_size));

	ends[0] = in->tails_offset + in->tails_size;
	ends[1] = in->headers_offset + in->headers_size;
	ends[2] = in->data_offset + in->data_size;
	for (i = 0; i < 3; i++)
		if (ends[i] > max_end)
			max_end = ends[i];
	th_check(in->map_size == max_end, "basic-info-map-size",
		 "map_size %" PRIu64 ", end of the last region %" PRIu64, (uint64_t)in->map_size,
		 max_end);

	th_check(vt_all_zero(in->__reserved, sizeof(in->__reserved)),
		 "basic-info-reserved-zero", "__reserved %s",
		 vt_all_zero(in->__reserved, sizeof(in->__reserved)) ? "zero" : "NOT zero");

	{
		char path[64];
		bool online = true;

		if (in->numa_node >= 0) {
			snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", in->numa_node);
			online = access(path, F_OK) == 0 ||
				 (in->numa_node == 0 && access("/sys/devices/system/node", F_OK) != 0);
		}
		th_check(in->numa_node >= -1 && online &&
			 (cfg->numa_node < 0 || cfg->numa_node == in->numa_node),
			 "basic-info-numa-node", "info.numa_node %d (online: %d), config numa_node %d",
			 in->numa_node, online, cfg->numa_node);
	}
}

/* the device as this program found it, before vt_begin() normalises anything */
static struct monster_config g_cfg0;
static struct monster_stats g_st0;
static int g_err0 = -1;

static void snapshot_first(void)
{
	int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	g_err0 = vt_get_config(fd, &g_cfg0);
	if (!g_err0)
		g_err0 = vt_get_stats(fd, &g_st0);
	close(fd);
}

static void check_config(int fd, const struct monster_config *c, const struct monster_info *in)
{
	struct monster_config c2;
	struct monster_stats st;
	long long v;
	char buf[64];
	int err;

	th_check(c->rate_hz >= MONSTER_RATE_MIN && c->rate_hz <= MONSTER_RATE_MAX &&
		 c->scope <= MONSTER_SCOPE_THREAD && c->ring_slots == in->ring_slots &&
		 c->numa_node >= -1 && c->flags == 0 && c->__pad == 0 && c->__pad2 == 0 &&
		 !c->events && !c->fault_tgid && !c->fault_every, "basic-config-sane",
		 "rate_hz %u, scope %u, ring_slots %u (info %u), numa_node %d, flags %u, pad %u",
		 c->rate_hz, c->scope, c->ring_slots, in->ring_slots, c->numa_node, c->flags,
		 c->__pad);

	/* the load-time parameters, as the harness passed them (or the defaults) */
	if (vt_read_file("/sys/module/monster/parameters/rate_hz", buf, sizeof(buf)) > 0) {
		long long rate = strtoll(buf, NULL, 10), slots = -1, node = -2;

		if (vt_read_file("/sys/module/monster/parameters/ring_slots", buf, sizeof(buf)) > 0)
			slots = strtoll(buf, NULL, 10);
		if (vt_read_file("/sys/module/monster/parameters/numa_node", buf, sizeof(buf)) > 0)
			node = strtoll(buf, NULL, 10);
		th_check(rate == c->rate_hz && slots == c->ring_slots && node == c->numa_node,
			 "basic-config-matches-params",
			 "parameters rate_hz=%lld ring_slots=%lld numa_node=%lld; config %u/%u/%d",
			 rate, slots, node, c->rate_hz, c->ring_slots, c->numa_node);
		if (getenv("MONSTER_MODARGS") && !*getenv("MONSTER_MODARGS"))
			th_check(rate == MONSTER_RATE_DEFAULT && slots == MONSTER_SLOTS_DEFAULT &&
				 node == MONSTER_NODE_ANY, "basic-config-defaults",
				 "no module arguments: rate_hz %lld (want %d), ring_slots %lld (want %d), numa_node %lld (want %d)",
				 rate, MONSTER_RATE_DEFAULT, slots, MONSTER_SLOTS_DEFAULT, node,
				 MONSTER_NODE_ANY);
	} else {
		th_fail("basic-config-matches-params",
			"/sys/module/monster/parameters/rate_hz is not readable: the module parameters are not visible");
	}

	if (vt_read_file("/sys/module/monster/parameters/autostart", buf, sizeof(buf)) > 0 &&
	    buf[0] == 'Y')
		th_skip("basic-stopped-at-start", "module loaded with autostart=Y");
	else
		th_check(!g_err0 && g_st0.running == 0, "basic-stopped-at-start",
			 "first GET_STATS of the run: %s, running %u (autostart off: the sampler must not run until START)",
			 g_err0 ? strerror(g_err0 < 0 ? EIO : g_err0) : "ok", g_st0.running);

	c2 = *c;
	c2.rate_hz = 100;
	err = vt_set_config(fd, &c2);
	memset(&st, 0, sizeof(st));
	vt_get_stats(fd, &st);
	v = -1;
	if (!vt_get_config(fd, &c2))
		v = c2.rate_hz;
	th_check(!err && v == 100 && st.rate_hz == 100, "basic-rate-100-settable",
		 "SET_CONFIG rate 100: %s; GET_CONFIG rate %lld, GET_STATS rate %u",
		 err ? strerror(err) : "ok", v, st.rate_hz);
	vt_set_config(fd, c);
}

static void check_headers(const struct vt_dev *d, int fd)
{
	const struct monster_info *in = &d->info;
	const struct monster_shared_header *sh = &d->hdr->shared;
	struct monster_stats st;
	unsigned int i, bad_layout = 0, bad_count = 0, bad_stats = 0;
	char first[256] = "", first_c[256] = "", first_s[256] = "";

	th_check(sh->magic == MONSTER_MAGIC && sh->abi_major == MONSTER_ABI_MAJOR &&
		 sh->nr_rings == MONSTER_NR_RINGS && sh->record_size == in->record_size &&
		 sh->ring_slots == in->ring_slots && sh->abi_minor == in->abi_minor &&
		 vt_all_zero(sh->__reserved, sizeof(sh->__reserved)), "basic-shared-header",
		 "magic %#x (want %#x) abi %u.%u nr_rings %u record_size %u ring_slots %u (info %u)",
		 sh->magic, MONSTER_MAGIC, sh->abi_major, sh->abi_minor, sh->nr_rings, sh->record_size,
		 sh->ring_slots, in->ring_slots);

	vt_get_stats_or_bail(fd, &st, "basic-get-stats");
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		const struct monster_ring_header *h = &d->hdr->ring[i];
		const struct monster_ring_stats *rs = &st.ring[i];

		if (h->prime != primes[i] || h->index != i || h->slots != in->ring_slots ||
		    h->record_size != in->record_size ||
		    h->data_offset != in->data_offset + i * in->ring_bytes ||
		    !vt_all_zero(h->__reserved, sizeof(h->__reserved))) {
			if (!bad_layout++)
				snprintf(first, sizeof(first),
					 "ring %u: prime %u index %u slots %u record_size %u data_offset %#" PRIx64
					 " (want %#" PRIx64 ")", i, h->prime, h->index, h->slots,
					 h->record_size, (uint64_t)h->data_offset,
					 (uint64_t)(in->data_offset + i * in->ring_bytes));
		}
		/* stopped: the counters are still */
		if (h->produced != h->head + h->dropped || rs->tail > h->head ||
		    h->head - rs->tail > in->ring_slots) {
			if (!bad_count++)
				snprintf(first_c, sizeof(first_c),
					 "ring %u: head %" PRIu64 " produced %" PRIu64 " dropped %" PRIu64
					 " tail %" PRIu64, i, (uint64_t)h->head, (uint64_t)h->produced,
					 (uint64_t)h->dropped, (uint64_t)rs->tail);
		}
		if (rs->head != h->head || rs->produced != h->produced ||
		    rs->dropped != h->dropped || rs->prime != primes[i] ||
		    rs->slots != in->ring_slots || rs->fill != rs->head - rs->tail) {
			if (!bad_stats++)
				snprintf(first_s, sizeof(first_s),
					 "ring %u: stats head %" PRIu64 "/hdr %" PRIu64 " produced %" PRIu64
					 "/%" PRIu64 " dropped %" PRIu64 "/%" PRIu64 " prime %u slots %u fill %" PRIu64,
					 i, (uint64_t)rs->head, (uint64_t)h->head, (uint64_t)rs->produced,
					 (uint64_t)h->produced, (uint64_t)rs->dropped,
					 (uint64_t)h->dropped, rs->prime, rs->slots, (uint64_t)rs->fill);
		}
	}
	th_check(!bad_layout, "basic-ring-headers",
		 "%u of 15 ring headers disagree with GET_INFO (prime, index, slots, record_size, data_offset = data_offset + i*ring_bytes)%s%s",
		 bad_layout, bad_layout ? "; first: " : "", first);
	th_check(!bad_count, "basic-ring-counters",
		 "%u of 15 rings break produced == head + dropped or tail <= head <= tail + slots%s%s",
		 bad_count, bad_count ? "; first: " : "", first_c);
	th_check(!bad_stats, "basic-stats-match-headers",
		 "%u of 15 rings: GET_STATS disagrees with the mapped headers%s%s", bad_stats,
		 bad_stats ? "; first: " : "", first_s);
}

/* mmap expecting failure; returns true if refused (and unmaps if it was not) */
static bool map_refused(int fd, size_t len, int prot, int flags, uint64_t off, int *err)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	if (p == MAP_FAILED) {
		*err = errno;
		return true;
	}
	*err = 0;
	munmap(p, len);
	return false;
}

/*
 * madvise(MADV_DONTNEED) zaps the mapping's PTEs; the driver's fault handler
 * must serve the same pages back (not SIGBUS, not a fresh zero page).
 */
static void check_madvise_refault(struct vt_dev *d)
{
	uint32_t magic0 = d->hdr->shared.magic;
	uint64_t tail0 = d->tails[3].tail;
	const uint32_t *ring0 = (const uint32_t *)(d->data + d->info.ring_bytes - 4096);
	uint32_t word0 = *ring0;
	int e1, e2;

	e1 = madvise((void *)d->hdr, d->info.headers_size, MADV_DONTNEED) ? errno : 0;
	e2 = madvise(d->tails, d->info.tails_size, MADV_DONTNEED) ? errno : 0;
	madvise((void *)d->data, d->info.ring_bytes, MADV_DONTNEED);
	th_check(!e1 && !e2 && d->hdr->shared.magic == magic0 && magic0 == MONSTER_MAGIC &&
		 d->tails[3].tail == tail0 && *ring0 == word0, "basic-madvise-dontneed-refault",
		 "madvise %d/%d, magic %#x -> %#x, tail %" PRIu64 " -> %" PRIu64, e1, e2, magic0,
		 d->hdr->shared.magic, tail0, (uint64_t)d->tails[3].tail);
}

static void check_misuse(const struct vt_dev *d)
{
	const struct monster_info *in = &d->info;
	int fd = d->fd, e1, e2, e3;
	bool r1, r2, r3;
	void *p;

	r1 = map_refused(fd, in->headers_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 in->headers_offset, &e1);
	th_check(r1 && (e1 == EPERM || e1 == EACCES), "basic-mmap-headers-write-refused",
		 "PROT_WRITE mapping of the headers: %s", r1 ? strerror(e1) : "succeeded");
	r1 = map_refused(fd, in->data_size, PROT_READ | PROT_WRITE, MAP_SHARED, in->data_offset, &e1);
	r2 = map_refused(fd, (size_t)page, PROT_WRITE, MAP_SHARED, in->data_offset + in->ring_bytes,
			 &e2);
	th_check(r1 && r2 && (e1 == EPERM || e1 == EACCES) && (e2 == EPERM || e2 == EACCES),
		 "basic-mmap-data-write-refused",
		 "PROT_READ|PROT_WRITE mapping of the data: %s; PROT_WRITE of ring 1's first page: %s",
		 r1 ? strerror(e1) : "succeeded", r2 ? strerror(e2) : "succeeded");
	r1 = map_refused(fd, in->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0, &e1);
	r2 = map_refused(fd, in->tails_size + (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED,
			 in->tails_offset, &e2);
	th_check(r1 && (r2 || in->tails_offset + in->tails_size >= in->map_size),
		 "basic-mmap-span-write-refused",
		 "PROT_WRITE over the whole map: %s; over the tails and the next page: %s",
		 r1 ? strerror(e1) : "succeeded", r2 ? strerror(e2) : "succeeded");

	r1 = map_refused(fd, in->headers_size, PROT_READ | PROT_EXEC, MAP_SHARED, in->headers_offset,
			 &e1);
	r2 = map_refused(fd, (size_t)page, PROT_READ | PROT_EXEC, MAP_SHARED, in->data_offset, &e2);
	th_check(r1 && r2, "basic-mmap-exec-refused",
		 "PROT_EXEC mapping of the headers: %s; of the data: %s",
		 r1 ? strerror(e1) : "succeeded", r2 ? strerror(e2) : "succeeded");

	r1 = map_refused(fd, in->headers_size, PROT_READ, MAP_PRIVATE, in->headers_offset, &e1);
	r2 = map_refused(fd, in->tails_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, in->tails_offset,
			 &e2);
	r3 = map_refused(fd, (size_t)page, PROT_READ, MAP_PRIVATE, in->data_offset, &e3);
	th_check(r1 && r2 && r3, "basic-mmap-private-refused",
		 "MAP_PRIVATE of the headers: %s; of the tails (rw): %s; of the data: %s",
		 r1 ? strerror(e1) : "succeeded", r2 ? strerror(e2) : "succeeded",
		 r3 ? strerror(e3) : "succeeded");

	r1 = map_refused(fd, (size_t)page, PROT_READ, MAP_SHARED, in->map_size, &e1);
	r2 = map_refused(fd, in->data_size + (size_t)page, PROT_READ, MAP_SHARED, in->data_offset, &e2);
	r3 = map_refused(fd, 2 * (size_t)page, PROT_READ, MAP_SHARED, in->map_size - (uint64_t)page,
			 &e3);
	{
		int e4;
		bool r4 = map_refused(fd, (size_t)page, PROT_READ, MAP_SHARED, 1ULL << 40, &e4);

		th_check(r1 && r2 && r3 && r4, "basic-mmap-past-end-refused",
			 "offset map_size: %s; data + 1 page: %s; last page + 1: %s; offset 1 TiB: %s",
			 r1 ? strerror(e1) : "succeeded", r2 ? strerror(e2) : "succeeded",
			 r3 ? strerror(e3) : "succeeded", r4 ? strerror(e4) : "succeeded");
	}

	/* read-only now, read-only later */
	p = mmap(NULL, in->headers_size, PROT_READ, MAP_SHARED, fd, (off_t)in->headers_offset);
	if (p == MAP_FAILED) {
		th_fail("basic-mprotect-headers-write-refused", "RO mapping failed: %s", strerror(errno));
	} else {
		int rc = mprotect(p, in->headers_size, PROT_READ | PROT_WRITE);

		e1 = errno;
		th_check(rc < 0, "basic-mprotect-headers-write-refused",
			 "mprotect(PROT_READ|PROT_WRITE) on a RO headers mapping: %s",
			 rc < 0 ? strerror(e1) : "succeeded");
		rc = mprotect(p, in->headers_size, PROT_READ | PROT_EXEC);
		e1 = errno;
		th_check(rc < 0, "basic-mprotect-exec-refused",
			 "mprotect(PROT_READ|PROT_EXEC) on a RO headers mapping: %s",
			 rc < 0 ? strerror(e1) : "succeeded");
		munmap(p, in->headers_size);
	}
	p = mmap(NULL, in->data_size, PROT_READ, MAP_SHARED, fd, (off_t)in->data_offset);
	if (p == MAP_FAILED) {
		th_fail("basic-mprotect-data-write-refused", "RO mapping failed: %s", strerror(errno));
	} else {
		int rc = mprotect((char *)p + page, (size_t)page, PROT_READ | PROT_WRITE);
		void *q;

		e1 = errno;
		th_check(rc < 0, "basic-mprotect-data-write-refused",
			 "mprotect(PROT_READ|PROT_WRITE) on one page of a RO data mapping: %s",
			 rc < 0 ? strerror(e1) : "succeeded");
		q = mremap(p, in->data_size, in->data_size + (size_t)page, MREMAP_MAYMOVE);
		th_check(q == MAP_FAILED, "basic-mremap-grow-refused",
			 "mremap growing the data mapping past its end: %s",
			 q == MAP_FAILED ? strerror(errno) : "succeeded");
		if (q != MAP_FAILED)
			munmap(q, in->data_size + (size_t)page);
		else
			munmap(p, in->data_size);
	}
}

static int write_ro_child(void *arg)
{
	volatile uint32_t *magic = arg;

	if (*magic != MONSTER_MAGIC)
		return 3;	/* the child sees the mapping too */
	*magic = 0x12345678;	/* must fault */
	return 0;
}

static void check_maps(struct vt_dev *d)
{
	const struct monster_info *in = &d->info;
	const unsigned char *whole;
	struct monster_stats st;
	unsigned long sum = 0;
	uint64_t off, head0, tail0;
	int status;

	/* tails: RW, shared with the kernel's view */
	vt_get_stats_or_bail(d->fd, &st, "basic-get-stats");
	head0 = vt_head(d, 0);
	tail0 = d->tails[0].tail;
	vt_set_tail(d, 0, head0);	/* a valid move: release everything of ring 0 */
	vt_get_stats_or_bail(d->fd, &st, "basic-get-stats");
	th_check(d->tails[0].tail == head0 && st.ring[0].tail == head0, "basic-map-tails-rw",
		 "tail of ring 0 written %" PRIu64 " -> %" PRIu64 " through the RW mapping; reads back %"
		 PRIu64 ", GET_STATS tail %" PRIu64, tail0, head0, (uint64_t)d->tails[0].tail,
		 (uint64_t)st.ring[0].tail);

	/* the data: every page readable */
	for (off = 0; off < in->data_size; off += (uint64_t)page)
		sum += d->data[off];
	th_pass("basic-map-data-ro", "read one byte of each of the %" PRIu64 " data pages (sum %lu)",
		(uint64_t)(in->data_size / (uint64_t)page), sum);

	/* one RO mapping of everything shows the same memory */
	whole = mmap(NULL, in->map_size, PROT_READ, MAP_SHARED, d->fd, 0);
	if (whole == MAP_FAILED) {
		th_fail("basic-map-whole-ro", "PROT_READ mapping of [0, map_size): %s", strerror(errno));
	} else {
		const struct monster_headers *h = (const void *)(whole + in->headers_offset);
		const struct monster_ring_tail *t = (const void *)(whole + in->tails_offset);
		uint64_t r3 = in->data_offset + 3 * in->ring_bytes;

		th_check(h->shared.magic == MONSTER_MAGIC && t[0].tail == head0 &&
			 memcmp(whole + in->data_offset, d->data, in->data_size) == 0,
			 "basic-map-whole-ro",
			 "one RO mapping of %" PRIu64 " bytes: magic %#x, ring 0 tail %" PRIu64
			 " (written %" PRIu64 "), data identical to the data mapping: %d",
			 (uint64_t)in->map_size, h->shared.magic, (uint64_t)t[0].tail, head0,
			 memcmp(whole + in->data_offset, d->data, in->data_size) == 0);
		{
			const unsigned char *ring3 = mmap(NULL, in->ring_bytes, PROT_READ, MAP_SHARED,
							  d->fd, (off_t)r3);

			if (ring3 == MAP_FAILED) {
				th_fail("basic-map-one-ring", "mapping ring 3 alone at %#" PRIx64 ": %s",
					r3, strerror(errno));
			} else {
				th_check(memcmp(ring3, whole + r3, in->ring_bytes) == 0,
					 "basic-map-one-ring",
					 "ring 3 mapped alone at offset %#" PRIx64 " shows the same bytes",
					 r3);
				munmap((void *)ring3, in->ring_bytes);
			}
		}
		munmap((void *)whole, in->map_size);
	}

	/* a write through a RO mapping faults (and a forked child sees the mapping) */
	status = vt_run_child(write_ro_child, (void *)&d->hdr->shared.magic);
	th_check(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV &&
		 d->hdr->shared.magic == MONSTER_MAGIC, "basic-ro-write-faults",
		 "a child writing the RO header: %s %d; magic after: %#x",
		 status == -1 ? "error" : WIFSIGNALED(status) ? "killed by signal" : "exited",
		 status == -1 ? -1 : WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		 d->hdr->shared.magic);
}

static void check_lifetime(void)
{
	struct vt_dev a, b;
	const volatile struct monster_headers *h;
	int fd2, err;
	size_t len;

	vt_open_or_bail(&a, "basic-open");
	fd2 = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	th_check(fd2 >= 0, "basic-two-opens", "a second open while the first is open: %s",
		 fd2 >= 0 ? "ok" : strerror(errno));
	if (fd2 >= 0)
		close(fd2);

	len = a.info.headers_size;
	h = mmap(NULL, len, PROT_READ, MAP_SHARED, a.fd, (off_t)a.info.headers_offset);
	if (h == MAP_FAILED) {
		th_fail("basic-mapping-outlives-close", "mmap: %s", strerror(errno));
	} else {
		vt_close(&a);
		th_check(h->shared.magic == MONSTER_MAGIC && h->ring[14].prime == 71,
			 "basic-mapping-outlives-close",
			 "after close(): magic %#x, ring 14 prime %u through the mapping",
			 h->shared.magic, h->ring[14].prime);
		munmap((void *)h, len);
	}
	vt_close(&a);

	/* a read-only open may look but not control */
	memset(&b, 0, sizeof(b));
	b.fd = open(MONSTER_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (b.fd < 0) {
		th_fail("basic-rdonly-observe", "O_RDONLY open: %s", strerror(errno));
		return;
	}
	{
		struct monster_stats st;
		int e_info = vt_ioctl(b.fd, MONSTER_IOC_GET_INFO, &b.info);
		int e_stats = vt_get_stats(b.fd, &st);
		int e_start = vt_start(b.fd);

		th_check(!e_info && !e_stats, "basic-rdonly-observe",
			 "O_RDONLY fd: GET_INFO %s, GET_STATS %s", e_info ? strerror(e_info) : "ok",
			 e_stats ? strerror(e_stats) : "ok");
		th_check(e_start != 0, "basic-rdonly-no-control",
			 "START on an O_RDONLY fd: %s", e_start ? strerror(e_start) : "succeeded");
		if (!e_start) {
			err = vt_stop(b.fd);
			(void)err;
		}
	}
	close(b.fd);
}

int main(void)
{
	struct monster_config cfg;
	struct vt_dev d;
	int err;

	snapshot_first();
	vt_begin("t_00_basic");
	page = sysconf(_SC_PAGESIZE);

	check_node();
	err = vt_open(&d);
	if (err)
		vt_bail("basic-open", "open(%s, O_RDWR) + GET_INFO: %s", MONSTER_DEVICE_PATH,
			strerror(-err));
	th_pass("basic-open", "open(%s, O_RDWR) and GET_INFO succeeded", MONSTER_DEVICE_PATH);
	if (g_err0)
		vt_bail("basic-get-config", "GET_CONFIG/GET_STATS on the first open: %s",
			strerror(g_err0 < 0 ? EIO : g_err0));
	cfg = g_cfg0;	/* as loaded: vt_begin() may have reset a changed config */
	vt_stop(d.fd);

	check_info(&d.info, &cfg);
	check_config(d.fd, &cfg, &d.info);

	err = vt_map(&d);
	th_check(!err, "basic-map-regions",
		 "tails RW (%" PRIu64 " bytes), headers RO (%" PRIu64 "), data RO (%" PRIu64 "): %s",
		 (uint64_t)d.info.tails_size, (uint64_t)d.info.headers_size,
		 (uint64_t)d.info.data_size, err ? strerror(-err) : "mapped");
	if (err)
		return vt_end();
	check_headers(&d, d.fd);
	check_maps(&d);
	check_misuse(&d);
	check_madvise_refault(&d);
	vt_close(&d);

	check_lifetime();
	return vt_end();
}
