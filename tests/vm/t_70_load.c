// SPDX-License-Identifier: GPL-2.0
/*
 * t_70_load - a few thousand tasks: one process with NTHREADS sleeping
 * threads (small stacks) plus a fork/exit and a thread create/exit churn.
 * Scope THREAD at 100 Hz: every thread is sampled, the sweep stays short,
 * records obey the rules; scope PROCESS: one record with nr_threads for the
 * whole group. No warning, lockup or stall in the kernel log.
 */
#include "vmtest.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 3000

struct load_sh {
	volatile int created;
	volatile int failed_err;
};

static int load_main(void *arg)
{
	struct load_sh *sh = arg;

	vt_sleeping_threads(NTHREADS, &sh->created, &sh->failed_err);
}

static void *nothing(void *arg)
{
	return arg;
}

static int churn_main(void *arg)
{
	(void)arg;
	vt_child_ready();
	for (;;) {
		pthread_t t;
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		if (pthread_create(&t, NULL, nothing, NULL) == 0)
			pthread_join(t, NULL);
	}
	return 0;
}

struct ctx {
	struct vt_dev *d;
	int scope;
	pid_t tgid;
	struct vt_validity val;
	uint32_t *tids;
	size_t ntids, cap;
	uint64_t group_records;
	uint32_t last_nr_threads;
	uint64_t exiting;
};

static void on_rec(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	struct ctx *c = arg;

	vt_validity_add(&c->val, c->d, ring, idx, s, 0, c->scope);
	if (s->flags & MONSTER_SF_EXITING)
		c->exiting++;
	if (s->tgid != (uint32_t)c->tgid)
		return;
	c->group_records++;
	c->last_nr_threads = s->nr_threads;
	if (c->ntids == c->cap) {
		uint32_t *bigger = realloc(c->tids, (c->cap ? c->cap * 2 : 4096) * sizeof(*bigger));

		if (!bigger)
			return;
		c->tids = bigger;
		c->cap = c->cap ? c->cap * 2 : 4096;
	}
	c->tids[c->ntids++] = s->pid;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static size_t distinct(uint32_t *v, size_t n)
{
	size_t i, m = 0;

	qsort(v, n, sizeof(*v), u32_cmp);
	for (i = 0; i < n; i++)
		if (!i || v[i] != v[i - 1])
			m++;
	return m;
}

/* run the sampler at 100 Hz in scope for at least n sweeps, consuming into a fresh c */
static uint64_t run_sweeps(struct vt_dev *d, struct ctx *c, int scope, pid_t tgid, uint64_t n,
			   unsigned int timeout_ms, struct monster_stats *s0,
			   struct monster_stats *s1)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->d = d;
	c->scope = scope;
	c->tgid = tgid;
	vt_set_rate_scope_or_bail(d->fd, 100, (uint32_t)scope, "load-config");
	vt_drain(d);
	vt_get_stats_or_bail(d->fd, s0, "load-stats");
	err = vt_start(d->fd);
	if (err)
		vt_bail("load-start", "START: %s", strerror(err));
	vt_wait_sweeps(d->fd, n, timeout_ms, d, on_rec, c);
	vt_stop(d->fd);
	vt_consume_all(d, on_rec, c);
	vt_get_stats_or_bail(d->fd, s1, "load-stats");
	return s1->sweeps - s0->sweeps;
}

int main(void)
{
	struct monster_stats s0, s1;
	struct load_sh *sh;
	struct vt_dev d;
	struct ctx c;
	uint64_t mark, sweeps, dropped;
	pid_t load;
	char line[300];
	char *log;

	vt_begin("t_70_load");
	mark = vt_kmsg_mark();
	vt_open_or_bail(&d, "load-open");
	vt_stop(d.fd);
	vt_map_or_bail(&d, "load-map");

	sh = vt_shared_alloc(4096);
	if (!sh)
		vt_bail("load-setup", "shared page: %s", strerror(errno));
	load = vt_spawn("monster-load", load_main, sh, true);
	th_check(load > 0 && sh->created == NTHREADS, "load-threads-created",
		 "pid %d created %d of %d threads (%s)", load, sh->created, NTHREADS,
		 sh->failed_err ? strerror(sh->failed_err) : "no error");
	if (load <= 0)
		return vt_end();
	if (vt_spawn("monster-churn", churn_main, NULL, true) < 0)
		th_note("could not start the churn child");

	/* ---- scope THREAD ---- */
	sweeps = run_sweeps(&d, &c, MONSTER_SCOPE_THREAD, load, 6, 60000, &s0, &s1);
	dropped = VT_RING_SUM(&s1, dropped) - VT_RING_SUM(&s0, dropped);
	th_note("scope THREAD: %" PRIu64 " sweeps, %" PRIu64 " records, %" PRIu64 " dropped, %" PRIu64
		" overruns, %" PRIu64 " records flagged EXITING", sweeps, c.val.records, dropped,
		(uint64_t)(s1.overruns - s0.overruns), c.exiting);
	th_check(sweeps >= 6 && s1.last_sweep_tasks >= NTHREADS, "load-thread-sweep-tasks",
		 "%" PRIu64 " sweeps; last sweep sampled %" PRIu64 " tasks (want >= %d)", sweeps,
		 (uint64_t)s1.last_sweep_tasks, NTHREADS);
	{
		size_t n = distinct(c.tids, c.ntids);

		th_check(n == (size_t)sh->created + 1, "load-all-threads-sampled",
			 "%zu distinct threads of pid %d in %" PRIu64 " records (want its %d threads + main)",
			 n, load, c.group_records, sh->created);
	}
	th_check(s1.max_sweep_ns > 0 && s1.max_sweep_ns < 1000000000ULL, "load-sweep-time",
		 "a sweep of %" PRIu64 " tasks: last %.3f ms, max %.3f ms (want < 1 s even under emulation)",
		 (uint64_t)s1.last_sweep_tasks, s1.last_sweep_ns / 1e6, s1.max_sweep_ns / 1e6);
	vt_validity_report_one(&c.val, "load-thread-record-rules");
	free(c.tids);

	/* ---- scope PROCESS ---- */
	sweeps = run_sweeps(&d, &c, MONSTER_SCOPE_PROCESS, load, 4, 30000, &s0, &s1);
	th_check(sweeps >= 4 && c.group_records >= 1 && distinct(c.tids, c.ntids) == 1 &&
		 c.last_nr_threads == (uint32_t)sh->created + 1 &&
		 s1.last_sweep_tasks < NTHREADS, "load-process-scope",
		 "%" PRIu64 " sweeps: %" PRIu64 " records of pid %d, %zu distinct pids, nr_threads %u (want %d); last sweep %" PRIu64
		 " tasks", sweeps, c.group_records, load, c.ntids ? distinct(c.tids, c.ntids) : 0,
		 c.last_nr_threads, sh->created + 1, (uint64_t)s1.last_sweep_tasks);
	vt_validity_report_one(&c.val, "load-process-record-rules");
	free(c.tids);

	vt_kill_children();
	vt_close(&d);

	log = vt_kmsg_read(mark, NULL);
	if (!log) {
		th_fail("load-kernel-log-clean", "cannot read /dev/kmsg: %s", strerror(errno));
	} else {
		const char *bad = vt_kmsg_find_bad(log, line, sizeof(line));

		th_check(!bad, "load-kernel-log-clean",
			 "kernel messages during the load test: %zu bytes%s%s", strlen(log),
			 bad ? "; first bad line: " : ", no warning/BUG/lockup/stall", bad ? bad : "");
		free(log);
	}
	return vt_end();
}
