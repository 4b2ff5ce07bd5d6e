// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * fileset.c - the file-backed ring set: its on-disk header (see lmonster.h),
 * the producer that writes it by the driver's rules, and the statistics a
 * consumer reads from it in place of MONSTER_IOC_GET_STATS and
 * MONSTER_IOC_GET_KIND_STATS.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lm_internal.h"

struct lm_prod_ring {
	__u64 head;		/* authoritative copies; the file mirrors them */
	__u64 produced;
	__u64 dropped;
	__u64 tail;		/* last valid consumer tail */
	__u64 seen_tail;	/* last raw tail read, to count a bad one once */
	__u64 bad_tails;
	__u64 kind_produced[MONSTER_NR_KINDS];
	__u64 kind_dropped[MONSTER_NR_KINDS];
};

struct lmonster_producer {
	int fd;
	void *map;
	size_t map_len;
	struct lmonster_file_header *fh;
	struct monster_ring_tail *tails;
	struct monster_headers *hdrs;
	struct monster_kind_stats *kinds;	/* in page 0: the counts per kind */
	unsigned char *data;
	__u64 ring_bytes;
	__u32 slots;
	struct lm_prod_ring r[MONSTER_NR_RINGS];
};

static __u64 lm_round_up(__u64 x, __u64 a)
{
	return (x + a - 1) / a * a;
}

/* Page 0 the file header, then exactly what the device maps. */
static void lm_file_layout(__u32 slots, __u64 page, struct monster_info *in)
{
	memset(in, 0, sizeof(*in));
	monster_info_geometry(in, slots);
	/* no ioctls and no sampler: of the feature calls only the counts per kind */
	in->features = MONSTER_FEAT_EVENTS;
	in->numa_node = MONSTER_NODE_ANY;
	in->page_size = (__u32)page;
	in->tails_offset = page;
	in->tails_size = page;
	in->headers_offset = 2 * page;
	in->headers_size = lm_round_up(sizeof(struct monster_headers), page);
	in->data_offset = in->headers_offset + in->headers_size;
	in->map_size = lm_round_up(in->data_offset + in->data_size, page);
}

int lm_file_read_header(int fd, const char *name, struct monster_info *info)
{
	struct lmonster_file_header fh;
	ssize_t n = pread(fd, &fh, sizeof(fh), 0);

	if (n < 0)
		return lm_err(-errno, "%s: read: %s", name, strerror(errno));
	if ((size_t)n < sizeof(fh) || memcmp(fh.magic, LMONSTER_FILE_MAGIC, sizeof(fh.magic)))
		return lm_err(-ENODEV, "%s: not a ring-set file (no %s header)", name,
			      LMONSTER_FILE_MAGIC);
	if (fh.version != LMONSTER_FILE_VERSION)
		return lm_err(-EPROTO, "%s: ring-set file format %u, liblmonster %s reads format %u",
			      name, fh.version, lmonster_version(), LMONSTER_FILE_VERSION);
	if (fh.header_size < sizeof(fh) || fh.file_size != fh.info.map_size ||
	    fh.info.tails_offset < fh.info.page_size || fh.info.headers_offset < fh.info.page_size ||
	    fh.info.data_offset < fh.info.page_size)
		return lm_err(-EBADMSG, "%s: ring-set file header is inconsistent", name);
	*info = fh.info;
	return 0;
}

