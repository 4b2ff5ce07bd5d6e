// SPDX-License-Identifier: GPL-2.0
/*
 * t_94_load - the sampler under load, with an honest consumer judging every
 * record exactly (valid, seq never backwards, seq gaps == the drops counted).
 *
 *   paused    rings of 1024 slots at 1000 Hz; the consumer stops reading for
 *             a while, several times: the full rings hold exactly slots
 *             records, the next records are dropped and counted, and on
 *             catching up the oldest unread record is the first one read (no
 *             overwrite), the drops exactly what the seq gaps show.
 *   storm     a fork/exec/exit storm (children that exit at once, exec
 *             /bin/true, start a thread and exit, vfork+exec) while sampling
 *             at 1000 Hz, switching between process and thread scope: the
 *             short-lived tasks show up in records, nothing is corrupt.
 *   memory    a hog takes all but ~96 MiB of the guest's memory while the
 *             rings are allocated and sampled at 1000 Hz; then a resize that
 *             cannot fit must fail with ENOMEM cleanly (no OOM killer: the hog
 *             survives) and a small one must work.
 *   10k       10,000 threads in 4 processes, sampled per thread at 1000 Hz:
 *             every sweep sees them all, sweeps stay bounded, no lockup or
 *             stall; in process scope each process's record counts its
 *             threads.
 * After each scenario the arithmetic holds and the kernel log is clean.
 */
#include "vmstress.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t g_seed, g_mark;
static long page;

/* ---- paused consumer ---------------------------------------------------------------- */

static void paused(void)
{
	static const unsigned int pause_ms[] = { 500, 2000, 1000 };
	struct vs_consumer *c = calloc(1, sizeof(*c));
	struct monster_config c0;
	uint64_t full_ok = 0, full_rings = 0, first_ok = 0, first_rings = 0, d0;
	char bad[300] = "";
	unsigned int i, r;
	int fd, e;

	/* small rings fill fast; nothing else may be open for the resize */
	fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 || vt_get_config(fd, &c0))
		vt_bail("stress-paused-setup", "open: %s", strerror(errno));
	e = vt_set_slots(fd, 1024);
	close(fd);
	if (e || !c || vs_consumer_begin(c, MONSTER_SCOPE_PROCESS))
		vt_bail("stress-paused-setup", "resize to 1024 / consumer: %s", strerror(e ? e : errno));
	vt_set_rate_scope(c->d.fd, 1000, MONSTER_SCOPE_PROCESS);
	vt_start(c->d.fd);
	d0 = VT_RING_SUM(&c->s0, dropped);
	for (i = 0; i < TH_ARRAY_SIZE(pause_ms); i++) {
		struct monster_stats st;
		uint64_t expect[MONSTER_NR_RINGS];

		vs_consume_for(c, 300);
		memcpy(expect, c->q.expect, sizeof(expect));
		/* the pause: nothing read, nothing released */
		th_sleep_ms(vs_ms(pause_ms[i], pause_ms[i] * 5));
		vt_get_stats_or_bail(c->d.fd, &st, "stress-paused-stats");
		for (r = 0; r < MONSTER_NR_RINGS; r++) {
			uint64_t unread = st.ring[r].head - c->d.ctail[r];

			if (st.ring[r].produced - expect[r] <= 1024)
				continue;	/* this ring did not overflow */
			full_rings++;
			/* full: exactly slots unread, and the tail in force is ours */
			if (unread == 1024 && st.ring[r].tail == c->d.ctail[r])
				full_ok++;
			else if (!bad[0])
				snprintf(bad, sizeof(bad), "ring %u after pause %u: %" PRIu64 " unread (want 1024), tail in force %" PRIu64
					 " (ours %" PRIu64 "), produced %" PRIu64 " since",
					 r, i, unread, (uint64_t)st.ring[r].tail, c->d.ctail[r],
					 (uint64_t)(st.ring[r].produced - expect[r]));
		}
		/* catching up: the oldest unread record comes first, no gap before it */
		for (r = 0; r < MONSTER_NR_RINGS; r++) {
			if (vt_head(&c->d, r) == c->d.ctail[r])
				continue;
			first_rings++;
			if (vt_rec(&c->d, r, c->d.ctail[r])->seq == expect[r])
				first_ok++;
			else if (!bad[0])
				snprintf(bad, sizeof(bad), "ring %u after pause %u: first unread record has seq %" PRIu64
					 ", want %" PRIu64, r, i, (uint64_t)vt_rec(&c->d, r, c->d.ctail[r])->seq,
					 expect[r]);
		}
		vs_consume_for(c, 300);
	}
	vt_stop(c->d.fd);
	{
		struct monster_stats st;

		vt_get_stats_or_bail(c->d.fd, &st, "stress-paused-stats");
		th_check(full_rings > 0 && full_ok == full_rings && first_ok == first_rings &&
			 VT_RING_SUM(&st, dropped) > d0, "stress-paused-full-rings-keep-oldest",
			 "3 pauses at 1000 Hz, 1024-slot rings: %" PRIu64 "/%" PRIu64
			 " overflowed rings held exactly 1024 unread records, %" PRIu64 "/%" PRIu64
			 " resumed with the oldest unread record; %" PRIu64 " drops%s%s",
			 full_ok, full_rings, first_ok, first_rings, VT_RING_SUM(&st, dropped) - d0,
			 bad[0] ? "; first: " : "", bad);
	}
	vs_consumer_finish(c, "stress-paused", false);
	vs_consumer_end(c);
	free(c);
	fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	e = vt_set_config(fd, &c0);
	if (e)
		th_fail("stress-paused-restore", "SET_CONFIG back to %u slots: %s", c0.ring_slots, strerror(e));
	close(fd);
	vs_kmsg_check(&g_mark, "stress-paused-kernel-log");
}

