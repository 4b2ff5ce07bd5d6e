// SPDX-License-Identifier: GPL-2.0
/*
 * t_93_races - lifetime races: everything at once while sampling.
 *
 *   held     worker threads open/close (O_RDWR and O_RDONLY), mmap/munmap
 *            every region, write plausible tails, START/STOP, SET_CONFIG
 *            (rate, scope, and resizes that must get EBUSY: the test holds a
 *            file open throughout), GET_STATS/GET_INFO/RESET, poll; a
 *            consumer thread reads records; another forks children that use
 *            the device and are SIGKILLed mid-way; another reads debugfs;
 *            another calls delete_module(O_NONBLOCK) all the time, which must
 *            always be refused. Every answer must be a documented one, every
 *            GET_STATS consistent, every mapped header intact. Then the
 *            arithmetic holds, the module unloads cleanly with nothing open,
 *            and a reload works.
 *   unload   the same without the held file: rmmod attempts now succeed
 *            whenever everything happens to be closed (and at forced pauses),
 *            a loader thread puts the module back at once; the workers see
 *            open() fail with ENOENT/ENODEV/ENXIO while it is gone and
 *            nothing else. (Trace events are not toggled here: under qemu's
 *            TCG, flipping any trace event, which live-patches __schedule,
 *            can end in "Oops: int3" with no module involved.) No ring memory
 *            is lost over the cycles; at the end the module is loaded, in its
 *            default configuration, and samples correctly.
 * After each phase the kernel log must be clean.
 */
#include "vmstress.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NWORKERS 5

static long page;
static uint64_t g_seed, g_mark;
static volatile int g_stop;		/* threads: finish */
static volatile int g_pause;		/* phase 2: close everything and wait */
static volatile int g_parked;
static bool g_unload_phase;

/* ---- results, per thread, merged by main ----------------------------------------------- */

enum op { OP_OPEN, OP_MMAP, OP_START, OP_STOP, OP_CONFIG, OP_RESIZE, OP_STATS, OP_INFO,
	  OP_RESET, OP_POLL, OP_RMMOD, OP_INSMOD, OP_DEBUGFS, OP_MAPCHECK, OP_NOPS };
static const char *const op_name[OP_NOPS] = {
	"open", "mmap", "START", "STOP", "SET_CONFIG", "resize", "GET_STATS", "GET_INFO", "RESET",
	"poll", "delete_module", "finit_module", "debugfs", "mapped-header",
};

struct res {
	uint64_t n[OP_NOPS], ok[OP_NOPS], bad[OP_NOPS];
	uint64_t resize_ok, rmmod_ok, insmod_ok, stats_torn;
	char first[OP_NOPS][240];
	char torn_first[300];
};

static void res_add(struct res *r, enum op o, int e, bool allowed, const char *fmt, ...)
	TH_PRINTF(5, 6);
static void res_add(struct res *r, enum op o, int e, bool allowed, const char *fmt, ...)
{
	va_list ap;

	r->n[o]++;
	if (!e)
		r->ok[o]++;
	if (allowed)
		return;
	if (!r->bad[o]++) {
		char what[200];

		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		snprintf(r->first[o], sizeof(r->first[o]), "%s: %s", what,
			 e ? strerrorname_np(e) : "succeeded");
	}
}

static void res_merge(struct res *into, const struct res *r)
{
	int o;

	for (o = 0; o < OP_NOPS; o++) {
		if (r->bad[o] && !into->bad[o])
			memcpy(into->first[o], r->first[o], sizeof(into->first[o]));
		into->n[o] += r->n[o];
		into->ok[o] += r->ok[o];
		into->bad[o] += r->bad[o];
	}
	into->resize_ok += r->resize_ok;
	into->rmmod_ok += r->rmmod_ok;
	into->insmod_ok += r->insmod_ok;
	if (r->stats_torn && !into->stats_torn)
		memcpy(into->torn_first, r->torn_first, sizeof(into->torn_first));
	into->stats_torn += r->stats_torn;
}

static bool gone_err(int e)
{
	return e == ENOENT || e == ENODEV || e == ENXIO;
}

/* ---- workers ----------------------------------------------------------------------- */