void lm_file_stats(const struct lmonster *h, struct monster_stats *st)
{
	const struct lmonster_file_header *fh = h->fh;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->sweeps = __atomic_load_n(&h->hdrs->shared.sweeps, __ATOMIC_RELAXED);
	st->rate_hz = __atomic_load_n(&fh->rate_hz, __ATOMIC_RELAXED);
	st->scope = __atomic_load_n(&fh->scope, __ATOMIC_RELAXED);
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		const struct monster_ring_header *rh = &h->hdrs->ring[i];
		struct monster_ring_stats *rs = &st->ring[i];
		__u64 acc = __atomic_load_n(&fh->accepted_tail[i], __ATOMIC_RELAXED);
		__u64 raw = __atomic_load_n(&h->tails[i].tail, __ATOMIC_RELAXED);

		rs->head = __atomic_load_n(&rh->head, __ATOMIC_ACQUIRE);
		rs->produced = __atomic_load_n(&rh->produced, __ATOMIC_RELAXED);
		rs->dropped = __atomic_load_n(&rh->dropped, __ATOMIC_RELAXED);
		rs->tail = monster_tail_in_force(raw, acc, rs->head);
		rs->fill = rs->head - rs->tail;
		rs->bad_tails = __atomic_load_n(&fh->bad_tails[i], __ATOMIC_RELAXED);
		rs->prime = monster_prime(i);
		rs->slots = h->info.ring_slots;
		st->tasks_sampled += rs->produced;
	}
}

/* The producer's counts per kind, of no one moment: each word as the producer last wrote it. */
void lm_file_kind_stats(const struct lmonster *h, struct monster_kind_stats *ks)
{
	const struct monster_kind_stats *fk = (const void *)((const char *)h->fh +
							    LMONSTER_FILE_KINDS_OFFSET);
	unsigned int k, i;

	memset(ks, 0, sizeof(*ks));
	for (k = 0; k < MONSTER_NR_KINDS; k++) {
		for (i = 0; i < MONSTER_NR_RINGS; i++) {
			ks->produced[k][i] = __atomic_load_n(&fk->produced[k][i], __ATOMIC_RELAXED);
			ks->dropped[k][i] = __atomic_load_n(&fk->dropped[k][i], __ATOMIC_RELAXED);
		}
	}
}

static void lm_producer_init(struct lmonster_producer *p, const struct monster_info *in)
{
	struct lmonster_file_header *fh = p->fh;

	p->tails = (void *)((char *)p->map + in->tails_offset);
	p->hdrs = (void *)((char *)p->map + in->headers_offset);
	p->kinds = (void *)((char *)p->map + LMONSTER_FILE_KINDS_OFFSET);
	p->data = (unsigned char *)p->map + in->data_offset;
	p->ring_bytes = in->ring_bytes;
	p->slots = in->ring_slots;

	/* the file is fresh and zero-filled: only non-zero fields are set */
	fh->version = LMONSTER_FILE_VERSION;
	fh->header_size = sizeof(*fh);
	fh->file_size = in->map_size;
	fh->rate_hz = MONSTER_RATE_DEFAULT;
	fh->scope = MONSTER_SCOPE_PROCESS;
	fh->info = *in;

	monster_headers_init(p->hdrs, in);
	/* no ordering needed: nobody sees the file before rename() or the fd is handed out */
	memcpy(fh->magic, LMONSTER_FILE_MAGIC, sizeof(fh->magic));
}

/* Move tmp to path atomically; without REPLACE never over an existing file. */
static int lm_publish(const char *tmp, const char *path, int replace)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, replace ? 0 : RENAME_NOREPLACE) == 0)
		return 0;
	if ((errno != EINVAL && errno != ENOSYS) || replace)
		return -errno;
	/* no RENAME_NOREPLACE here (filesystem or kernel): link() is just as exclusive */
	if (link(tmp, path))
		return -errno;
	unlink(tmp);
	return 0;
}

