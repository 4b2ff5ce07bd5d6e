// SPDX-License-Identifier: GPL-2.0
/*
 * t_91_ioctl_fuzz - ioctl fuzzing for a bounded time, against a model.
 *
 *   raw       random command numbers (random dir/type/nr/size, whole random
 *             words, one-bit flips of the real ones) with random arguments:
 *             always ENOTTY. Types the VFS answers itself (FIOCLEX & co.:
 *             0x00, 'T', 'X', 'f', 0x15, 0x94) are left out: they are not the
 *             driver's.
 *   model     the real commands with random payloads (every field: valid,
 *             boundary, huge, negative, reserved bits) and random pointers
 *             (valid, NULL, 1, PROT_NONE, kernel, non-canonical, top of user
 *             space, straddling into a PROT_NONE page, a read-only page, the
 *             device's own read-only headers mapping, its writable tails
 *             page), on O_RDWR, O_RDONLY,
 *             O_WRONLY and closed fds, sampling started and stopped at random.
 *             A model of the driver predicts every result exactly (0, EINVAL,
 *             EFAULT, EBUSY, EBADF, ENOTTY; ENOMEM allowed where memory is
 *             allocated) and what GET_CONFIG/GET_INFO/GET_STATS return.
 *   resize    the same with only one fd open, so ring resizes really happen
 *             (to small sizes) whenever nothing is mapped or running.
 *   compat    the same commands through the 32-bit entry (int $0x80 from this
 *             64-bit program: the kernel takes the compat_ioctl path), with
 *             pointers below 4 GiB.
 *   parallel  four threads fuzzing shared fds at once, one mapping and
 *             unmapping: only documented errors.
 * Then: the default configuration restored, the arithmetic holds, the kernel
 * log is clean.
 */
#include "vmstress.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define NKNOWN 8
static const unsigned long known[NKNOWN] = {
	MONSTER_IOC_GET_INFO, MONSTER_IOC_START, MONSTER_IOC_STOP, MONSTER_IOC_GET_CONFIG,
	MONSTER_IOC_SET_CONFIG, MONSTER_IOC_GET_STATS, MONSTER_IOC_RESET, MONSTER_IOC_GET_SWEEP_HIST,
};

static long page;
static uint64_t g_seed;
static uint64_t g_mark;

/* ---- errors ------------------------------------------------------------------------ */

static bool documented(int e)
{
	return e == 0 || e == ENOTTY || e == EINVAL || e == EFAULT || e == EBUSY || e == EBADF ||
	       e == ENOMEM;
}

static const char *estr(int e)
{
	static __thread char buf[8][24];
	static __thread int i;

	if (!e)
		return "0";
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s", strerrorname_np(e) ? strerrorname_np(e) : "?");
	return buf[i];
}

/* one tally per phase */
struct tally {
	uint64_t calls, mismatches, undocumented;
	uint64_t by_err[8];	/* 0 ENOTTY EINVAL EFAULT EBUSY EBADF ENOMEM other */
	char first[400];
};

static int err_slot(int e)
{
	switch (e) {
	case 0: return 0;
	case ENOTTY: return 1;
	case EINVAL: return 2;
	case EFAULT: return 3;
	case EBUSY: return 4;
	case EBADF: return 5;
	case ENOMEM: return 6;
	default: return 7;
	}
}

static void tally_add(struct tally *t, int got, bool ok, const char *fmt, ...) TH_PRINTF(4, 5);
static void tally_add(struct tally *t, int got, bool ok, const char *fmt, ...)
{
	va_list ap;

	t->calls++;
	t->by_err[err_slot(got)]++;
	if (!documented(got))
		t->undocumented++;
	if (ok && documented(got))
		return;
	if (!t->mismatches++) {
		va_start(ap, fmt);
		vsnprintf(t->first, sizeof(t->first), fmt, ap);
		va_end(ap);
	}
}

static void tally_report(const struct tally *t, const char *name, const char *what)
{
	th_check(t->calls > 0 && t->mismatches == 0 && t->undocumented == 0, name,
		 "%s: %" PRIu64 " calls (0:%" PRIu64 " ENOTTY:%" PRIu64 " EINVAL:%" PRIu64
		 " EFAULT:%" PRIu64 " EBUSY:%" PRIu64 " EBADF:%" PRIu64 " ENOMEM:%" PRIu64
		 " other:%" PRIu64 "), %" PRIu64 " not as predicted%s%s",
		 what, t->calls, t->by_err[0], t->by_err[1], t->by_err[2], t->by_err[3], t->by_err[4],
		 t->by_err[5], t->by_err[6], t->by_err[7], t->mismatches, t->mismatches ? "; first: " : "",
		 t->first);
}

/* ---- the 32-bit entry --------------------------------------------------------------- */

/* ioctl through int $0x80: a 64-bit process gets the compat syscall table (ioctl is 54) */
static int ioctl32(int fd, uint32_t cmd, uint32_t arg)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "0"(54L), "b"((long)fd), "c"((long)cmd), "d"((long)arg)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	if (ret < 0 && ret > -4096)
		return (int)-ret;
	return ret ? EPROTO : 0;
}