struct wmap {
	void *addr;
	size_t len;
	int kind;		/* 0 tails rw, 1 headers ro, 2 data ro, 3 all ro */
};

struct worker {
	pthread_t th;
	int id;
	struct th_rng rng;
	struct res res;
	int fd[3];
	bool rw[3];
	struct wmap map[4];
	bool parked;
};

static void w_close_all(struct worker *w)
{
	int i;

	for (i = 0; i < 4; i++)
		if (w->map[i].addr) {
			munmap(w->map[i].addr, w->map[i].len);
			w->map[i].addr = NULL;
		}
	for (i = 0; i < 3; i++)
		if (w->fd[i] >= 0) {
			close(w->fd[i]);
			w->fd[i] = -1;
		}
}

/* an open fd of this worker (rw if asked), or -1 */
static int w_fd(struct worker *w, bool need_rw)
{
	int i, start = (int)th_below(&w->rng, 3);

	for (i = 0; i < 3; i++) {
		int k = (start + i) % 3;

		if (w->fd[k] >= 0 && (!need_rw || w->rw[k]))
			return k;
	}
	return -1;
}

static void w_check_maps(struct worker *w)
{
	int i;
	unsigned int r;

	for (i = 0; i < 4; i++) {
		const struct monster_headers *h;
		uint32_t slots;
		bool ok = true;

		if (!w->map[i].addr)
			continue;
		if (w->map[i].kind == 0) {
			/* write a believable tail: another consumer, as far as the kernel knows */
			struct monster_ring_tail *t = w->map[i].addr;

			r = (unsigned int)th_below(&w->rng, MONSTER_NR_RINGS);
			__atomic_store_n(&t[r].tail, t[r].tail + th_below(&w->rng, 3), __ATOMIC_RELEASE);
			continue;
		}
		if (w->map[i].kind == 2) {
			volatile const unsigned char *d = w->map[i].addr;

			(void)d[th_below(&w->rng, w->map[i].len)];
			continue;
		}
		h = (const void *)((const unsigned char *)w->map[i].addr +
				   (w->map[i].kind == 3 ? (size_t)page : 0));
		slots = h->shared.ring_slots;
		if (h->shared.magic != MONSTER_MAGIC || slots < MONSTER_SLOTS_MIN ||
		    slots > MONSTER_SLOTS_MAX || (slots & (slots - 1)))
			ok = false;
		for (r = 0; ok && r < MONSTER_NR_RINGS; r++)
			if (h->ring[r].prime != monster_prime(r) || h->ring[r].slots != slots ||
			    h->ring[r].data_offset != 2 * (uint64_t)page +
						      r * (uint64_t)slots * sizeof(struct monster_sample))
				ok = false;
		res_add(&w->res, OP_MAPCHECK, ok ? 0 : EIO, ok, "mapped headers: magic %#x slots %u",
			h->shared.magic, slots);
	}
}