LMONSTER_API int lmonster_producer_create(const char *path, unsigned int ring_slots,
					  unsigned int flags, struct lmonster_producer **out)
{
	struct lmonster_producer *p;
	struct monster_info in;
	char *tmp = NULL;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (flags & ~LMONSTER_CREATE_REPLACE)
		return lm_err(-EINVAL, "producer: unknown flags %#x", flags);
	if (!ring_slots)
		ring_slots = MONSTER_SLOTS_DEFAULT;
	if (!monster_slots_valid(ring_slots))
		return lm_err(-EINVAL, "producer: ring_slots %u is not a power of two in %u..%u",
			      ring_slots, MONSTER_SLOTS_MIN, MONSTER_SLOTS_MAX);
	lm_file_layout(ring_slots, (__u64)sysconf(_SC_PAGESIZE), &in);

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (!path) {
		p->fd = memfd_create("lmonster-ringset", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	} else {
		size_t len = strlen(path);

		tmp = malloc(len + sizeof(".XXXXXX"));
		if (!tmp) {
			free(p);
			return -ENOMEM;
		}
		memcpy(tmp, path, len);
		memcpy(tmp + len, ".XXXXXX", sizeof(".XXXXXX"));
		p->fd = mkostemp(tmp, O_CLOEXEC);
	}
	if (p->fd < 0) {
		ret = lm_err(-errno, "producer: create %s: %s", path ? path : "memfd",
			     strerror(errno));
		free(tmp);
		free(p);
		return ret;
	}
	if (ftruncate(p->fd, (off_t)in.map_size)) {
		ret = lm_err(-errno, "producer: size %s: %s", tmp ? tmp : "memfd", strerror(errno));
		goto fail;
	}
	p->map_len = in.map_size;
	p->map = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		ret = lm_err(-errno, "producer: mmap: %s", strerror(errno));
		goto fail;
	}
	p->fh = p->map;
	lm_producer_init(p, &in);

	if (!path) {
		/* a consumer may not shrink it under the producer (SIGBUS) */
		if (fcntl(p->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
			ret = lm_err(-errno, "producer: seal memfd: %s", strerror(errno));
			goto fail;
		}
	} else {
		ret = lm_publish(tmp, path, flags & LMONSTER_CREATE_REPLACE);
		if (ret) {
			lm_err(ret, "producer: create %s: %s", path, strerror(-ret));
			goto fail;
		}
		free(tmp);
	}
	*out = p;
	return 0;

fail:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	lmonster_producer_close(p);
	return ret;
}

LMONSTER_API int lmonster_producer_consumer(struct lmonster_producer *p, unsigned int flags,
					    struct lmonster **out)
{
	struct lmonster *h;
	char proc[32];
	int fd;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!p || (flags & ~LM_OPEN_VALID))
		return -EINVAL;
	fd = lm_reopen(p->fd, proc, sizeof(proc));
	if (fd < 0)
		return fd;
	h = lm_handle_alloc(fd, flags | LMONSTER_F_FILE | LM_F_BORROWED);
	if (!h) {
		close(fd);
		return -ENOMEM;
	}
	h->info = p->fh->info;
	h->fh = p->fh;
	h->tails = p->tails;
	h->hdrs = p->hdrs;
	h->data = p->data;
	lm_init_rings(h);
	*out = h;
	return 0;
}

LMONSTER_API int lmonster_producer_fd(const struct lmonster_producer *p)
{
	return p ? p->fd : -EINVAL;
}

LMONSTER_API int lmonster_producer_set_config(struct lmonster_producer *p,
					      unsigned int rate_hz, unsigned int scope)
{
	if (!p || !monster_rate_valid(rate_hz) || !monster_scope_valid(scope))
		return -EINVAL;
	__atomic_store_n(&p->fh->rate_hz, rate_hz, __ATOMIC_RELAXED);
	__atomic_store_n(&p->fh->scope, scope, __ATOMIC_RELAXED);
	return 0;
}

/*
 * The driver's rule: a tail that is not a valid move (monster_tail_valid) is
 * ignored, the last valid one stays in force, and counted once per value written.
 */
static void lm_producer_sync_tail(struct lmonster_producer *p, unsigned int ring)
{
	struct lm_prod_ring *r = &p->r[ring];
	__u64 raw = __atomic_load_n(&p->tails[ring].tail, __ATOMIC_ACQUIRE);
	int changed = raw != r->seen_tail;

	r->seen_tail = raw;
	if (monster_tail_valid(raw, r->tail, r->head)) {
		if (raw != r->tail) {
			r->tail = raw;
			__atomic_store_n(&p->fh->accepted_tail[ring], raw, __ATOMIC_RELAXED);
		}
	} else if (changed) {
		r->bad_tails++;
		__atomic_store_n(&p->fh->bad_tails[ring], r->bad_tails, __ATOMIC_RELAXED);
	}
}