/* ---- the fuzzer's memory -------------------------------------------------------------- */

enum pkind { P_VALID, P_NULL, P_ONE, P_UNMAPPED, P_KERNEL, P_NONCANON, P_HIGHUSER, P_STRADDLE,
	     P_RO, P_HDRS, P_TAILS, P_NKIND };
static const char *const pkind_name[P_NKIND] = {
	"valid", "NULL", "(void *)1", "PROT_NONE page", "kernel", "non-canonical", "top of user space",
	"straddling into a PROT_NONE page", "read-only page", "headers mapping (ro)", "tails mapping (rw)",
};

struct mem {
	unsigned char *rw;		/* 2 pages RW */
	unsigned char *ro;		/* 1 page, read-only (made writable to refill) */
	unsigned char *straddle;	/* 1 page RW, the next one inaccessible */
	unsigned char *unmapped;	/* PROT_NONE */
	unsigned char *tails;		/* the device's tails page (NULL when not mapped) */
	const unsigned char *hdrs;	/* the device's headers (NULL when not mapped) */
	size_t hdrs_size;
};

struct ptr {
	void *p;
	enum pkind kind;
	bool readable, writable;
};

static int mem_init(struct mem *m, bool low32)
{
	int fl = MAP_PRIVATE | MAP_ANONYMOUS | (low32 ? MAP_32BIT : 0);
	unsigned char *p;

	memset(m, 0, sizeof(*m));
	m->rw = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, fl, -1, 0);
	m->ro = mmap(NULL, (size_t)page, PROT_READ, fl, -1, 0);
	p = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, fl, -1, 0);
	if (m->rw == MAP_FAILED || m->ro == MAP_FAILED || p == MAP_FAILED)
		return errno;
	/* PROT_NONE rather than unmapped: a later mmap cannot land there */
	if (mprotect(p + page, (size_t)page, PROT_NONE))
		return errno;
	m->straddle = p;
	m->unmapped = p + page;
	return 0;
}

/* the ro page's contents, made by fill (it is read-only again afterwards) */
static void ro_fill(struct mem *m, const void *src, size_t len)
{
	mprotect(m->ro, (size_t)page, PROT_READ | PROT_WRITE);
	memcpy(m->ro + page - len, src, len);
	mprotect(m->ro, (size_t)page, PROT_READ);
}

/* A pointer for a struct of sz bytes; kinds limited to what exists (and to 32 bits). */
static struct ptr pick_ptr(struct th_rng *r, const struct mem *m, size_t sz, bool low32,
			   bool for_read)
{
	struct ptr p = { 0 };
	unsigned int k;

	if (sz < 2 || sz > (size_t)page)
		sz = 64;
	for (;;) {
		k = th_below(r, 3) ? P_VALID : (unsigned int)th_below(r, P_NKIND);
		if ((k == P_HDRS && !m->hdrs) || (k == P_TAILS && !m->tails))
			continue;
		if (low32 && (k == P_KERNEL || k == P_NONCANON || k == P_HIGHUSER))
			continue;
		break;
	}
	p.kind = (enum pkind)k;
	switch (p.kind) {
	case P_VALID:
		/* any offset, aligned or not, inside the two pages */
		p.p = m->rw + th_below(r, 2 * (size_t)page - sz + 1);
		p.readable = p.writable = true;
		break;
	case P_NULL: p.p = NULL; break;
	case P_ONE: p.p = (void *)1; break;
	case P_UNMAPPED: p.p = m->unmapped + th_below(r, (size_t)page - sz + 1); break;
	case P_KERNEL:
		p.p = (void *)(th_below(r, 2) ? 0xffffffff81000000UL : 0xffff888000000000UL);
		break;
	case P_NONCANON:
		p.p = (void *)(th_below(r, 2) ? 0x0000800000000000UL : 0x8000000000000000UL);
		break;
	case P_HIGHUSER: p.p = (void *)(0x00007ffffffff000UL + th_below(r, 4096 - sz)); break;
	case P_STRADDLE:
		p.p = m->straddle + page - 1 - th_below(r, sz - 1);
		break;
	case P_RO:
		p.p = m->ro + page - sz;
		p.readable = true;
		break;
	case P_HDRS:
		/* offset 0 (the magic) or a ring header's constant data_offset */
		p.p = (void *)(m->hdrs + (th_below(r, 2) ? 0 : 64 * (1 + th_below(r, 15)) + 24));
		p.readable = (size_t)((const unsigned char *)p.p - m->hdrs) + sz <= m->hdrs_size;
		break;
	case P_TAILS:
		p.p = m->tails + th_below(r, (size_t)page - sz + 1);
		p.readable = p.writable = true;
		break;
	default:
		break;
	}
	(void)for_read;
	return p;
}

/* ---- the model ---------------------------------------------------------------------- */