/* ---- fork/exec/exit storm -------------------------------------------------------------- */

struct storm_sh {
	volatile uint64_t forks[4];
};

struct storm_arg {
	struct storm_sh *sh;
	int id;
};

static void *quick_thread(void *arg)
{
	return arg;
}

static int storm_main(void *argp)
{
	const struct storm_arg *a = argp;
	struct th_rng r;

	th_rng_init(&r, g_seed, 40 + (uint64_t)a->id);
	vt_child_ready();
	for (;;) {
		unsigned int how = (unsigned int)th_below(&r, 4);
		pid_t pid = how == 3 ? vfork() : fork();

		if (pid == 0) {
			if (how == 0 || how == 3) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			prctl(PR_SET_NAME, "monster-forkee");
			if (how == 1) {
				pthread_t t;

				if (!pthread_create(&t, NULL, quick_thread, NULL))
					pthread_join(t, NULL);
			}
			_exit(0);
		}
		if (pid > 0) {
			waitpid(pid, NULL, 0);
			a->sh->forks[a->id]++;
		}
	}
	return 0;
}

struct storm_seen {
	uint64_t short_lived, exiting;
};

static void storm_rec(void *arg, unsigned int ring, const struct monster_sample *s)
{
	struct storm_seen *seen = arg;

	(void)ring;
	if (!strcmp(s->comm, "true") || !strcmp(s->comm, "monster-forkee"))
		seen->short_lived++;
	if (s->flags & MONSTER_SF_EXITING)
		seen->exiting++;
}