static void lm_producer_wake(struct lmonster_producer *p)
{
	/* seq_cst: pairs with the waiter's increment before its last look */
	if (!__atomic_load_n(&p->fh->waiters, __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&p->fh->wake_seq, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &p->fh->wake_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Count a record of kind in ring (and as dropped): in the ring header and per kind. */
static void lm_producer_count(struct lmonster_producer *p, unsigned int ring, __u8 kind,
			      int dropped)
{
	struct monster_ring_header *rh = &p->hdrs->ring[ring];
	struct lm_prod_ring *r = &p->r[ring];

	r->produced++;
	__atomic_store_n(&rh->produced, r->produced, __ATOMIC_RELAXED);
	if (dropped) {
		r->dropped++;
		__atomic_store_n(&rh->dropped, r->dropped, __ATOMIC_RELAXED);
	}
	if (kind >= MONSTER_NR_KINDS)
		return;		/* carried, but no counter of this ABI names it */
	r->kind_produced[kind]++;
	__atomic_store_n(&p->kinds->produced[kind][ring], r->kind_produced[kind],
			 __ATOMIC_RELAXED);
	if (dropped) {
		r->kind_dropped[kind]++;
		__atomic_store_n(&p->kinds->dropped[kind][ring], r->kind_dropped[kind],
				 __ATOMIC_RELAXED);
	}
}

LMONSTER_API int lmonster_producer_push(struct lmonster_producer *p, int ring,
					const struct monster_sample *rec)
{
	struct monster_sample *slot;
	struct lm_prod_ring *r;
	int auto_ring = ring == LMONSTER_RING_AUTO;
	__u64 combined = 0;

	if (!p || !rec)
		return -EINVAL;
	if (auto_ring) {
		combined = monster_record_combined(rec);
		ring = (int)monster_shard(combined);
	} else if (ring < 0 || ring >= MONSTER_NR_RINGS) {
		return -EINVAL;
	}
	r = &p->r[ring];

	if (r->head - r->tail >= p->slots)
		lm_producer_sync_tail(p, ring);
	if (r->head - r->tail >= p->slots) {
		/* full: drop the new record, it still takes a seq */
		lm_producer_count(p, (unsigned int)ring, rec->kind, 1);
		return -ENOBUFS;
	}
	slot = (struct monster_sample *)(p->data + ring * p->ring_bytes) +
	       (r->head & (p->slots - 1));
	*slot = *rec;
	slot->seq = r->produced;
	if (auto_ring) {
		slot->shard = (__u8)ring;
		slot->hecke = (__u8)monster_hecke(combined, (__u32)ring);
	}
	lm_producer_count(p, (unsigned int)ring, rec->kind, 0);
	r->head++;
	/* seq_cst (a release and more): pairs with lmonster_wait's last look */
	__atomic_store_n(&p->hdrs->ring[ring].head, r->head, __ATOMIC_SEQ_CST);
	lm_producer_sync_tail(p, ring);
	lm_producer_wake(p);
	return 0;
}

LMONSTER_API int lmonster_producer_room(struct lmonster_producer *p, unsigned int ring)
{
	struct lm_prod_ring *r;

	if (!p || ring >= MONSTER_NR_RINGS)
		return -EINVAL;
	r = &p->r[ring];
	lm_producer_sync_tail(p, ring);
	return (int)(p->slots - (r->head - r->tail));
}

LMONSTER_API int lmonster_producer_sweep(struct lmonster_producer *p)
{
	__u64 *sweeps;

	if (!p)
		return -EINVAL;
	sweeps = &p->hdrs->shared.sweeps;
	__atomic_store_n(sweeps, __atomic_load_n(sweeps, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
	return 0;
}

LMONSTER_API void lmonster_producer_close(struct lmonster_producer *p)
{
	int saved = errno;

	if (!p)
		return;
	if (p->map)
		munmap(p->map, p->map_len);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	errno = saved;
}
