// SPDX-License-Identifier: GPL-2.0
/*
 * t_15_cputime - the records' user and system times are the ones /proc
 * shows. Twenty processes (busy loops, sleepers that touched 8-64 MiB, an
 * 8-thread process, a faulting one, a context-switching one, late
 * starters), sampled in both scopes:
 *   - never backwards: utime_ns and stime_ns of a task only grow from
 *     record to record;
 *   - while they run: the newest record against /proc/PID/stat fields 14
 *     and 15 (thread scope: /proc/PID/task/TID/stat) read right after the
 *     sweep, within two clock ticks plus one sampling period;
 *   - frozen (SIGSTOP): the same clock ticks exactly;
 *   - cpu_time_ns is utime_ns + stime_ns, and runtime_ns stays the precise
 *     runtime (within a tick of the adjusted sum).
 */
#include "vmtest.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define RATE_HZ		100
#define PERIOD_NS	(1000000000ULL / RATE_HZ)
#define NWORK		20
#define MAX_TASKS	64	/* processes and their threads */
#define THREADS		8
#define MAX_POINTS	1024	/* records kept per task */

enum kind { BUSY, SLEEPER, THREADED, FAULTER, SWITCHER, LATE };

static const char *const kind_names[] = { "busy", "sleeper", "threaded", "faulter",
					  "switcher", "late" };

struct worker {
	enum kind kind;
	unsigned int mib;	/* sleepers: memory touched */
	pid_t pid;
};

struct point {
	uint64_t ts, utime, stime;
};

/* A task's records: the 15 rings are consumed one after another, so they come out of order. */
struct task_view {
	pid_t pid, tgid;
	int worker;
	uint64_t records, bad_sum;
	struct monster_sample last;	/* the newest (by timestamp) */
	unsigned int npoints;
	struct point points[MAX_POINTS];
};

static struct worker g_work[NWORK];
static struct task_view g_task[MAX_TASKS];
static unsigned int g_ntask;
static uint64_t g_tick_ns;

static int sleeper_main(void *arg)
{
	size_t len = (size_t)((struct worker *)arg)->mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		memset(p, 1, len);
	vt_child_ready();
	for (;;)
		pause();
	return 0;
}

static void *spin_thread(void *arg)
{
	volatile uint64_t x = 0;

	(void)arg;
	for (;;)
		x++;
	return NULL;
}

static int threaded_main(void *arg)
{
	pthread_t t;
	int i;

	(void)arg;
	for (i = 0; i < THREADS - 1; i++)
		pthread_create(&t, NULL, spin_thread, NULL);
	vt_child_ready();
	spin_thread(NULL);
	return 0;
}

static int switcher_main(void *arg)
{
	(void)arg;
	vt_child_ready();
	for (;;)
		usleep(50);
	return 0;
}

/* the faulter spends mostly system time */
static int (*const kind_main[])(void *) = { vt_child_spin, sleeper_main, threaded_main,
					    vt_child_fault, switcher_main, vt_child_spin };

static void spawn_workers(bool late)
{
	unsigned int i;

	for (i = 0; i < NWORK; i++) {
		struct worker *w = &g_work[i];

		if ((w->kind == LATE) != late)
			continue;
		w->pid = vt_spawn("monster-cput", kind_main[w->kind], w, true);
		if (w->pid < 0)
			vt_bail("cputime-spawn", "cannot start %s worker %u", kind_names[w->kind], i);
	}
}

static void plan_workers(void)
{
	static const unsigned int mib[] = { 8, 16, 32, 64 };
	unsigned int i, n = 0;

	for (i = 0; i < 6; i++)
		g_work[n++].kind = BUSY;
	for (i = 0; i < 4; i++) {
		g_work[n].kind = SLEEPER;
		g_work[n++].mib = mib[i];
	}
	g_work[n++].kind = THREADED;
	g_work[n++].kind = FAULTER;
	g_work[n++].kind = SWITCHER;
	while (n < NWORK)
		g_work[n++].kind = LATE;
}

static int worker_of(pid_t tgid)
{
	int i;

	for (i = 0; i < NWORK; i++)
		if (g_work[i].pid == tgid)
			return i;
	return -1;
}

static struct task_view *view_of(const struct monster_sample *s)
{
	unsigned int i;
	int w;

	for (i = 0; i < g_ntask; i++)
		if (g_task[i].pid == (pid_t)s->pid)
			return &g_task[i];
	w = worker_of((pid_t)s->tgid);
	if (w < 0 || g_ntask == MAX_TASKS)
		return NULL;
	g_task[g_ntask] = (struct task_view){ .pid = (pid_t)s->pid, .tgid = (pid_t)s->tgid,
					      .worker = w };
	return &g_task[g_ntask++];
}