struct model {
	struct monster_config cfg;	/* the device's configuration */
	bool running;
	int nopen;			/* files open on the device (all ours) */
	bool mapped;
	bool node0_ok;			/* node 0 has memory */
	bool allow_big_resize;
};

static bool slots_ok(uint32_t s)
{
	return s >= MONSTER_SLOTS_MIN && s <= MONSTER_SLOTS_MAX && (s & (s - 1)) == 0;
}

/* SET_CONFIG from c: the predicted errno (0, EINVAL, EBUSY; a resize may also ENOMEM) */
static int model_set_config(const struct model *m, const struct monster_config *c, bool *resize)
{
	bool node_ok = c->numa_node == -1 || (c->numa_node == 0 && m->node0_ok);

	*resize = false;
	if ((c->flags & ~MONSTER_CF_ALL) || c->__pad || c->__pad2 ||
	    (c->events & ~MONSTER_EVENTS_ALL))
		return EINVAL;
	if (c->rate_hz < MONSTER_RATE_MIN || c->rate_hz > MONSTER_RATE_MAX ||
	    c->scope > MONSTER_SCOPE_THREAD || !slots_ok(c->ring_slots) || !node_ok ||
	    c->keyframe > MONSTER_KEYFRAME_MAX || c->sweep_threads > MONSTER_SWEEP_THREADS_MAX)
		return EINVAL;
	if (c->sweep_threads != m->cfg.sweep_threads && m->running)
		return EBUSY;
	if (c->ring_slots != m->cfg.ring_slots || c->numa_node != m->cfg.numa_node) {
		*resize = true;
		if (m->running || m->nopen > 1 || m->mapped)
			return EBUSY;
	}
	return 0;
}

static void model_apply(struct model *m, const struct monster_config *c, bool resize)
{
	m->cfg.rate_hz = c->rate_hz;
	m->cfg.scope = c->scope;
	m->cfg.flags = c->flags;
	m->cfg.keyframe = c->keyframe;
	m->cfg.sweep_threads = c->sweep_threads;
	m->cfg.events = c->events;
	m->cfg.fault_tgid = c->fault_tgid;
	m->cfg.fault_every = c->fault_every;
	if (resize) {
		m->cfg.ring_slots = c->ring_slots;
		m->cfg.numa_node = c->numa_node;
	}
}

/* a random config: the model's, with a few fields set to valid, boundary or wild values */
static void random_config(struct th_rng *r, const struct model *m, struct monster_config *c)
{
	static const uint32_t rates[] = { 0, 1, 2, 10, 100, 999, 1000, 5000, 9999, 10000, 10001,
					  0x7fffffff, 0x80000000, 0xffffffff };
	static const uint32_t slots[] = { 0, 1, 63, 64, 100, 128, 1024, 4096, 16384, 65536,
					  262144, 262145, 524288, 0x80000000, 0xffffffff };
	static const int32_t nodes[] = { -1, 0, 1, 2, 63, 1023, 1024, -2, INT32_MIN, INT32_MAX };
	unsigned int n = (unsigned int)th_below(r, 4), i;

	*c = m->cfg;
	for (i = 0; i < n; i++) {
		switch (th_below(r, 12)) {
		case 0: c->rate_hz = th_below(r, 3) ? rates[th_below(r, TH_ARRAY_SIZE(rates))]
						    : (uint32_t)th_rand(r);
			break;
		case 1: c->scope = th_below(r, 3) ? (uint32_t)th_below(r, 3) : (uint32_t)th_rand(r);
			break;
		case 2: c->ring_slots = th_below(r, 4) ? slots[th_below(r, TH_ARRAY_SIZE(slots))]
						       : (uint32_t)th_rand(r);
			break;
		case 3: c->numa_node = th_below(r, 4) ? nodes[th_below(r, TH_ARRAY_SIZE(nodes))]
						      : (int32_t)th_rand(r);
			break;
		case 4: c->flags = (uint32_t)1 << th_below(r, 32); break;
		case 5: c->__pad = (uint32_t)th_rand(r) | 1; break;
		case 6: c->__pad2 = (uint32_t)th_rand(r) | 1; break;
		case 11: c->events = th_below(r, 2) ? (uint32_t)th_below(r, 64) & MONSTER_EVENTS_ALL
						    : (uint32_t)th_rand(r);
			break;
		case 9: c->keyframe = th_below(r, 2) ? (uint32_t)th_below(r, 200)
						     : (uint32_t)th_rand(r);
			break;
		case 10: c->sweep_threads = th_below(r, 2) ? (uint32_t)th_below(r, 4)
							   : (uint32_t)th_rand(r);
			break;
		case 7: c->rate_hz = 1 + (uint32_t)th_below(r, 2000); break;	/* valid and tame */
		default: c->scope = (uint32_t)th_below(r, 2); break;
		}
	}
}

/* ---- one command ------------------------------------------------------------------- */

enum fdkind { F_RW, F_RO, F_WO, F_CLOSED };

struct fuzzer {
	struct th_rng rng;
	struct model m;
	struct mem mem;
	bool low32;		/* through int $0x80 */
	int fd[4];		/* by fdkind (-1: not open); fd[F_CLOSED] is a closed number */
	struct tally *t;
	struct tally *gets;	/* GET results against the model */
};

