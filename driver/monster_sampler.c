// SPDX-License-Identifier: GPL-2.0
/*
 * monster_sampler.c - the sampler thread: once a period, one sweep
 * (monster_sweep.c) on as many threads as it needs, then the statistics
 * and the wake-up of consumers waiting in poll().
 */
#define pr_fmt(fmt) "monster: " fmt

#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>

#include "monster_compat.h"
#include "monster_dev.h"
#include "monster_trace.h"

/* The sampler's memory of the previous sweep, for the next one's choices. */
struct monster_pace {
	u64 sweeps;		/* sweeps done since start */
	u64 prev_clock;		/* local_clock() when the previous sweep began */
	u64 prev_start;		/* its CLOCK_MONOTONIC start */
	u64 prev_busy_ns;	/* its threads' time, summed */
};

/*
 * Threads for the next sweep: as configured, or (0) enough that the
 * previous sweep's work, spread over them, takes at most half a period.
 */
static unsigned int monster_sweep_threads(struct monster_dev *md, const struct monster_pace *pc,
					  u64 period)
{
	u32 want = READ_ONCE(md->sweep_threads);

	if (!want)
		want = (u32)min_t(u64, DIV64_U64_ROUND_UP(2 * pc->prev_busy_ns, period), U32_MAX);
	return clamp_t(u32, want, 1, md->nr_helpers + 1);
}

/*
 * What the sweep writes: every task (a keyframe, every record flagged so),
 * or in changed-only mode, between keyframes, only the tasks that ran
 * since the previous sweep began (a tick early: CPUs' clocks may differ
 * by that) or started since.
 */
static void monster_sweep_plan(struct monster_dev *md, const struct monster_pace *pc,
			       struct monster_sweep *sw)
{
	u32 keyframe = READ_ONCE(md->keyframe);

	if (!keyframe)
		keyframe = MONSTER_KEYFRAME_DEFAULT;
	if (!(READ_ONCE(md->flags) & MONSTER_CF_CHANGED_ONLY) || !pc->sweeps ||
	    pc->sweeps % keyframe == 0) {
		sw->flags = MONSTER_SF_KEYFRAME;
		return;
	}
	sw->ran_since = max_t(u64, pc->prev_clock, TICK_NSEC) - TICK_NSEC;
	sw->born_since = pc->prev_start;
}

/* Fold one sweep into the statistics; returns the sweep's number. */
static u64 monster_account(struct monster_dev *md, struct monster_buf *buf,
			   const struct monster_walk *w, u64 end, u64 duration, u64 overruns)
{
	struct monster_sweep_stats *st = &md->stats;
	u64 bad[MONSTER_NR_RINGS], sweeps;
	unsigned int i;

	for (i = 0; i < MONSTER_NR_RINGS; i++)
		bad[i] = monster_ring_take_bad_tails(&buf->ring[i]);
	spin_lock(&md->stats_lock);
	st->sweeps++;
	st->overruns += overruns;
	st->tasks_sampled += w->tasks;
	st->last_sweep_tasks = w->tasks;
	st->tasks_unchanged += w->unchanged;
	st->last_sweep_unchanged = w->unchanged;
	st->last_sweep_threads = w->threads;
	st->last_sweep_ns = duration;
	st->total_sweep_ns += duration;
	if (duration > st->max_sweep_ns)
		st->max_sweep_ns = duration;
	st->hist[monster_hist_bucket(duration)]++;
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		st->bad_tails[i] += bad[i];
	sweeps = st->sweeps;
	spin_unlock(&md->stats_lock);
	WRITE_ONCE(buf->hdrs->shared.sweep_end_ns, end);
	WRITE_ONCE(buf->hdrs->shared.sweeps, sweeps);
	return sweeps;
}

static int monster_sampler_thread(void *arg)
{
	struct monster_dev *md = arg;
	struct monster_pace pc = {};
	ktime_t next = ktime_get();
	u64 last_period = 0;

	while (!kthread_should_stop()) {
		u64 period = NSEC_PER_SEC / READ_ONCE(md->rate_hz);
		struct monster_sweep sw = {
			.buf = md->buf,
			.thread = READ_ONCE(md->scope) == MONSTER_SCOPE_THREAD,
			.steps = READ_ONCE(md->sweep_steps),
		};
		u64 overruns = 0, duration, seq, clock = local_clock();
		struct monster_walk w;
		ktime_t start, now;

		start = ktime_get();
		/* a new rate (SET_CONFIG wakes us) starts a new schedule now */
		if (period != last_period)
			next = start;
		last_period = period;
		sw.timestamp_ns = ktime_to_ns(start);
		monster_sweep_plan(md, &pc, &sw);
		monster_sweep_run(md, &sw, monster_sweep_threads(md, &pc, period), &w);
		now = ktime_get();
		duration = ktime_to_ns(ktime_sub(now, start));
		/*
		 * Consumers first: everything after this is bookkeeping. (A sync
		 * wake-up, the consumer pulled onto this CPU, measured costlier
		 * here: the consumer then waits for this thread to sleep.)
		 */
		if (w.tasks > w.dropped && wq_has_sleeper(&md->wq))
			wake_up_interruptible_poll(&md->wq, EPOLLIN | EPOLLRDNORM);

		pc.sweeps++;
		pc.prev_clock = clock;
		pc.prev_start = sw.timestamp_ns;
		pc.prev_busy_ns = w.busy_ns;

		/* a late sweep skips the periods it overran instead of bursting */
		next = ktime_add_ns(next, period);
		if (ktime_after(now, next)) {
			overruns = div64_u64(ktime_to_ns(ktime_sub(now, next)), period) + 1;
			next = ktime_add_ns(next, overruns * period);
		}
		seq = monster_account(md, sw.buf, &w, ktime_to_ns(now), duration, overruns);
		trace_sweep(seq, w.tasks, duration, w.dropped);

		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule_hrtimeout_range(&next, period >> 6, HRTIMER_MODE_ABS);
	}
	return 0;
}