static void on_rec(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	struct task_view *v = view_of(s);

	(void)arg;
	(void)ring;
	(void)idx;
	if (!v)
		return;
	v->bad_sum += s->cpu_time_ns != s->utime_ns + s->stime_ns;
	if (!v->records || s->timestamp_ns >= v->last.timestamp_ns)
		v->last = *s;
	if (v->npoints < MAX_POINTS)
		v->points[v->npoints++] = (struct point){ s->timestamp_ns, s->utime_ns, s->stime_ns };
	v->records++;
}

static int point_cmp(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* In sweep order, utime and stime never go down; 0 or the first offence in why. */
static int backwards(struct task_view *v, char *why, size_t len)
{
	unsigned int i;

	qsort(v->points, v->npoints, sizeof(v->points[0]), point_cmp);
	for (i = 1; i < v->npoints; i++) {
		const struct point *a = &v->points[i - 1], *b = &v->points[i];

		if (b->utime < a->utime || b->stime < a->stime) {
			snprintf(why, len, "pid %d: utime %llu -> %llu, stime %llu -> %llu", v->pid,
				 (unsigned long long)a->utime, (unsigned long long)b->utime,
				 (unsigned long long)a->stime, (unsigned long long)b->stime);
			return 1;
		}
	}
	return 0;
}

/* Fields 14 and 15 of a stat file, clock ticks. */
static int read_times(const struct task_view *v, bool thread, uint64_t *ut, uint64_t *st)
{
	char path[96], buf[1024], *p;
	unsigned long long u, s;

	if (thread)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", v->tgid, v->pid);
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", v->pid);
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	/* after "pid (comm)": state is field 3, utime 14, stime 15 */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &u, &s) != 2)
		return -1;
	*ut = u * g_tick_ns;
	*st = s * g_tick_ns;
	return 0;
}

static uint64_t diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/*
 * Every tracked task against /proc; tol_ns is the allowed difference of
 * each value, floor (frozen) compares the values in whole clock ticks.
 */
static void compare(const char *name, bool thread, uint64_t tol_ns, bool floor)
{
	unsigned int i, n = 0, bad = 0, kinds = 0;
	uint64_t worst = 0;
	char first[240] = "";

	for (i = 0; i < g_ntask; i++) {
		const struct task_view *v = &g_task[i];
		uint64_t ut, st, ru = v->last.utime_ns, rs = v->last.stime_ns, d;

		if (!v->records || read_times(v, thread, &ut, &st))
			continue;
		n++;
		kinds |= 1U << g_work[v->worker].kind;
		if (floor) {
			ru -= ru % g_tick_ns;
			rs -= rs % g_tick_ns;
		}
		d = diff(ru, ut) > diff(rs, st) ? diff(ru, ut) : diff(rs, st);
		if (d > worst)
			worst = d;
		if (d > tol_ns && !bad++)
			snprintf(first, sizeof(first),
				 "%s pid %d: record utime %llu stime %llu ns, /proc %llu %llu ns",
				 kind_names[g_work[v->worker].kind], v->pid,
				 (unsigned long long)v->last.utime_ns,
				 (unsigned long long)v->last.stime_ns, (unsigned long long)ut,
				 (unsigned long long)st);
	}
	th_check(n >= NWORK && !bad && kinds == (1U << 6) - 1, name,
		 "%u tasks of %u kinds against /proc, %u differ by more than %llu ns (worst %llu "
		 "ns)%s%s", n, __builtin_popcount(kinds), bad, (unsigned long long)tol_ns,
		 (unsigned long long)worst, first[0] ? "; first: " : "", first);
}