static int do_ioctl(const struct fuzzer *f, int fd, unsigned long cmd, void *arg)
{
	if (f->low32)
		return ioctl32(fd, (uint32_t)cmd, (uint32_t)(uintptr_t)arg);
	return vt_ioctl(fd, cmd, arg);
}

static const char *cmd_name(unsigned long cmd)
{
	switch (cmd) {
	case MONSTER_IOC_GET_INFO: return "GET_INFO";
	case MONSTER_IOC_START: return "START";
	case MONSTER_IOC_STOP: return "STOP";
	case MONSTER_IOC_GET_CONFIG: return "GET_CONFIG";
	case MONSTER_IOC_SET_CONFIG: return "SET_CONFIG";
	case MONSTER_IOC_GET_STATS: return "GET_STATS";
	case MONSTER_IOC_RESET: return "RESET";
	case MONSTER_IOC_GET_SWEEP_HIST: return "GET_SWEEP_HIST";
	default: return "unknown";
	}
}

static size_t cmd_size(unsigned long cmd)
{
	return _IOC_SIZE(cmd) ? _IOC_SIZE(cmd) : 8;
}

static bool is_known(unsigned long cmd)
{
	int i;

	for (i = 0; i < NKNOWN; i++)
		if (cmd == known[i])
			return true;
	return false;
}

/* command types the VFS (or compat_sys_ioctl) answers before the driver sees them */
static bool vfs_type(unsigned long cmd)
{
	unsigned int t = _IOC_TYPE(cmd);

	return t == 0x00 || t == 'T' || t == 'X' || t == 'f' || t == 0x15 || t == 0x94;
}

static unsigned long random_unknown_cmd(struct th_rng *r)
{
	static const unsigned int sizes[] = { 0, 1, 4, 8, 48, 64, 192, 1064, 4096, 16383 };
	unsigned long cmd;

	do {
		switch (th_below(r, 4)) {
		case 0:
			cmd = (uint32_t)th_rand(r);
			break;
		case 1:
			cmd = _IOC((unsigned int)th_below(r, 4), MONSTER_IOC_MAGIC,
				   (unsigned int)th_below(r, 256), (unsigned int)th_below(r, 1 << 14));
			break;
		case 2:
			cmd = _IOC((unsigned int)th_below(r, 4), MONSTER_IOC_MAGIC,
				   (unsigned int)th_below(r, 10),
				   sizes[th_below(r, TH_ARRAY_SIZE(sizes))]);
			break;
		default:
			cmd = known[th_below(r, NKNOWN)] ^ (1UL << th_below(r, 32));
			break;
		}
	} while (is_known(cmd) || vfs_type(cmd));
	return cmd;
}

static void check_get(struct fuzzer *f, unsigned long cmd, const void *buf)
{
	const struct model *m = &f->m;
	bool ok = true;
	char what[300] = "";

	if (cmd == MONSTER_IOC_GET_CONFIG) {
		const struct monster_config *c = buf;

		ok = memcmp(c, &m->cfg, sizeof(*c)) == 0;
		snprintf(what, sizeof(what), "GET_CONFIG rate %u scope %u slots %u node %d, model %u %u %u %d",
			 c->rate_hz, c->scope, c->ring_slots, c->numa_node, m->cfg.rate_hz, m->cfg.scope,
			 m->cfg.ring_slots, m->cfg.numa_node);
	} else if (cmd == MONSTER_IOC_GET_INFO) {
		const struct monster_info *in = buf;

		ok = in->ring_slots == m->cfg.ring_slots && in->abi_major == MONSTER_ABI_MAJOR &&
		     in->data_size == (uint64_t)MONSTER_NR_RINGS * in->ring_bytes &&
		     in->ring_bytes == (uint64_t)in->ring_slots * sizeof(struct monster_sample);
		snprintf(what, sizeof(what), "GET_INFO slots %u (model %u) ring_bytes %" PRIu64,
			 in->ring_slots, m->cfg.ring_slots, (uint64_t)in->ring_bytes);
	} else if (cmd == MONSTER_IOC_GET_STATS) {
		const struct monster_stats *st = buf;

		ok = st->running == m->running && st->rate_hz == m->cfg.rate_hz &&
		     st->scope == m->cfg.scope && st->ring[0].slots == m->cfg.ring_slots;
		snprintf(what, sizeof(what), "GET_STATS running %u rate %u scope %u slots %u, model %d %u %u %u",
			 st->running, st->rate_hz, st->scope, st->ring[0].slots, m->running,
			 m->cfg.rate_hz, m->cfg.scope, m->cfg.ring_slots);
	} else if (cmd == MONSTER_IOC_GET_SWEEP_HIST) {
		const struct monster_sweep_hist *h = buf;
		uint64_t sum = 0;
		unsigned int b;

		for (b = 0; b < MONSTER_HIST_BUCKETS; b++)
			sum += h->count[b];
		ok = sum == h->sweeps && !h->__reserved[0] && !h->__reserved[1];
		snprintf(what, sizeof(what), "GET_SWEEP_HIST sweeps %" PRIu64 ", buckets sum %" PRIu64,
			 (uint64_t)h->sweeps, sum);
	}
	tally_add(f->gets, 0, ok, "%s", what);
}

