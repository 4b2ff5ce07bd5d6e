// SPDX-License-Identifier: GPL-2.0
/*
 * t_16_sweep_modes - how a sweep is run:
 *   - on several threads (sweep_threads 2, 3, 0 = auto): every task exactly
 *     once per sweep, nothing lost (seq accounting), the threads used
 *     reported, produced == head + dropped in every GET_STATS while the
 *     threads write into small full rings; sweep_threads is refused while
 *     running (EBUSY);
 *   - changed-only with keyframes: between keyframes a sweep writes the
 *     tasks that ran (busy ones every time, a woken sleeper once) and new
 *     ones, never the sleepers; every keyframe-th sweep writes everyone
 *     with MONSTER_SF_KEYFRAME; the skipped tasks are counted.
 */
#include "vmtest.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define NSLEEP		300
#define NBUSY		3
#define MAX_SWEEPS	512

struct sweep_view {
	uint64_t ts;
	unsigned int records, sleepers, busy, keyframe, late, woken, dup;
};

static pid_t g_sleep[NSLEEP], g_busy[NBUSY], g_late, g_woken;
static struct sweep_view g_sweep[MAX_SWEEPS];
static unsigned int g_nsweep;
static uint8_t *g_seen;		/* per pid: the sweep index + 1 that last had it */
static struct vt_seq g_seq;

static void on_usr1(int sig)
{
	(void)sig;
}

/* runs once when woken by SIGUSR1, then sleeps again */
static int wakeable_main(void *arg)
{
	(void)arg;
	signal(SIGUSR1, on_usr1);
	vt_child_ready();
	for (;;)
		pause();
	return 0;
}

static struct sweep_view *sweep_of(uint64_t ts)
{
	unsigned int i;

	for (i = g_nsweep; i-- > 0;)
		if (g_sweep[i].ts == ts)
			return &g_sweep[i];
	if (g_nsweep == MAX_SWEEPS)
		return NULL;
	g_sweep[g_nsweep] = (struct sweep_view){ .ts = ts };
	return &g_sweep[g_nsweep++];
}

static bool in_set(const pid_t *set, unsigned int n, pid_t pid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i] == pid)
			return true;
	return false;
}

static void on_rec(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	struct sweep_view *v = sweep_of(s->timestamp_ns);
	unsigned int tag;

	(void)arg;
	(void)idx;
	vt_seq_add(&g_seq, ring, s->seq);
	if (!v)
		return;
	v->records++;
	v->keyframe += !!(s->flags & MONSTER_SF_KEYFRAME);
	if (s->pid < 4194304) {
		/* a pid twice in one sweep: the sweep index is remembered per pid */
		tag = (unsigned int)(v - g_sweep) % 255 + 1;
		v->dup += g_seen[s->pid] == tag;
		g_seen[s->pid] = (uint8_t)tag;
	}
	if (in_set(g_sleep, NSLEEP, (pid_t)s->pid))
		v->sleepers++;
	else if (in_set(g_busy, NBUSY, (pid_t)s->pid))
		v->busy++;
	else if ((pid_t)s->pid == g_late)
		v->late++;
	else if ((pid_t)s->pid == g_woken)
		v->woken++;
}

static void reset_views(void)
{
	memset(g_sweep, 0, sizeof(g_sweep));
	memset(g_seen, 0, 4194304);
	g_nsweep = 0;
	vt_seq_init(&g_seq);
}

static int set_mode(int fd, uint32_t rate, uint32_t flags, uint32_t keyframe, uint32_t threads)
{
	struct monster_config c;
	int err = vt_get_config(fd, &c);

	if (err)
		return err;
	c.rate_hz = rate;
	c.scope = MONSTER_SCOPE_PROCESS;
	c.flags = flags;
	c.keyframe = keyframe;
	c.sweep_threads = threads;
	return vt_set_config(fd, &c);
}

/* Sweeps seen, complete ones only (the first and last may be cut by start/stop). */
static void run_sweeps(struct vt_dev *d, unsigned int n)
{
	vt_drain(d);
	vt_start(d->fd);
	vt_wait_sweeps(d->fd, n, 60000, d, on_rec, NULL);
	vt_stop(d->fd);
	vt_consume_all(d, on_rec, NULL);
}