static void w_step(struct worker *w)
{
	struct th_rng *r = &w->rng;
	struct monster_stats st;
	struct monster_info in;
	struct monster_config c;
	char why[300];
	int k, e, i;

	switch (th_below(r, 16)) {
	case 0: case 1: { /* open */
		bool rw = th_below(r, 4) != 0;
		int fd;

		for (k = 0; k < 3 && w->fd[k] >= 0; k++)
			;
		if (k == 3) {
			k = (int)th_below(r, 3);
			close(w->fd[k]);
			w->fd[k] = -1;
		}
		fd = open(MONSTER_DEVICE_PATH, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		e = fd < 0 ? errno : 0;
		res_add(&w->res, OP_OPEN, e, !e || (g_unload_phase && gone_err(e)), "open");
		if (e)	/* the module is away: give the loader the CPU */
			th_sleep_ms(2);
		w->fd[k] = fd;
		w->rw[k] = rw;
		break;
	}
	case 2: /* close */
		k = (int)th_below(r, 3);
		if (w->fd[k] >= 0) {
			close(w->fd[k]);
			w->fd[k] = -1;
		}
		break;
	case 3: case 4: { /* mmap (with an O_RDWR file) */
		static const int kinds[] = { 0, 1, 2, 3 };
		int kind = kinds[th_below(r, 4)];
		size_t off, len;
		void *p;

		k = w_fd(w, true);
		for (i = 0; i < 4 && w->map[i].addr; i++)
			;
		if (k < 0)
			break;
		if (i == 4) {
			i = (int)th_below(r, 4);
			munmap(w->map[i].addr, w->map[i].len);
			w->map[i].addr = NULL;
		}
		if (vt_ioctl(w->fd[k], MONSTER_IOC_GET_INFO, &in))
			break;
		off = kind == 0 ? 0 : kind == 1 ? in.headers_offset : kind == 2 ? in.data_offset : 0;
		len = kind == 0 ? in.tails_size : kind == 1 ? in.headers_size :
		      kind == 2 ? in.data_size : in.map_size;
		p = mmap(NULL, len, kind == 0 ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
			 w->fd[k], (off_t)off);
		e = p == MAP_FAILED ? errno : 0;
		/* EINVAL only if a resize to smaller rings came in between (unload phase) */
		res_add(&w->res, OP_MMAP, e,
			!e || (g_unload_phase && e == EINVAL && (kind == 2 || kind == 3)),
			"mmap kind %d len %zu", kind, len);
		if (!e) {
			w->map[i].addr = p;
			w->map[i].len = len;
			w->map[i].kind = kind;
		}
		break;
	}
	case 5: /* munmap */
		i = (int)th_below(r, 4);
		if (w->map[i].addr) {
			munmap(w->map[i].addr, w->map[i].len);
			w->map[i].addr = NULL;
		}
		break;
	case 6: /* START / STOP */
		k = w_fd(w, false);
		if (k < 0)
			break;
		if (th_below(r, 2)) {
			e = vt_start(w->fd[k]);
			res_add(&w->res, OP_START, e, w->rw[k] ? (!e || e == EBUSY) : e == EBADF,
				"START on %s", w->rw[k] ? "O_RDWR" : "O_RDONLY");
		} else {
			e = vt_stop(w->fd[k]);
			res_add(&w->res, OP_STOP, e, w->rw[k] ? !e : e == EBADF, "STOP on %s",
				w->rw[k] ? "O_RDWR" : "O_RDONLY");
		}
		break;
	case 7: /* rate and scope */
		k = w_fd(w, false);
		if (k < 0 || vt_get_config(w->fd[k], &c))
			break;
		c.rate_hz = 1 + (uint32_t)th_below(r, 3000);
		c.scope = (uint32_t)th_below(r, 2);
		e = vt_set_config(w->fd[k], &c);
		/* EBUSY/ENOMEM: a resize in between made our slots a resize back */
		res_add(&w->res, OP_CONFIG, e,
			w->rw[k] ? (!e || e == EBUSY || e == ENOMEM) : e == EBADF, "rate/scope");
		break;
	case 8: { /* resize */
		static const uint32_t sizes[] = { 64, 256, 1024, 4096 };

		k = w_fd(w, true);
		if (k < 0)
			break;
		/* never the size in force when held (a no-op succeeds): the default, 16384 */
		e = vt_set_slots(w->fd[k], g_unload_phase && th_below(r, 4) == 0 ? 16384
										 : sizes[th_below(r, 4)]);
		res_add(&w->res, OP_RESIZE, e,
			g_unload_phase ? (!e || e == EBUSY || e == ENOMEM) : e == EBUSY,
			"resize (%s)", g_unload_phase ? "0, EBUSY or ENOMEM" : "a file is held open: EBUSY");
		w->res.resize_ok += !e;
		break;
	}
	case 9: case 10: /* GET_STATS, consistent even mid-sweep */
		k = w_fd(w, false);
		if (k < 0)
			break;
		e = vt_get_stats(w->fd[k], &st);
		res_add(&w->res, OP_STATS, e, !e, "GET_STATS");
		if (!e && vs_arith_running(&st, why, sizeof(why)) && !w->res.stats_torn++)
			snprintf(w->res.torn_first, sizeof(w->res.torn_first), "%s", why);
		break;
	case 11: /* GET_INFO: a self-consistent layout */
		k = w_fd(w, false);
		if (k < 0)
			break;
		e = vt_ioctl(w->fd[k], MONSTER_IOC_GET_INFO, &in);
		res_add(&w->res, OP_INFO, e,
			!e && in.ring_bytes == (uint64_t)in.ring_slots * sizeof(struct monster_sample) &&
			in.data_size == 15 * in.ring_bytes &&
			in.map_size == in.data_offset + in.data_size,
			"GET_INFO slots %u map_size %" PRIu64, in.ring_slots, (uint64_t)in.map_size);
		break;
	case 12: /* RESET */
		k = w_fd(w, false);
		if (k < 0)
			break;
		e = vt_ioctl(w->fd[k], MONSTER_IOC_RESET, NULL);
		res_add(&w->res, OP_RESET, e, w->rw[k] ? !e : e == EBADF, "RESET");
		break;
	case 13: { /* poll */
		struct pollfd p;
		int n;

		k = w_fd(w, false);
		if (k < 0)
			break;
		p.fd = w->fd[k];
		p.events = POLLIN;
		n = poll(&p, 1, (int)th_below(r, 3));
		res_add(&w->res, OP_POLL, n < 0 ? errno : 0, n >= 0, "poll");
		break;
	}
	default:
		w_check_maps(w);
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!g_stop) {
		if (g_pause) {
			w_close_all(w);
			__atomic_add_fetch(&g_parked, 1, __ATOMIC_SEQ_CST);
			while (g_pause && !g_stop)
				th_sleep_ms(1);
			__atomic_sub_fetch(&g_parked, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		w_step(w);
	}
	w_close_all(w);
	return NULL;
}

/* ---- the other threads ------------------------------------------------------------- */

struct aux {
	pthread_t th;
	struct res res;
	struct th_rng rng;
	struct vs_consumer *c;
	uint64_t count;
};

static void *rmmod_main(void *arg)
{
	struct aux *a = arg;

	while (!g_stop) {
		int e = vt_module_unload(O_NONBLOCK);

		/* held: refused (EWOULDBLOCK = EAGAIN; EBUSY from older kernels' wording) */
		res_add(&a->res, OP_RMMOD, e,
			g_unload_phase ? (!e || e == EAGAIN || e == EBUSY || e == ENOENT)
				       : (e == EAGAIN || e == EBUSY),
			"delete_module(O_NONBLOCK)%s", g_unload_phase ? "" : " while a file is held open");
		a->res.rmmod_ok += !e;
		/* while unloading works, try less often: the module should be there most of the time */
		th_sleep_ns(g_unload_phase ? 10000000 + th_below(&a->rng, 30000000)
					   : 500000 + th_below(&a->rng, 2000000));
	}
	return NULL;
}

static void *loader_main(void *arg)
{
	struct aux *a = arg;

	while (!g_stop) {
		if (!vt_module_loaded()) {
			int e = vt_module_reload();

			/* EEXIST: someone else loaded it first; EBUSY: the old one is still going */
			res_add(&a->res, OP_INSMOD, e, !e || e == EEXIST || e == EBUSY, "finit_module");
			a->res.insmod_ok += !e;
		}
		th_sleep_ms(2);
	}
	return NULL;
}

static void *debugfs_main(void *arg)
{
	struct aux *a = arg;
	char buf[4096];

	while (!g_stop) {
		ssize_t n = vt_read_file("/sys/kernel/debug/monster/stats", buf, sizeof(buf));
		int e = n < 0 ? errno : 0;

		/* a debugfs file removed under a reader answers EIO */
		res_add(&a->res, OP_DEBUGFS, e,
			(n > 0 && strstr(buf, "Monster Process Sampler")) ||
			(g_unload_phase && (gone_err(e) || e == EIO)),
			"read debugfs stats (%zd bytes)", n);
		th_sleep_ms(3);
	}
	return NULL;
}

/* a child that uses the device until it is killed */
static int doomed_main(void *arg)
{
	struct monster_info in;
	struct th_rng r;
	void *p = NULL;
	int fd;

	th_rng_init(&r, (uint64_t)(uintptr_t)arg, 11);
	fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!vt_ioctl(fd, MONSTER_IOC_GET_INFO, &in))
		p = mmap(NULL, in.map_size, PROT_READ, MAP_SHARED, fd, 0);
	for (;;) {
		vt_set_rate_scope(fd, 1 + (uint32_t)th_below(&r, 2000), (uint32_t)th_below(&r, 2));
		vt_start(fd);
		if (p != MAP_FAILED && p)
			(void)((volatile unsigned char *)p)[th_below(&r, in.map_size)];
		if (th_below(&r, 50) == 0)
			return 0;	/* sometimes exit on its own, with everything open */
	}
	return 0;
}

static void *forker_main(void *arg)
{
	struct aux *a = arg;

	while (!g_stop) {
		pid_t pid;

		if (g_pause) {
			th_sleep_ms(2);
			continue;
		}
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			alarm(0);
			_exit(doomed_main((void *)(uintptr_t)th_rand(&a->rng)));
		}
		if (pid > 0) {
			th_sleep_ns(th_below(&a->rng, 4000000));
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			a->count++;
		}
	}
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct aux *a = arg;

	while (!g_stop)
		if (!vs_consume(a->c))
			th_sleep_ms(1);
	return NULL;
}

/* ---- phases -------------------------------------------------------------------------- */

static struct worker g_w[NWORKERS];

static void start_workers(void)
{
	int i;

	for (i = 0; i < NWORKERS; i++) {
		memset(&g_w[i], 0, sizeof(g_w[i]));
		g_w[i].id = i;
		g_w[i].fd[0] = g_w[i].fd[1] = g_w[i].fd[2] = -1;
		th_rng_init(&g_w[i].rng, g_seed, 100 + (uint64_t)i + (g_unload_phase ? 50 : 0));
		if (pthread_create(&g_w[i].th, NULL, worker_main, &g_w[i]))
			vt_bail("race-setup", "pthread_create: %s", strerror(errno));
	}
}

static void join_workers(struct res *all)
{
	int i;

	for (i = 0; i < NWORKERS; i++) {
		pthread_join(g_w[i].th, NULL);
		res_merge(all, &g_w[i].res);
	}
}

/* what both phases race with the workers: rmmod, debugfs and fork/kill threads */
struct racers {
	struct aux rm, dbg, fk;
};

/* the workers and the racers, these on streams first .. first + 2 of the seed */
static void start_race(struct racers *x, uint64_t first)
{
	th_rng_init(&x->rm.rng, g_seed, first);
	th_rng_init(&x->dbg.rng, g_seed, first + 1);
	th_rng_init(&x->fk.rng, g_seed, first + 2);
	start_workers();
	pthread_create(&x->rm.th, NULL, rmmod_main, &x->rm);
	pthread_create(&x->dbg.th, NULL, debugfs_main, &x->dbg);
	pthread_create(&x->fk.th, NULL, forker_main, &x->fk);
}

/* stop the workers and the racers; what they saw goes into *all */
static void end_race(struct racers *x, struct res *all)
{
	g_stop = 1;
	join_workers(all);
	pthread_join(x->rm.th, NULL);
	pthread_join(x->dbg.th, NULL);
	pthread_join(x->fk.th, NULL);
	res_merge(all, &x->rm.res);
	res_merge(all, &x->dbg.res);
}

static void report_ops(const struct res *all, const char *name, const char *what)
{
	char detail[1500];
	size_t off = 0;
	uint64_t bad = 0, calls = 0;
	int o, first = -1;

	for (o = 0; o < OP_NOPS; o++) {
		if (!all->n[o])
			continue;
		calls += all->n[o];
		bad += all->bad[o];
		if (all->bad[o] && first < 0)
			first = o;
		off += (size_t)snprintf(detail + off, sizeof(detail) - off, "%s%s %" PRIu64 "/%" PRIu64,
					off ? ", " : "", op_name[o], all->ok[o], all->n[o]);
		if (off >= sizeof(detail))
			off = sizeof(detail) - 1;
	}
	th_check(calls > 0 && bad == 0, name, "%s: %" PRIu64 " calls (succeeded/made: %s), %" PRIu64
		 " with an undocumented answer%s%s", what, calls, detail, bad,
		 first >= 0 ? "; first: " : "", first >= 0 ? all->first[first] : "");
}

static void phase_held(unsigned int ms)
{
	struct racers x = { 0 };
	struct aux con = { 0 };
	struct res all = { 0 };
	struct monster_stats st;
	int keeper, e, e2;
	uint64_t t0;

	g_unload_phase = false;
	g_stop = 0;
	keeper = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (keeper < 0)
		vt_bail("race-setup", "open: %s", strerror(errno));
	vt_set_rate_scope(keeper, 1000, MONSTER_SCOPE_PROCESS);

	con.c = calloc(1, sizeof(*con.c));
	if (!con.c || vs_consumer_begin(con.c, -1))
		vt_bail("race-setup", "consumer: %s", strerror(errno));
	con.c->guard = true;	/* the workers write tails too */
	vt_start(keeper);

	start_race(&x, 1);
	pthread_create(&con.th, NULL, consumer_main, &con);
	t0 = th_now_ns();
	while (th_now_ns() - t0 < (uint64_t)ms * 1000000ULL)
		th_sleep_ms(20);
	end_race(&x, &all);
	pthread_join(con.th, NULL);

	report_ops(&all, "race-held-documented-answers",
		   "5 workers + rmmod + debugfs + fork/kill threads while one file is held open");
	th_check(all.n[OP_RMMOD] > 0 && all.bad[OP_RMMOD] == 0 && all.rmmod_ok == 0,
		 "race-held-rmmod-refused", "%" PRIu64 " delete_module attempts while the device was open: %" PRIu64
		 " succeeded", all.n[OP_RMMOD], all.rmmod_ok);
	th_check(all.n[OP_STATS] > 0 && all.stats_torn == 0, "race-held-stats-consistent",
		 "%" PRIu64 " GET_STATS mid-race: %" PRIu64 " with tail > head or fill > slots%s%s",
		 all.n[OP_STATS], all.stats_torn, all.stats_torn ? "; first: " : "", all.torn_first);
	th_check(all.n[OP_MAPCHECK] > 0 && all.bad[OP_MAPCHECK] == 0, "race-held-mappings-intact",
		 "%" PRIu64 " looks at mapped ring headers: all intact", all.n[OP_MAPCHECK]);
	th_check(x.fk.count >= 5, "race-held-killed-children",
		 "%" PRIu64 " children killed while using the device", x.fk.count);

	/* quiet again: stop, then judge what the consumer saw */
	vt_stop(keeper);
	vs_consumer_finish(con.c, "race-held-consumer", true);
	vs_consumer_end(con.c);
	free(con.c);
	e = vt_get_stats(keeper, &st);
	th_check(!e && !st.running, "race-held-stopped", "after the race: sampler running %u", st.running);
	e = vt_set_slots(keeper, 1024);
	e2 = vt_set_slots(keeper, 16384);
	th_check(!e && !e2, "race-held-no-leaked-refs",
		 "only the held file left: resize to 1024 %s and back %s",
		 e ? strerror(e) : "ok", e2 ? strerror(e2) : "ok");
	close(keeper);
	vs_kmsg_check(&g_mark, "race-held-kernel-log");

	/* nothing open: the module goes, and comes back */
	e = vt_module_unload(O_NONBLOCK);
	e2 = vt_module_reload();
	{
		int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		struct monster_config c;
		int e3 = fd < 0 ? errno : vt_get_config(fd, &c);

		th_check(!e && !e2 && !e3 && c.rate_hz == MONSTER_RATE_DEFAULT, "race-held-unload-reload",
			 "rmmod with nothing open: %s; reload: %s; open + GET_CONFIG: %s (rate %u)",
			 e ? strerrorname_np(e) : "ok", e2 ? strerror(e2) : "ok",
			 e3 ? strerror(e3) : "ok", e3 ? 0 : c.rate_hz);
		if (fd >= 0)
			close(fd);
	}
}

static void phase_unload(unsigned int ms)
{
	struct racers x = { 0 };
	struct aux ld = { 0 };
	struct res all = { 0 };
	long long mem0, mem1;
	uint64_t t0, pauses = 0, forced = 0;
	int e;

	g_unload_phase = true;
	g_stop = 0;
	g_pause = 0;
	mem0 = vs_settled_mem_kb();
	start_race(&x, 21);
	pthread_create(&ld.th, NULL, loader_main, &ld);
	t0 = th_now_ns();
	while (th_now_ns() - t0 < (uint64_t)ms * 1000000ULL) {
		uint64_t w0;

		th_sleep_ms(400);
		/* a forced pause: everyone closes, the module must be able to go */
		g_pause = 1;
		w0 = th_now_ns();
		while (g_parked < NWORKERS && th_now_ns() - w0 < 3000000000ULL)
			th_sleep_ms(1);
		while (vt_module_loaded() && th_now_ns() - w0 < 3000000000ULL) {
			e = vt_module_unload(O_NONBLOCK);
			if (!e) {
				forced++;
				break;
			}
			th_sleep_ms(2);
		}
		pauses++;
		g_pause = 0;
	}
	end_race(&x, &all);
	pthread_join(ld.th, NULL);
	res_merge(&all, &ld.res);

	report_ops(&all, "race-unload-documented-answers",
		   "workers, rmmod, loader, debugfs and fork/kill threads with the module coming and going");
	th_check(forced > 0 && pauses > 0 && all.insmod_ok > 0, "race-unload-cycles",
		 "%" PRIu64 " unloads at forced pauses (of %" PRIu64 "), %" PRIu64 " by the racing rmmod thread, %" PRIu64
		 " reloads", forced, pauses, all.rmmod_ok, all.insmod_ok);
	th_check(all.n[OP_STATS] > 0 && all.stats_torn == 0, "race-unload-stats-consistent",
		 "%" PRIu64 " GET_STATS: %" PRIu64 " with tail > head or fill > slots%s%s", all.n[OP_STATS],
		 all.stats_torn, all.stats_torn ? "; first: " : "", all.torn_first);

	/* the module is back, as the harness loaded it, and works */
	{
		uint64_t w0 = th_now_ns();

		while (!vt_module_loaded() && th_now_ns() - w0 < 5000000000ULL) {
			vt_module_reload();
			th_sleep_ms(10);
		}
	}
	/* a fresh load: default rings, so nothing was lost over the cycles */
	mem1 = vs_settled_mem_kb();
	/*
	 * Freed ring pages can sit on the per-CPU page lists for seconds, out of
	 * MemAvailable's sight: one set of rings may be missing for a while. A leak
	 * over 8+ cycles would be several sets.
	 */
	th_check(mem0 > 0 && mem1 > 0 && mem1 + 60 * 1024 >= mem0 && forced + all.rmmod_ok >= 2,
		 "race-unload-no-ring-leak",
		 "MemAvailable (settled) %lld KiB before, %lld KiB after %" PRIu64
		 " unload/reload cycles: %lld KiB less (allowed: 60 MiB, one set of rings is 45 MiB)",
		 mem0, mem1, forced + all.rmmod_ok, mem0 - mem1);
	{
		struct vs_consumer *c = calloc(1, sizeof(*c));
		struct monster_config cfg;
		int e1 = c ? vs_consumer_begin(c, MONSTER_SCOPE_PROCESS) : ENOMEM;

		if (e1) {
			th_fail("race-unload-final-state", "open/map after the storm: %s", strerror(abs(e1)));
		} else {
			vt_get_config(c->d.fd, &cfg);
			th_check(cfg.rate_hz == MONSTER_RATE_DEFAULT && cfg.scope == MONSTER_SCOPE_PROCESS &&
				 cfg.ring_slots == c->d.info.ring_slots, "race-unload-final-state",
				 "loaded, default config (rate %u scope %u slots %u)", cfg.rate_hz, cfg.scope,
				 cfg.ring_slots);
			vt_set_rate_scope(c->d.fd, 1000, MONSTER_SCOPE_PROCESS);
			vt_start(c->d.fd);
			vs_consume_for(c, 300);
			vt_stop(c->d.fd);
			vs_consumer_finish(c, "race-unload-final-consumer", false);
			vs_consumer_end(c);
		}
		free(c);
	}
	vs_kmsg_check(&g_mark, "race-unload-kernel-log");
}

int main(void)
{
	g_seed = vs_begin("t_93_races", 900, &g_mark);
	page = sysconf(_SC_PAGESIZE);
	signal(SIGPIPE, SIG_IGN);
	vt_spawn_variety(3);
	phase_held(vs_ms(5000, 60000));
	phase_unload(vs_ms(5000, 60000));
	return vt_end();
}