static void storm(void)
{
	struct storm_sh *sh = vt_shared_alloc(sizeof(*sh));
	struct vs_consumer *c = calloc(1, sizeof(*c));
	struct storm_arg args[2];
	struct storm_seen seen = { 0 };
	struct monster_stats st0, st1;
	pid_t pids[2];
	uint64_t t0, ms, forks, sweeps;
	unsigned int ms_each = vs_ms(2000, 30000), i;

	if (!sh || !c || vs_consumer_begin(c, -1))
		vt_bail("stress-storm-setup", "consumer: %s", strerror(errno));
	c->on_rec = storm_rec;
	c->arg = &seen;
	vt_set_rate_scope(c->d.fd, 1000, MONSTER_SCOPE_PROCESS);
	vt_get_stats_or_bail(c->d.fd, &st0, "stress-storm-stats");
	for (i = 0; i < 2; i++) {
		args[i].sh = sh;
		args[i].id = (int)i;
		pids[i] = vt_spawn("monster-storm", storm_main, &args[i], true);
	}
	vt_start(c->d.fd);
	t0 = th_now_ns();
	vs_consume_for(c, ms_each);
	vt_set_rate_scope(c->d.fd, 1000, MONSTER_SCOPE_THREAD);	/* live scope change */
	vs_consume_for(c, ms_each);
	ms = (th_now_ns() - t0) / 1000000ULL;
	vt_stop(c->d.fd);
	for (i = 0; i < 2; i++)
		vt_kill(pids[i]);
	forks = sh->forks[0] + sh->forks[1];
	vt_get_stats_or_bail(c->d.fd, &st1, "stress-storm-stats");
	sweeps = st1.sweeps - st0.sweeps;
	vs_consumer_finish(c, "stress-storm", false);
	th_check(forks * 1000 >= 20 * ms && sweeps * 50 * 1000 >= 1000 * ms && seen.short_lived > 0,
		 "stress-storm-sampled",
		 "%" PRIu64 " forks (%" PRIu64 "/s) in %" PRIu64 " ms, %" PRIu64 " sweeps at 1000 Hz (overruns %" PRIu64
		 "), %" PRIu64 " records of short-lived children, %" PRIu64 " of exiting tasks",
		 forks, ms ? forks * 1000 / ms : 0, ms, sweeps, (uint64_t)(st1.overruns - st0.overruns),
		 seen.short_lived, seen.exiting);
	vt_set_rate_scope(c->d.fd, MONSTER_RATE_DEFAULT, MONSTER_SCOPE_PROCESS);
	vs_consumer_end(c);
	free(c);
	vs_kmsg_check(&g_mark, "stress-storm-kernel-log");
}

/* ---- memory pressure ------------------------------------------------------------------ */

struct hog_sh {
	volatile uint64_t bytes;
	volatile int err;
};

static int hog_main(void *arg)
{
	struct hog_sh *sh = arg;
	long long avail = vs_mem_available_kb();
	size_t chunk = 16 << 20;

	/* take all but ~96 MiB, populated (no swap: this memory cannot be reclaimed) */
	while (avail > 96 * 1024 + (long long)(chunk >> 10)) {
		void *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED) {
			sh->err = errno;
			break;
		}
		madvise(p, chunk, MADV_NOHUGEPAGE);
		sh->bytes += chunk;
		avail = vs_mem_available_kb();
		if (avail < 256 * 1024)
			chunk = 4 << 20;
	}
	vt_child_ready();
	for (;;)
		pause();
	return 0;
}

static void memory(void)
{
	struct hog_sh *sh = vt_shared_alloc(sizeof(*sh));
	struct vs_consumer *c = calloc(1, sizeof(*c));
	struct monster_config c0;
	long long avail0, avail1;
	pid_t hog;
	int fd, e_big, e_small, e_back, alive;

	if (!sh || !c)
		vt_bail("stress-memory-setup", "out of memory");
	avail0 = vs_mem_available_kb();
	hog = vt_spawn("monster-hog", hog_main, sh, true);
	avail1 = vs_mem_available_kb();
	if (hog < 0 || vs_consumer_begin(c, MONSTER_SCOPE_PROCESS))
		vt_bail("stress-memory-setup", "hog/consumer: %s", strerror(errno));
	vt_set_rate_scope(c->d.fd, 1000, MONSTER_SCOPE_PROCESS);
	vt_start(c->d.fd);
	vs_consume_for(c, vs_ms(1500, 20000));
	vt_stop(c->d.fd);
	vs_consumer_finish(c, "stress-memory-consumer", false);
	vt_set_rate_scope(c->d.fd, MONSTER_RATE_DEFAULT, MONSTER_SCOPE_PROCESS);
	vs_consumer_end(c);

	/* nothing else open or mapped: resizes are possible, only memory can refuse */
	fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	vt_get_config(fd, &c0);
	e_big = vt_set_slots(fd, 65536);		/* ~180 MiB: does not fit */
	/* an OOM kill takes a moment to finish: then the hog is a zombie or gone */
	th_sleep_ms(300);
	{
		struct vt_pstat ps;
		int st;

		alive = vt_proc_stat(hog, &ps) == 0 && ps.state != 'Z' && ps.state != 'X' &&
			!(ps.flags & 0x4) /* PF_EXITING */ &&
			waitpid(hog, &st, WNOHANG) == 0;
	}
	th_check((e_big == ENOMEM || e_big == 0) && alive, "stress-memory-resize-enomem",
		 "hog holds %" PRIu64 " MiB (MemAvailable %lld -> %lld KiB); resize to 65536 slots (180 MiB): %s (want ENOMEM); hog %s",
		 (uint64_t)sh->bytes >> 20, avail0, avail1, e_big ? strerrorname_np(e_big) : "succeeded",
		 alive ? "alive" : "KILLED (OOM killer?)");
	e_small = vt_set_slots(fd, 1024);
	e_back = vt_set_slots(fd, c0.ring_slots);
	th_check(!e_small && !e_back, "stress-memory-resize-small",
		 "under the same pressure: resize to 1024 slots %s, back to %u %s",
		 e_small ? strerrorname_np(e_small) : "ok", c0.ring_slots, e_back ? strerrorname_np(e_back) : "ok");
	vt_kill(hog);
	vs_check_arith(fd, NULL, "stress-memory-arith");
	close(fd);
	free(c);
	vs_kmsg_check(&g_mark, "stress-memory-kernel-log");
}