static void check_parallel(struct vt_dev *d, uint32_t threads, uint32_t rate, const char *name)
{
	struct monster_stats st;
	unsigned int i, full = 0, missing = 0, dups = 0, want_threads;
	char first[160] = "";
	int err;

	reset_views();
	err = set_mode(d->fd, rate, 0, 0, threads);
	if (err) {
		th_fail(name, "SET_CONFIG sweep_threads %u: %s", threads, strerror(err));
		return;
	}
	run_sweeps(d, 12);
	vt_get_stats_or_bail(d->fd, &st, name);
	/* the sweeps between the first and the last: every sleeper, once */
	for (i = 1; i + 1 < g_nsweep; i++) {
		const struct sweep_view *v = &g_sweep[i];

		full += v->sleepers == NSLEEP && v->busy == NBUSY;
		dups += v->dup;
		if (v->sleepers != NSLEEP && !missing++)
			snprintf(first, sizeof(first), "sweep %u had %u of %u sleepers", i,
				 v->sleepers, NSLEEP);
	}
	want_threads = threads ? threads : 1;
	th_check(g_nsweep >= 10 && full == g_nsweep - 2 && !dups && !missing &&
		 st.last_sweep_threads == want_threads, name,
		 "%u sweeps on %u threads (want %u): %u with all %u sleepers and %u busy, %u "
		 "duplicates%s%s", g_nsweep, st.last_sweep_threads, want_threads, full, NSLEEP,
		 NBUSY, dups, first[0] ? "; " : "", first);
}

/* 5 Hz leaves a sweep room on one thread; at 2000 Hz auto takes every CPU. */
static void check_auto(struct vt_dev *d)
{
	struct monster_stats st;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t fast;

	check_parallel(d, 0, 5, "sweep-auto-slow");
	set_mode(d->fd, 2000, 0, 0, 0);
	vt_drain(d);
	vt_start(d->fd);
	vt_wait_sweeps(d->fd, 20, 20000, d, on_rec, NULL);
	vt_get_stats_or_bail(d->fd, &st, "sweep-auto-fast");
	fast = st.last_sweep_threads;
	vt_stop(d->fd);
	th_check(cpus < 2 || fast == (uint32_t)(cpus > MONSTER_SWEEP_THREADS_MAX ?
						 MONSTER_SWEEP_THREADS_MAX : cpus),
		 "sweep-auto-fast", "at 2000 Hz with %d tasks (sweep %llu us): %u threads, %ld CPUs",
		 (int)st.last_sweep_tasks, (unsigned long long)st.last_sweep_ns / 1000, fast, cpus);
}

static void check_busy_while_running(struct vt_dev *d)
{
	struct monster_config c;
	int err;

	set_mode(d->fd, 50, 0, 0, 2);
	vt_start(d->fd);
	vt_get_config(d->fd, &c);
	c.sweep_threads = 3;
	err = vt_set_config(d->fd, &c);
	vt_stop(d->fd);
	th_check(err == EBUSY, "sweep-threads-ebusy", "sweep_threads 2 -> 3 while running: %s "
		 "(want EBUSY)", err ? strerror(err) : "accepted");
}

/* Tiny full rings, two threads writing: the counters add up at every read. */
static void check_counters_exact(struct vt_dev *d)
{
	struct monster_stats st;
	unsigned int reads = 0, bad = 0, r;
	uint64_t end, dropped = 0;
	char first[160] = "";

	if (vt_resize(d, MONSTER_SLOTS_MIN))
		vt_bail("sweep-counters-exact", "cannot resize to %u slots", MONSTER_SLOTS_MIN);
	vt_map_or_bail(d, "sweep-counters-exact");
	set_mode(d->fd, 500, 0, 0, 2);
	vt_start(d->fd);
	end = th_now_ns() + 2000000000ULL;
	while (th_now_ns() < end) {
		if (vt_get_stats(d->fd, &st))
			break;
		reads++;
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			if (st.ring[r].produced != st.ring[r].head + st.ring[r].dropped && !bad++)
				snprintf(first, sizeof(first), "ring %u: produced %llu head %llu "
					 "dropped %llu", r, (unsigned long long)st.ring[r].produced,
					 (unsigned long long)st.ring[r].head,
					 (unsigned long long)st.ring[r].dropped);
		/* release now and then, so rings both fill and drain */
		if (reads % 16 == 0)
			vt_drain(d);
	}
	vt_stop(d->fd);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		dropped += st.ring[r].dropped;
	th_check(reads > 100 && !bad && dropped > 0, "sweep-counters-exact",
		 "%u GET_STATS reads while 2 threads write into %u-slot rings (%llu dropped): %u "
		 "with produced != head + dropped%s%s", reads, MONSTER_SLOTS_MIN,
		 (unsigned long long)dropped, bad, first[0] ? "; " : "", first);
	vt_unmap(d);
	if (vt_resize(d, MONSTER_SLOTS_DEFAULT))
		vt_bail("sweep-counters-exact", "cannot resize back");
	vt_map_or_bail(d, "sweep-counters-exact");
}