/* one real or near-miss command, predicted by the model */
static void fuzz_one(struct fuzzer *f)
{
	struct th_rng *r = &f->rng;
	struct model *m = &f->m;
	enum fdkind fk;
	unsigned long cmd;
	struct ptr p;
	struct monster_config c;
	bool resize = false, writeable_fd;
	int fd, want, got;
	size_t sz;

	/* the file */
	switch (th_below(r, 10)) {
	case 0: fk = F_RO; break;
	case 1: fk = F_WO; break;
	case 2: fk = F_CLOSED; break;
	default: fk = F_RW; break;
	}
	if (f->fd[fk] < 0 && fk != F_CLOSED)
		fk = F_RW;
	fd = f->fd[fk];
	writeable_fd = fk == F_RW || fk == F_WO;

	/* the command */
	if (th_below(r, 10) == 0)
		cmd = random_unknown_cmd(r);
	else
		/* START/STOP rarer: each real one puts a line in the kernel log */
		switch (th_below(r, 40)) {
		case 0: case 1: case 2: case 3: case 4: case 5: cmd = MONSTER_IOC_GET_INFO; break;
		case 6: case 7: case 8: case 9: cmd = MONSTER_IOC_GET_CONFIG; break;
		case 10: case 11: case 12: case 13: case 14: case 15: cmd = MONSTER_IOC_GET_STATS; break;
		case 16: case 17: cmd = MONSTER_IOC_START; break;
		case 18: cmd = MONSTER_IOC_STOP; break;
		case 19: case 20: cmd = MONSTER_IOC_RESET; break;
		case 21: case 22: cmd = MONSTER_IOC_GET_SWEEP_HIST; break;
		default: cmd = MONSTER_IOC_SET_CONFIG; break;
		}
	/*
	 * Real start/stop transitions are rarer: each one is a line in the kernel
	 * log (thousands would push the whole boot out of the log buffer). START
	 * while running and STOP while stopped (no transition) stay common.
	 */
	if (((cmd == MONSTER_IOC_START && !m->running) || (cmd == MONSTER_IOC_STOP && m->running)) &&
	    (fk == F_RW || fk == F_WO) && th_below(r, 8))
		cmd = MONSTER_IOC_GET_STATS;
	/* an unknown command's argument is never touched: any 64 bytes do */
	sz = is_known(cmd) ? cmd_size(cmd) : 64;
	p = pick_ptr(r, &f->mem, sz, f->low32, true);

	/* the payload */
	if (cmd == MONSTER_IOC_SET_CONFIG) {
		random_config(r, m, &c);
		if (p.kind == P_VALID || p.kind == P_TAILS)
			memcpy(p.p, &c, sizeof(c));
		else if (p.kind == P_RO)
			ro_fill(&f->mem, &c, sizeof(c));
		if (p.readable)
			memcpy(&c, p.p, sizeof(c));	/* what the kernel will read */
	} else if (p.writable) {
		memset(p.p, 0xa5, sz);
	}

	/* the prediction */
	if (fk == F_CLOSED)
		want = EBADF;
	else if (!is_known(cmd))
		want = ENOTTY;
	else if (cmd == MONSTER_IOC_GET_INFO || cmd == MONSTER_IOC_GET_CONFIG ||
		 cmd == MONSTER_IOC_GET_STATS || cmd == MONSTER_IOC_GET_SWEEP_HIST)
		want = p.writable ? 0 : EFAULT;
	else if (!writeable_fd)
		want = EBADF;
	else if (cmd == MONSTER_IOC_START)
		want = m->running ? EBUSY : 0;
	else if (cmd == MONSTER_IOC_STOP || cmd == MONSTER_IOC_RESET)
		want = 0;
	else if (!p.readable)
		want = EFAULT;
	else
		want = model_set_config(m, &c, &resize);

	/* never ask for a real allocation of hundreds of MiB */
	if (cmd == MONSTER_IOC_SET_CONFIG && want == 0 && resize && c.ring_slots > 16384 &&
	    !m->allow_big_resize)
		return;

	got = do_ioctl(f, fd, cmd, p.p);

	/* ENOMEM is an acceptable answer where the driver allocates */
	if (got == ENOMEM && want == 0 &&
	    (cmd == MONSTER_IOC_GET_STATS || cmd == MONSTER_IOC_GET_SWEEP_HIST ||
	     (cmd == MONSTER_IOC_SET_CONFIG && resize)))
		want = ENOMEM;
	tally_add(f->t, got, got == want,
		  "%s%s (%#lx) on %s fd, arg %s %p%s: got %s, model says %s (running %d, open %d, mapped %d, cfg %u/%u/%u/%d, payload %u/%u/%u/%d/%#x/%#x)",
		  f->low32 ? "compat " : "", cmd_name(cmd), cmd,
		  fk == F_RW ? "O_RDWR" : fk == F_RO ? "O_RDONLY" : fk == F_WO ? "O_WRONLY" : "closed",
		  pkind_name[p.kind], p.p, "", estr(got), estr(want), m->running, m->nopen, m->mapped,
		  m->cfg.rate_hz, m->cfg.scope, m->cfg.ring_slots, m->cfg.numa_node,
		  cmd == MONSTER_IOC_SET_CONFIG ? c.rate_hz : 0,
		  cmd == MONSTER_IOC_SET_CONFIG ? c.scope : 0,
		  cmd == MONSTER_IOC_SET_CONFIG ? c.ring_slots : 0,
		  cmd == MONSTER_IOC_SET_CONFIG ? c.numa_node : 0,
		  cmd == MONSTER_IOC_SET_CONFIG ? c.flags : 0,
		  cmd == MONSTER_IOC_SET_CONFIG ? c.__pad : 0);

	/* follow the device */
	if (got == 0) {
		if (cmd == MONSTER_IOC_START)
			m->running = true;
		else if (cmd == MONSTER_IOC_STOP)
			m->running = false;
		else if (cmd == MONSTER_IOC_SET_CONFIG) {
			if (!resize || got == 0)
				model_apply(m, &c, resize);
		} else if (p.kind == P_VALID) {
			check_get(f, cmd, p.p);
		}
	} else if (got != want) {
		/* resynchronise with the device after a surprise */
		struct monster_stats st;

		if (!vt_get_config(f->fd[F_RW], &m->cfg) && !vt_get_stats(f->fd[F_RW], &st))
			m->running = st.running;
	}
}