/* ---- 10,000 tasks ------------------------------------------------------------------ */

#define TASK_PROCS 4
#define TASKS_PER 2500

struct tasks_sh {
	volatile int created[TASK_PROCS];
	volatile int err[TASK_PROCS];
};

struct tasks_arg {
	struct tasks_sh *sh;
	int id;
};

static int tasks_main(void *argp)
{
	const struct tasks_arg *a = argp;

	a->sh->created[a->id] = 1;	/* the main thread */
	vt_sleeping_threads(TASKS_PER - 1, &a->sh->created[a->id], &a->sh->err[a->id]);
}

struct tasks_seen {
	pid_t pids[TASK_PROCS];
	uint32_t nr_threads[TASK_PROCS];
};

static void tasks_rec(void *arg, unsigned int ring, const struct monster_sample *s)
{
	struct tasks_seen *seen = arg;
	int i;

	(void)ring;
	for (i = 0; i < TASK_PROCS; i++)
		if (s->tgid == (uint32_t)seen->pids[i] && s->pid == s->tgid &&
		    s->nr_threads > seen->nr_threads[i])
			seen->nr_threads[i] = s->nr_threads;
}

static void tasks(void)
{
	struct tasks_sh *sh = vt_shared_alloc(sizeof(*sh));
	struct vs_consumer *c = calloc(1, sizeof(*c));
	struct tasks_arg args[TASK_PROCS];
	struct tasks_seen seen = { 0 };
	struct monster_stats st0, st1;
	char old_max[64] = "";
	uint64_t t0, ms, sweeps, tasks_seen_max = 0, created = 0;
	int i, threads_ok = 1;

	if (!sh || !c)
		vt_bail("stress-10k-setup", "out of memory");
	/* the guest's default threads-max (about 7,600 for 1 GiB) is below 10,000 */
	vt_read_file("/proc/sys/kernel/threads-max", old_max, sizeof(old_max));
	vt_write_file("/proc/sys/kernel/threads-max", "40000");
	t0 = th_now_ns();
	for (i = 0; i < TASK_PROCS; i++) {
		args[i].sh = sh;
		args[i].id = i;
		seen.pids[i] = vt_spawn("monster-10k", tasks_main, &args[i], true);
		created += (uint64_t)sh->created[i];
		if (seen.pids[i] < 0 || sh->created[i] != TASKS_PER)
			threads_ok = 0;
	}
	th_note("created %" PRIu64 " threads in %" PRIu64 " ms (errors %d %d %d %d)", created,
		(uint64_t)((th_now_ns() - t0) / 1000000), sh->err[0], sh->err[1], sh->err[2], sh->err[3]);
	if (vs_consumer_begin(c, MONSTER_SCOPE_THREAD))
		vt_bail("stress-10k-setup", "consumer: %s", strerror(errno));
	c->on_rec = tasks_rec;
	c->arg = &seen;
	vt_set_rate_scope(c->d.fd, 1000, MONSTER_SCOPE_THREAD);
	vt_get_stats_or_bail(c->d.fd, &st0, "stress-10k-stats");
	vt_start(c->d.fd);
	t0 = th_now_ns();
	while (th_now_ns() - t0 < (uint64_t)vs_ms(3000, 30000) * 1000000ULL) {
		struct monster_stats st;

		if (!vs_consume(c))
			th_sleep_ms(1);
		if (!vt_get_stats(c->d.fd, &st) && st.last_sweep_tasks > tasks_seen_max)
			tasks_seen_max = st.last_sweep_tasks;
	}
	ms = (th_now_ns() - t0) / 1000000ULL;
	vt_stop(c->d.fd);
	vt_get_stats_or_bail(c->d.fd, &st1, "stress-10k-stats");
	sweeps = st1.sweeps - st0.sweeps;
	vs_consumer_finish(c, "stress-10k-thread", false);
	th_check(threads_ok && tasks_seen_max >= TASK_PROCS * TASKS_PER, "stress-10k-tasks-sampled",
		 "%" PRIu64 " threads created in %d processes; largest sweep saw %" PRIu64 " tasks (want >= %d)",
		 created, TASK_PROCS, tasks_seen_max, TASK_PROCS * TASKS_PER);
	/* bounded: a sweep of 10k+ tasks under emulation takes tens of ms, never seconds */
	th_check(sweeps > 0 && st1.max_sweep_ns < 2000000000ULL, "stress-10k-sweeps-bounded",
		 "%" PRIu64 " sweeps in %" PRIu64 " ms (asked 1000 Hz, overruns %" PRIu64 "), longest %" PRIu64
		 " us, mean %" PRIu64 " us", sweeps, ms, (uint64_t)(st1.overruns - st0.overruns),
		 (uint64_t)st1.max_sweep_ns / 1000,
		 sweeps ? (uint64_t)(st1.total_sweep_ns - st0.total_sweep_ns) / sweeps / 1000 : 0);
	vs_consumer_end(c);

	/* process scope: one record per process, counting its threads */
	if (vs_consumer_begin(c, MONSTER_SCOPE_PROCESS))
		vt_bail("stress-10k-setup", "consumer: %s", strerror(errno));
	c->on_rec = tasks_rec;
	c->arg = &seen;
	vt_set_rate_scope(c->d.fd, 1000, MONSTER_SCOPE_PROCESS);
	vt_start(c->d.fd);
	vs_consume_for(c, 1000);
	vt_stop(c->d.fd);
	vs_consumer_finish(c, "stress-10k-process", false);
	th_check(seen.nr_threads[0] == TASKS_PER && seen.nr_threads[1] == TASKS_PER &&
		 seen.nr_threads[2] == TASKS_PER && seen.nr_threads[3] == TASKS_PER,
		 "stress-10k-process-nr-threads", "process-scope records of the 4 processes: nr_threads %u %u %u %u (want %d)",
		 seen.nr_threads[0], seen.nr_threads[1], seen.nr_threads[2], seen.nr_threads[3], TASKS_PER);
	vt_set_rate_scope(c->d.fd, MONSTER_RATE_DEFAULT, MONSTER_SCOPE_PROCESS);
	vs_consumer_end(c);
	free(c);
	t0 = th_now_ns();
	for (i = 0; i < TASK_PROCS; i++)
		vt_kill(seen.pids[i]);
	th_note("10k threads gone in %" PRIu64 " ms", (uint64_t)((th_now_ns() - t0) / 1000000));
	if (old_max[0])
		vt_write_file("/proc/sys/kernel/threads-max", old_max);
	vs_kmsg_check(&g_mark, "stress-10k-kernel-log");
}

int main(void)
{
	g_seed = vs_begin("t_94_load", 1200, &g_mark);
	page = sysconf(_SC_PAGESIZE);
	vt_spawn_variety(8);
	paused();
	storm();
	memory();
	tasks();
	return vt_end();
}
