// SPDX-License-Identifier: GPL-2.0
/*
 * monster_sampler.c - the sampler thread: every period, walk every process
 * (or thread) and write one record per task into the ring its shard names.
 *
 * The walk goes by pid number with find_ge_pid(), as /proc's readdir does,
 * so it can drop rcu_read_lock() every MONSTER_BATCH pids, publish what it
 * wrote and reschedule: no RCU stall or soft lockup however many tasks
 * there are, and no lock that fork or exit needs.
 */
#define pr_fmt(fmt) "monster: " fmt

#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "monster_dev.h"
#include "monster_trace.h"

#define MONSTER_BATCH	256	/* pids looked at per RCU read section */

struct monster_sweep {
	struct monster_buf *buf;
	u64 timestamp_ns;
	u32 tasks;
	u64 dropped;
	bool thread;
};

static void monster_sweep_task(struct monster_sweep *sw, struct task_struct *p)
{
	struct monster_sample s;
	struct monster_sample *slot;
	struct monster_ring *r;
	u64 combined;
	u32 shard;

	monster_task_sample(p, sw->thread, &s);
	combined = monster_sample_combined(&s);
	shard = monster_shard(combined);
	s.shard = shard;
	s.hecke = monster_hecke(combined, shard);
	s.timestamp_ns = sw->timestamp_ns;

	r = &sw->buf->ring[shard];
	s.seq = r->produced;
	sw->tasks++;
	slot = monster_ring_reserve(r);
	if (!slot) {
		sw->dropped++;
		return;
	}
	memcpy(slot, &s, sizeof(s));
	monster_ring_commit(r);
}

static void monster_publish_all(struct monster_buf *buf)
{
	unsigned int i;

	for (i = 0; i < MONSTER_NR_RINGS; i++)
		monster_ring_publish(&buf->ring[i]);
}

/* Walk every pid in batches, one record per task of the sweep's scope. */
static void monster_sweep(struct monster_sweep *sw)
{
	enum pid_type type = sw->thread ? PIDTYPE_PID : PIDTYPE_TGID;
	int nr = 1;
	bool more = true;

	while (more) {
		unsigned int n;

		rcu_read_lock();
		for (n = 0; n < MONSTER_BATCH; n++) {
			struct pid *pid = find_ge_pid(nr, &init_pid_ns);
			struct task_struct *p;

			if (!pid) {
				more = false;
				break;
			}
			nr = pid_nr(pid) + 1;
			p = pid_task(pid, type);
			if (p)
				monster_sweep_task(sw, p);
		}
		rcu_read_unlock();
		monster_publish_all(sw->buf);
		if (more)
			cond_resched();
	}
}

/* Fold one sweep into the statistics; returns the sweep's number. */
static u64 monster_account(struct monster_dev *md, struct monster_sweep *sw,
			   u64 end, u64 duration, u64 overruns)
{
	struct monster_sweep_stats *st = &md->stats;
	unsigned int i;
	u64 sweeps;

	spin_lock(&md->stats_lock);
	st->sweeps++;
	st->overruns += overruns;
	st->tasks_sampled += sw->tasks;
	st->last_sweep_tasks = sw->tasks;
	st->last_sweep_ns = duration;
	st->total_sweep_ns += duration;
	if (duration > st->max_sweep_ns)
		st->max_sweep_ns = duration;
	st->hist[monster_hist_bucket(duration)]++;
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		st->bad_tails[i] += sw->buf->ring[i].bad_tails;
		sw->buf->ring[i].bad_tails = 0;
	}
	sweeps = st->sweeps;
	spin_unlock(&md->stats_lock);
	WRITE_ONCE(sw->buf->hdrs->shared.sweep_end_ns, end);
	WRITE_ONCE(sw->buf->hdrs->shared.sweeps, sweeps);
	return sweeps;
}

static int monster_sampler_thread(void *arg)
{
	struct monster_dev *md = arg;
	ktime_t next = ktime_get();
	u64 last_period = 0;

	while (!kthread_should_stop()) {
		u64 period = NSEC_PER_SEC / READ_ONCE(md->rate_hz);
		struct monster_sweep sw = {
			.buf = md->buf,
			.thread = READ_ONCE(md->scope) == MONSTER_SCOPE_THREAD,
		};
		u64 overruns = 0, duration, seq;
		ktime_t start, now;

		start = ktime_get();
		/* a new rate (SET_CONFIG wakes us) starts a new schedule now */
		if (period != last_period)
			next = start;
		last_period = period;
		sw.timestamp_ns = ktime_to_ns(start);
		monster_sweep(&sw);
		now = ktime_get();
		duration = ktime_to_ns(ktime_sub(now, start));

		/* a late sweep skips the periods it overran instead of bursting */
		next = ktime_add_ns(next, period);
		if (ktime_after(now, next)) {
			overruns = div64_u64(ktime_to_ns(ktime_sub(now, next)), period) + 1;
			next = ktime_add_ns(next, overruns * period);
		}
		seq = monster_account(md, &sw, ktime_to_ns(now), duration, overruns);
		trace_sweep(seq, sw.tasks, duration, sw.dropped);
		if (sw.tasks > sw.dropped && wq_has_sleeper(&md->wq))
			wake_up_interruptible_poll(&md->wq, EPOLLIN | EPOLLRDNORM);

		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule_hrtimeout_range(&next, period >> 6, HRTIMER_MODE_ABS);
	}
	return 0;
}

/* Caller holds md->lock. */
int monster_sampler_start(struct monster_dev *md)
{
	struct task_struct *t;

	if (md->thread)
		return -EBUSY;
	t = kthread_run(monster_sampler_thread, md, "monster-sampler");
	if (IS_ERR(t))
		return PTR_ERR(t);
	md->thread = t;
	/* debug level: anyone allowed to open the device could flood the log */
	pr_debug("sampler started: %u Hz, scope %s\n", md->rate_hz,
		 md->scope == MONSTER_SCOPE_THREAD ? "thread" : "process");
	return 0;
}

/* Caller holds md->lock. Waits for the current sweep to finish. */
void monster_sampler_stop(struct monster_dev *md)
{
	if (!md->thread)
		return;
	kthread_stop(md->thread);
	md->thread = NULL;
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
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		st->ring[i].bad_tails = md->stats.bad_tails[i];
	spin_unlock(&md->stats_lock);

	st->running = !!READ_ONCE(md->thread);
	st->rate_hz = READ_ONCE(md->rate_hz);
	st->scope = READ_ONCE(md->scope);
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		struct monster_ring *r = &buf->ring[i];
		struct monster_ring_stats *rs = &st->ring[i];

		/* pairs with the release in monster_ring_publish() */
		rs->head = smp_load_acquire(&r->hdr->head);
		rs->produced = READ_ONCE(r->hdr->produced);
		rs->dropped = READ_ONCE(r->hdr->dropped);
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