/* ---- phases ------------------------------------------------------------------------ */

static struct vt_dev g_map;	/* the fuzzer's own mapping of the rings (64-bit) */
static unsigned char *g_t32, *g_h32;	/* and a low one for the compat phase */

static void set_mapped(struct fuzzer *f, bool on)
{
	if (on == f->m.mapped)
		return;
	if (f->low32) {
		size_t ts = (size_t)page, hs = g_map.info.headers_size;

		if (on) {
			g_t32 = mmap(NULL, ts, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_32BIT,
				     f->fd[F_RW], (off_t)g_map.info.tails_offset);
			g_h32 = mmap(NULL, hs, PROT_READ, MAP_SHARED | MAP_32BIT, f->fd[F_RW],
				     (off_t)g_map.info.headers_offset);
			if (g_t32 == MAP_FAILED || g_h32 == MAP_FAILED) {
				if (g_t32 != MAP_FAILED)
					munmap(g_t32, ts);
				if (g_h32 != MAP_FAILED)
					munmap(g_h32, hs);
				return;
			}
			f->mem.tails = g_t32;
			f->mem.hdrs = g_h32;
			f->mem.hdrs_size = hs;
		} else {
			munmap(g_t32, ts);
			munmap(g_h32, hs);
			f->mem.tails = NULL;
			f->mem.hdrs = NULL;
		}
	} else {
		if (on) {
			g_map.fd = f->fd[F_RW];
			if (vt_info(&g_map) || vt_map(&g_map))
				return;
			f->mem.tails = (unsigned char *)g_map.tails;
			f->mem.hdrs = (const unsigned char *)g_map.hdr;
			f->mem.hdrs_size = g_map.info.headers_size;
		} else {
			vt_unmap(&g_map);
			f->mem.tails = NULL;
			f->mem.hdrs = NULL;
		}
	}
	f->m.mapped = on;
}

static void open_fds(struct fuzzer *f, bool all)
{
	int spare;

	f->fd[F_RW] = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	f->fd[F_RO] = all ? open(MONSTER_DEVICE_PATH, O_RDONLY | O_CLOEXEC) : -1;
	f->fd[F_WO] = all ? open(MONSTER_DEVICE_PATH, O_WRONLY | O_CLOEXEC) : -1;
	spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(spare);
	f->fd[F_CLOSED] = spare;	/* a number nothing is open on */
	f->m.nopen = 1 + (f->fd[F_RO] >= 0) + (f->fd[F_WO] >= 0);
	if (f->fd[F_RW] < 0)
		vt_bail("fuzz-setup", "open %s: %s", MONSTER_DEVICE_PATH, strerror(errno));
}

static void close_fds(struct fuzzer *f)
{
	set_mapped(f, false);
	if (f->fd[F_RO] >= 0)
		close(f->fd[F_RO]);
	if (f->fd[F_WO] >= 0)
		close(f->fd[F_WO]);
	close(f->fd[F_RW]);
}

static void model_sync(struct fuzzer *f)
{
	struct monster_stats st;

	vt_get_config(f->fd[F_RW], &f->m.cfg);
	vt_get_stats(f->fd[F_RW], &st);
	f->m.running = st.running;
}