/* Threads a sweep may use besides the sampler's own. */
static unsigned int monster_helpers_wanted(struct monster_dev *md)
{
	if (md->sweep_threads)
		return md->sweep_threads - 1;
	return min_t(unsigned int, num_online_cpus(), MONSTER_SWEEP_THREADS_MAX) - 1;
}

/* Caller holds md->lock. */
int monster_sampler_start(struct monster_dev *md)
{
	struct task_struct *t;
	int ret;

	if (md->thread)
		return -EBUSY;
	ret = monster_helpers_start(md, monster_helpers_wanted(md));
	if (ret)
		return ret;
	t = kthread_run(monster_sampler_thread, md, "monster-sampler");
	if (IS_ERR(t)) {
		monster_helpers_stop(md);
		return PTR_ERR(t);
	}
	md->thread = t;
	/* events flow while the sampler runs */
	ret = monster_events_set(md, md->events);
	if (ret) {
		monster_sampler_stop(md);
		return ret;
	}
	/* debug level: anyone allowed to open the device could flood the log */
	pr_debug("sampler started: %u Hz, scope %s, %u sweep threads at most\n", md->rate_hz,
		 md->scope == MONSTER_SCOPE_THREAD ? "thread" : "process", md->nr_helpers + 1);
	return 0;
}

/* Caller holds md->lock. Waits for the current sweep to finish. */
void monster_sampler_stop(struct monster_dev *md)
{
	if (!md->thread)
		return;
	monster_events_set(md, 0);
	kthread_stop(md->thread);
	md->thread = NULL;
	monster_helpers_stop(md);
	pr_debug("sampler stopped\n");
}

/* A snapshot of every statistic; takes md->lock (the rings stay put). */
void monster_stats_get(struct monster_dev *md, struct monster_stats *st)
{
	struct monster_buf *buf;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&md->lock);
	buf = md->buf;
	spin_lock(&md->stats_lock);
	st->sweeps = md->stats.sweeps;
	st->overruns = md->stats.overruns;
	st->tasks_sampled = md->stats.tasks_sampled;
	st->last_sweep_ns = md->stats.last_sweep_ns;
	st->max_sweep_ns = md->stats.max_sweep_ns;
	st->total_sweep_ns = md->stats.total_sweep_ns;
	st->last_sweep_tasks = md->stats.last_sweep_tasks;
	st->tasks_unchanged = md->stats.tasks_unchanged;
	st->last_sweep_unchanged = md->stats.last_sweep_unchanged;
	st->last_sweep_threads = md->stats.last_sweep_threads;
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		st->ring[i].bad_tails = md->stats.bad_tails[i];
	spin_unlock(&md->stats_lock);

	st->running = !!READ_ONCE(md->thread);
	st->rate_hz = READ_ONCE(md->rate_hz);
	st->scope = READ_ONCE(md->scope);
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		struct monster_ring *r = &buf->ring[i];
		struct monster_ring_stats *rs = &st->ring[i];

		/* one moment of the ring: produced == head + dropped */
		monster_ring_counters(r, rs);
		rs->tail = monster_ring_tail_at(r, rs->head);
		rs->fill = rs->head - rs->tail;
		rs->prime = r->prime;
		rs->slots = buf->slots;
	}
	mutex_unlock(&md->lock);
}

/* The histogram and its totals from one critical section: they always agree. */
void monster_sweep_hist_get(struct monster_dev *md, struct monster_sweep_hist *h)
{
	memset(h, 0, sizeof(*h));
	spin_lock(&md->stats_lock);
	h->sweeps = md->stats.sweeps;
	h->total_ns = md->stats.total_sweep_ns;
	memcpy(h->count, md->stats.hist, sizeof(h->count));
	spin_unlock(&md->stats_lock);
}

void monster_stats_reset(struct monster_dev *md)
{
	spin_lock(&md->stats_lock);
	memset(&md->stats, 0, sizeof(md->stats));
	spin_unlock(&md->stats_lock);
}