static void check_changed_only(struct vt_dev *d)
{
	struct monster_stats st;
	unsigned int i, keys = 0, between = 0, bad_key = 0, bad_between = 0, gap_bad = 0;
	unsigned int late_at = 0, woken_at = 0, last_key = 0, busy_seen = 0;
	char first[200] = "";
	int err;

	reset_views();
	err = set_mode(d->fd, 20, MONSTER_CF_CHANGED_ONLY, 8, 0);
	if (!th_check(!err, "changed-set", "SET_CONFIG changed_only keyframe 8: %s",
		      err ? strerror(err) : "ok"))
		return;
	vt_drain(d);
	vt_start(d->fd);
	vt_wait_sweeps(d->fd, 12, 20000, d, on_rec, NULL);
	/* a new process, then a sleeper woken once */
	g_late = vt_spawn("monster-late", vt_child_pause, NULL, true);
	vt_wait_sweeps(d->fd, 6, 20000, d, on_rec, NULL);
	kill(g_woken, SIGUSR1);
	vt_wait_sweeps(d->fd, 14, 20000, d, on_rec, NULL);
	vt_stop(d->fd);
	vt_consume_all(d, on_rec, NULL);
	vt_get_stats_or_bail(d->fd, &st, "changed-stats");

	for (i = 1; i + 1 < g_nsweep; i++) {
		const struct sweep_view *v = &g_sweep[i];

		if (v->keyframe) {
			keys++;
			if (v->keyframe != v->records || v->sleepers != NSLEEP)
				bad_key++;
			if (last_key && i - last_key != 8)
				gap_bad++;
			last_key = i;
			continue;
		}
		between++;
		busy_seen += v->busy;
		if (v->sleepers > 0 && !bad_between++)
			snprintf(first, sizeof(first), "sweep %u: %u records, %u sleepers, %u busy",
				 i, v->records, v->sleepers, v->busy);
		if (v->late && !late_at)
			late_at = i;
		if (v->woken && !woken_at)
			woken_at = i;
	}
	th_check(keys >= 3 && !bad_key && !gap_bad, "changed-keyframes",
		 "%u keyframes among %u sweeps: %u not complete or not all flagged, %u not 8 "
		 "sweeps apart", keys, g_nsweep, bad_key, gap_bad);
	/*
	 * Three spinners on the CPUs all the time: one may still miss a whole
	 * period on a loaded (emulated) machine, and then rightly has no record.
	 */
	th_check(between >= 20 && !bad_between && busy_seen * 10 >= between * NBUSY * 9,
		 "changed-between", "%u sweeps between keyframes: %u with a sleeper; the %u busy "
		 "processes in %u of %u places%s%s", between, bad_between, NBUSY, busy_seen,
		 between * NBUSY, first[0] ? "; first: " : "", first);
	th_check(late_at && woken_at, "changed-new-and-woken",
		 "the new process first in sweep %u, the woken sleeper in sweep %u (0: never, "
		 "outside keyframes)", late_at, woken_at);
	th_check(st.tasks_unchanged > (uint64_t)between * NSLEEP / 2 &&
		 st.last_sweep_unchanged <= st.last_sweep_tasks + st.last_sweep_unchanged,
		 "changed-counted", "GET_STATS: %llu tasks skipped over %u sweeps (%u sleepers), "
		 "last sweep %llu skipped", (unsigned long long)st.tasks_unchanged, g_nsweep, NSLEEP,
		 (unsigned long long)st.last_sweep_unchanged);
	set_mode(d->fd, 100, 0, 0, 0);
	vt_kill(g_late);	/* it holds the device open: the resize needs it alone */
}

int main(void)
{
	struct monster_config saved;
	struct vt_dev d;
	unsigned int i;

	vt_begin("t_16_sweep_modes");
	g_seen = calloc(1, 4194304);
	if (!g_seen)
		vt_bail("sweep-setup", "out of memory");
	for (i = 0; i < NSLEEP; i++)
		if ((g_sleep[i] = vt_spawn("monster-sleep", vt_child_pause, NULL, true)) < 0)
			vt_bail("sweep-setup", "cannot start sleeper %u", i);
	for (i = 0; i < NBUSY; i++)
		if ((g_busy[i] = vt_spawn("monster-busy", vt_child_spin, NULL, true)) < 0)
			vt_bail("sweep-setup", "cannot start busy process %u", i);
	g_woken = vt_spawn("monster-woken", wakeable_main, NULL, true);
	vt_open_or_bail(&d, "sweep-open");
	if (vt_get_config(d.fd, &saved))
		vt_bail("sweep-open", "GET_CONFIG failed");
	vt_map_or_bail(&d, "sweep-map");

	check_parallel(&d, 1, 50, "sweep-threads-1");
	check_parallel(&d, 2, 50, "sweep-threads-2");
	check_parallel(&d, 3, 50, "sweep-threads-3");
	check_auto(&d);
	check_busy_while_running(&d);
	check_changed_only(&d);
	check_counters_exact(&d);

	vt_set_config(d.fd, &saved);
	vt_close(&d);
	free(g_seen);
	return vt_end();
}