static void run_model_phase(struct fuzzer *f, unsigned int ms, bool all_fds, unsigned int map_every)
{
	uint64_t t0 = th_now_ns(), n = 0;

	open_fds(f, all_fds);
	model_sync(f);
	while (th_now_ns() - t0 < (uint64_t)ms * 1000000ULL) {
		if (map_every && th_below(&f->rng, map_every) == 0)
			set_mapped(f, !f->m.mapped);
		fuzz_one(f);
		n++;
	}
	vt_stop(f->fd[F_RW]);
	f->m.running = false;
	close_fds(f);
}

static void phase_raw(struct th_rng *r, unsigned int ms)
{
	struct tally t = { 0 };
	struct mem m;
	uint64_t t0 = th_now_ns();
	int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC), got, i;

	if (fd < 0 || mem_init(&m, false))
		vt_bail("fuzz-setup", "open/mmap: %s", strerror(errno));
	while (th_now_ns() - t0 < (uint64_t)ms * 1000000ULL) {
		for (i = 0; i < 64; i++) {
			unsigned long cmd = random_unknown_cmd(r);
			struct ptr p = pick_ptr(r, &m, 64, false, true);

			got = vt_ioctl(fd, cmd, th_below(r, 4) ? p.p : (void *)(uintptr_t)th_rand(r));
			tally_add(&t, got, got == ENOTTY, "cmd %#lx (dir %lu type %#lx nr %#lx size %lu): %s",
				  cmd, (unsigned long)_IOC_DIR(cmd), (unsigned long)_IOC_TYPE(cmd),
				  (unsigned long)_IOC_NR(cmd), (unsigned long)_IOC_SIZE(cmd), estr(got));
		}
	}
	close(fd);
	tally_report(&t, "fuzz-raw-commands-enotty", "random command numbers with random arguments");
}

/* ---- parallel ---------------------------------------------------------------------- */

struct par {
	int fds[2];		/* O_RDWR, O_RDONLY */
	uint64_t end_ns;
	uint64_t calls, undocumented;
	int first_err;
	unsigned long first_cmd;
	int id;
	pthread_mutex_t *lock;
};

static void *par_main(void *arg)
{
	struct par *p = arg;
	struct th_rng r;
	struct mem m;
	struct model dummy = { 0 };

	th_rng_init(&r, g_seed, 1000 + (uint64_t)p->id);
	if (mem_init(&m, false))
		return NULL;
	while (th_now_ns() < p->end_ns) {
		unsigned long cmd = th_below(&r, 4) ? known[th_below(&r, NKNOWN)] : random_unknown_cmd(&r);
		struct ptr ptr;
		struct monster_config c;
		int got;

		/* fewer real START/STOPs: each one is a kernel log line */
		if ((cmd == MONSTER_IOC_START || cmd == MONSTER_IOC_STOP) && th_below(&r, 32))
			cmd = MONSTER_IOC_GET_STATS;
		ptr = pick_ptr(&r, &m, is_known(cmd) ? cmd_size(cmd) : 64, false, true);
		if (cmd == MONSTER_IOC_SET_CONFIG && ptr.kind == P_VALID) {
			dummy.cfg.rate_hz = 1 + (uint32_t)th_below(&r, 3000);
			dummy.cfg.ring_slots = 16384;
			random_config(&r, &dummy, &c);
			/* a resize can succeed only if nothing else is open: never here */
			memcpy(ptr.p, &c, sizeof(c));
		}
		got = vt_ioctl(p->fds[th_below(&r, 4) == 0], cmd, ptr.p);
		p->calls++;
		if (!documented(got) && !p->undocumented++) {
			p->first_err = got;
			p->first_cmd = cmd;
		}
	}
	return NULL;
}

static void *par_mapper(void *arg)
{
	struct par *p = arg;
	struct vt_dev d;

	memset(&d, 0, sizeof(d));
	d.fd = p->fds[0];
	if (vt_info(&d))
		return NULL;
	while (th_now_ns() < p->end_ns) {
		if (vt_map(&d) == 0) {
			vt_drain(&d);
			vt_unmap(&d);
		}
		p->calls++;
	}
	return NULL;
}

static void phase_parallel(unsigned int ms)
{
	struct par p[5];
	pthread_t th[5];
	uint64_t calls = 0, undoc = 0;
	int fds[2], i, first = 0, started = 0;
	unsigned long first_cmd = 0;

	fds[0] = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	fds[1] = open(MONSTER_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (fds[0] < 0 || fds[1] < 0)
		vt_bail("fuzz-setup", "open: %s", strerror(errno));
	for (i = 0; i < 5; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].fds[0] = fds[0];
		p[i].fds[1] = fds[1];
		p[i].end_ns = th_now_ns() + (uint64_t)ms * 1000000ULL;
		p[i].id = i;
		if (pthread_create(&th[i], NULL, i < 4 ? par_main : par_mapper, &p[i]) == 0)
			started |= 1 << i;
	}
	for (i = 0; i < 5; i++) {
		if (!(started & (1 << i)))
			continue;
		pthread_join(th[i], NULL);
		calls += p[i].calls;
		undoc += p[i].undocumented;
		if (p[i].undocumented && !first) {
			first = p[i].first_err;
			first_cmd = p[i].first_cmd;
		}
	}
	vt_stop(fds[0]);
	close(fds[1]);
	close(fds[0]);
	th_check(started == 0x1f && calls > 0 && undoc == 0, "fuzz-parallel-documented-errors",
		 "4 threads fuzzing shared O_RDWR/O_RDONLY fds + 1 mapping/unmapping: %" PRIu64
		 " calls, %" PRIu64 " undocumented errors%s%s (cmd %#lx)", calls, undoc,
		 undoc ? ", first " : "", undoc ? estr(first) : "", first_cmd);
}