static void check_records(const char *prefix)
{
	unsigned int i, back = 0, sums = 0, runtime_bad = 0;
	uint64_t points = 0;
	char name[64], first[200] = "", first_rt[200] = "", why[200];

	for (i = 0; i < g_ntask; i++) {
		struct task_view *v = &g_task[i];
		const struct monster_sample *s = &v->last;

		points += v->npoints;
		if (backwards(v, why, sizeof(why)) && !back++)
			snprintf(first, sizeof(first), "%s", why);
		sums += v->bad_sum != 0;
		/* the adjusted split adds up to the precise runtime as of the last adjustment */
		if (v->records && diff(s->cpu_time_ns, s->runtime_ns) > 2 * g_tick_ns &&
		    !runtime_bad++)
			snprintf(first_rt, sizeof(first_rt), "pid %u: cpu_time %llu, runtime %llu",
				 s->pid, (unsigned long long)s->cpu_time_ns,
				 (unsigned long long)s->runtime_ns);
	}
	snprintf(name, sizeof(name), "%s-monotonic", prefix);
	th_check(!back && points > 10ULL * g_ntask, name,
		 "%u tasks, %llu records in sweep order, %u tasks with utime or stime going "
		 "backwards%s%s", g_ntask, (unsigned long long)points, back,
		 first[0] ? "; first: " : "", first);
	snprintf(name, sizeof(name), "%s-sum", prefix);
	th_check(!sums && !runtime_bad, name,
		 "%u tasks: %u with cpu_time != utime + stime, %u with cpu_time more than two "
		 "ticks from runtime%s%s", g_ntask, sums, runtime_bad, first_rt[0] ? "; " : "",
		 first_rt);
}

static void signal_workers(int sig)
{
	unsigned int i;

	for (i = 0; i < NWORK; i++)
		if (g_work[i].pid > 0)
			kill(g_work[i].pid, sig);
}

/*
 * Consume everything, sleep until the next sweep's records arrive (the
 * driver wakes pollers at the end of a sweep), consume them: then the
 * newest records are as fresh as they get.
 */
static void catch_up(struct vt_dev *d)
{
	struct pollfd p = { .fd = d->fd, .events = POLLIN };
	uint64_t s;

	vt_consume_all(d, on_rec, NULL);
	s = vt_sweeps(d->fd);
	while (vt_sweeps(d->fd) == s && poll(&p, 1, 1000) >= 0)
		vt_consume_all(d, on_rec, NULL);
	vt_consume_all(d, on_rec, NULL);
}

static void consume_for(struct vt_dev *d, uint64_t ns)
{
	uint64_t end = th_now_ns() + ns;

	while (th_now_ns() < end) {
		vt_consume_all(d, on_rec, NULL);
		th_sleep_ms(2);
	}
}

static void run_scope(struct vt_dev *d, uint32_t scope)
{
	bool thread = scope == MONSTER_SCOPE_THREAD;
	const char *prefix = thread ? "cputime-thread" : "cputime-process";
	char name[64];
	unsigned int i;

	memset(g_task, 0, sizeof(g_task));
	g_ntask = 0;
	for (i = 0; i < NWORK; i++)
		g_work[i].pid = 0;
	if (vt_set_rate_scope(d->fd, RATE_HZ, scope))
		vt_bail(prefix, "cannot set %u Hz, scope %u", RATE_HZ, scope);
	vt_drain(d);
	spawn_workers(false);
	vt_start(d->fd);
	consume_for(d, 1500000000ULL);
	spawn_workers(true);	/* short-lived: a few hundred ms old when compared */
	consume_for(d, 400000000ULL);

	catch_up(d);
	snprintf(name, sizeof(name), "%s-running", prefix);
	compare(name, thread, 2 * g_tick_ns + PERIOD_NS, false);

	signal_workers(SIGSTOP);
	th_sleep_ms(50);	/* stopped everywhere, then two sweeps see it */
	catch_up(d);
	catch_up(d);
	vt_stop(d->fd);
	vt_consume_all(d, on_rec, NULL);
	snprintf(name, sizeof(name), "%s-frozen", prefix);
	compare(name, thread, 0, true);
	check_records(prefix);
	signal_workers(SIGKILL);
	vt_kill_children();
}

int main(void)
{
	struct monster_config saved;
	struct vt_dev d;

	struct sched_param sp = { .sched_priority = 10 };

	vt_begin("t_15_cputime");
	/*
	 * Real-time over the twenty workers (which do not inherit it), so that
	 * /proc is read right after the sweep, not after a turn in the run queue.
	 */
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
		vt_bail("cputime-sched", "SCHED_FIFO: %s", strerror(errno));
	g_tick_ns = 1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK);
	plan_workers();
	vt_open_or_bail(&d, "cputime-open");
	vt_map_or_bail(&d, "cputime-map");
	if (vt_get_config(d.fd, &saved))
		vt_bail("cputime-config", "GET_CONFIG failed");
	run_scope(&d, MONSTER_SCOPE_PROCESS);
	run_scope(&d, MONSTER_SCOPE_THREAD);
	vt_set_rate_scope(d.fd, saved.rate_hz, saved.scope);
	vt_close(&d);
	return vt_end();
}