int main(void)
{
	struct fuzzer *f = calloc(1, sizeof(*f));
	struct tally *t_model = calloc(1, sizeof(*t_model)), *t_resize = calloc(1, sizeof(*t_resize));
	struct tally *t_compat = calloc(1, sizeof(*t_compat)), *t_gets = calloc(1, sizeof(*t_gets));
	struct monster_config def, now;
	struct th_rng rr;
	char buf[8];
	int e;

	g_seed = vs_begin("t_91_ioctl_fuzz", 900, &g_mark);
	page = sysconf(_SC_PAGESIZE);
	if (!f || !t_model || !t_resize || !t_compat || !t_gets)
		vt_bail("fuzz-setup", "out of memory");
	vt_spawn_variety(3);
	{
		int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);

		if (fd < 0 || vt_get_config(fd, &def))
			vt_bail("fuzz-setup", "open/GET_CONFIG: %s", strerror(errno));
		memset(&g_map, 0, sizeof(g_map));
		g_map.fd = fd;
		if (vt_info(&g_map))
			vt_bail("fuzz-setup", "GET_INFO: %s", strerror(errno));
		close(fd);
		g_map.fd = -1;
	}

	th_rng_init(&rr, g_seed, 1);
	phase_raw(&rr, vs_ms(1000, 10000));

	/* model: three fds open, mapping on and off: no resize can succeed */
	th_rng_init(&f->rng, g_seed, 2);
	f->m.node0_ok = vt_read_file("/sys/devices/system/node/has_memory", buf, sizeof(buf)) <= 0 ||
			buf[0] == '0';
	if (mem_init(&f->mem, false))
		vt_bail("fuzz-setup", "mmap: %s", strerror(errno));
	f->t = t_model;
	f->gets = t_gets;
	run_model_phase(f, vs_ms(3000, 30000), true, 300);
	tally_report(t_model, "fuzz-model-real-commands",
		     "real commands, random payloads/pointers/fds, 3 files open, mapping toggled");

	/* resize: one fd, resizes happen whenever nothing is mapped or running */
	f->t = t_resize;
	run_model_phase(f, vs_ms(2000, 20000), false, 50);
	tally_report(t_resize, "fuzz-model-resize",
		     "the same with one file open, so resizes really happen when unmapped and stopped");

	/* compat: the same through int $0x80 with 32-bit pointers */
	{
		int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		struct monster_config *c32 = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
						   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

		e = (fd < 0 || c32 == MAP_FAILED) ? EIO
						  : ioctl32(fd, MONSTER_IOC_GET_CONFIG, (uint32_t)(uintptr_t)c32);
		if (fd >= 0)
			close(fd);
		if (e == ENOSYS) {
			th_skip("fuzz-model-compat", "no 32-bit syscall entry (ia32 emulation off)");
		} else if (e) {
			th_fail("fuzz-model-compat", "GET_CONFIG through int $0x80: %s", estr(e));
		} else {
			f->low32 = true;
			if (mem_init(&f->mem, true))
				vt_bail("fuzz-setup", "mmap MAP_32BIT: %s", strerror(errno));
			f->t = t_compat;
			run_model_phase(f, vs_ms(1500, 15000), th_below(&rr, 2), 100);
			tally_report(t_compat, "fuzz-model-compat",
				     "real and unknown commands through the 32-bit entry (compat_ioctl)");
			f->low32 = false;
		}
	}
	tally_report(t_gets, "fuzz-get-results-match-model",
		     "GET_CONFIG/GET_INFO/GET_STATS into valid buffers against the model");

	phase_parallel(vs_ms(2000, 20000));

	/* back to the defaults, by the documented interface */
	{
		int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		int e1, e2;

		e1 = vt_stop(fd);
		e2 = vt_set_config(fd, &def);
		vt_get_config(fd, &now);
		th_check(!e1 && !e2 && memcmp(&now, &def, sizeof(def)) == 0, "fuzz-default-config-restored",
			 "STOP %s, SET_CONFIG defaults %s; now rate %u scope %u slots %u node %d",
			 estr(e1), estr(e2), now.rate_hz, now.scope, now.ring_slots, now.numa_node);
		vs_check_arith(fd, NULL, "fuzz-arith");
		close(fd);
	}
	vs_kmsg_check(&g_mark, "fuzz-kernel-log");
	return vt_end();
}
