// SPDX-License-Identifier: GPL-2.0
/*
 * monster_sweep.c - one sweep: walk every process (or thread) and write one
 * record per task into the ring its shard names, on one thread or several.
 *
 * The walk goes by pid number through the pid IDR, as /proc's readdir does
 * with find_ge_pid(), so it can drop rcu_read_lock() every MONSTER_BATCH
 * pids and reschedule: no RCU stall or soft lockup however many tasks
 * there are, and no lock that fork or exit needs. The pid space is handed out in chunks of
 * MONSTER_CHUNK pids from one counter, so any number of threads share a
 * sweep without overlapping and the busiest range does not hold up the
 * rest. The rings take records from every thread (monster_ring.c).
 */
#define pr_fmt(fmt) "monster: " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/radix-tree.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "monster_dev.h"

#define MONSTER_BATCH	256	/* pids looked at per RCU read section */
#define MONSTER_CHUNK	1024	/* pids handed to a thread at a time */

static void monster_sweep_task(const struct monster_sweep *sw, struct monster_walk *w,
			       struct task_struct *p)
{
	struct monster_sample s;
	u64 combined;
	u32 shard;

	if (sw->ran_since && !monster_task_changed(p, sw->thread, sw->ran_since,
						   sw->born_since)) {
		w->unchanged++;
		return;
	}
	w->tasks++;
	if (sw->steps == MONSTER_STEP_WALK)
		return;
	monster_task_sample(p, sw->thread, sw->steps, &s);
	if (sw->steps < MONSTER_STEP_SHARD)
		return;
	s.flags |= sw->flags;
	combined = monster_sample_combined(&s);
	shard = monster_ring_of(combined);
	s.shard = shard;
	s.hecke = monster_hecke(combined, shard);
	s.timestamp_ns = sw->timestamp_ns;
	if (sw->steps < MONSTER_STEP_ALL)
		return;

	if (!monster_ring_write(&sw->buf->ring[shard], &s))
		w->dropped++;
}

/* No pid at or above @nr exists: no thread needs to look there again. */
static void monster_sweep_end_at(struct monster_sweep *sw, int nr)
{
	int end = atomic_read(&sw->end_pid);

	while (nr < end) {
		int old = atomic_cmpxchg(&sw->end_pid, end, nr);

		if (old == end)
			break;
		end = old;
	}
}

/*
 * The next pid of the walk and its number, under RCU: what find_ge_pid()
 * returns, but from the radix tree iterator of the walk so far, where
 * find_ge_pid() descends the IDR from its root for every pid. The entries
 * are read as idr_get_next() reads them: empty (reserved) slots skipped, a
 * retry entry looked up again. NULL at @hi, or at the end of the IDR
 * (*end set).
 */
static struct pid *monster_next_pid(struct radix_tree_iter *it, void __rcu ***slotp,
				    unsigned long hi, int *nr, bool *end)
{
	struct radix_tree_root *root = &init_pid_ns.idr.idr_rt;
	void __rcu **slot = *slotp;
	void *entry = NULL;

	while (!entry) {
		if (!slot)
			slot = radix_tree_next_chunk(root, it, 0);
		if (!slot) {
			*end = true;
			break;
		}
		if (it->index >= hi)
			break;
		entry = rcu_dereference_raw(*slot);
		if (entry && xa_is_internal(entry) &&
		    (slot == &root->xa_head || xa_is_retry(entry))) {
			entry = NULL;
			slot = radix_tree_iter_retry(it);
			continue;
		}
		*nr = (int)it->index;
		slot = radix_tree_next_slot(slot, it, 0);
	}
	*slotp = slot;
	return entry;
}

/* Pids [lo, hi): false once the pid space is exhausted. */
static bool monster_sweep_chunk(struct monster_sweep *sw, struct monster_walk *w, int lo, int hi)
{
	enum pid_type type = sw->thread ? PIDTYPE_PID : PIDTYPE_TGID;
	int next = lo;		/* where the next batch starts */
	bool end = false;

	while (next < hi && !end) {
		struct radix_tree_iter it;
		void __rcu **slot;
		unsigned int n;

		rcu_read_lock();
		/* the pid IDR counts from 0 (no idr_base) */
		slot = radix_tree_iter_init(&it, next);
		for (n = 0; n < MONSTER_BATCH; n++) {
			struct task_struct *p;
			struct pid *pid;
			int nr;

			pid = monster_next_pid(&it, &slot, hi, &nr, &end);
			if (!pid) {
				if (!end)
					next = hi;
				break;
			}
			next = nr + 1;
			p = pid_task(pid, type);
			if (p)
				monster_sweep_task(sw, w, p);
		}
		rcu_read_unlock();
		cond_resched();
	}
	if (end)
		monster_sweep_end_at(sw, next);
	return !end;
}

/* Take chunks until none is left: any number of threads may do this at once. */
static void monster_sweep_walk(struct monster_sweep *sw, struct monster_walk *w)
{
	u64 t0 = ktime_get_ns();

	memset(w, 0, sizeof(*w));
	for (;;) {
		int lo = atomic_fetch_add(MONSTER_CHUNK, &sw->next_pid);

		if (lo >= atomic_read(&sw->end_pid) || lo > INT_MAX - MONSTER_CHUNK)
			break;
		if (!monster_sweep_chunk(sw, w, lo, lo + MONSTER_CHUNK))
			break;
	}
	w->busy_ns = ktime_get_ns() - t0;
}

/* ---- helper threads: the other threads of a parallel sweep ---- */

struct monster_helper {
	struct task_struct *thread;
	struct monster_dev *md;
	struct monster_sweep *sweep;	/* valid once gen moved */
	unsigned long gen;		/* bumped (release) by the leader per sweep */
	struct monster_walk walk;
};

static int monster_helper_thread(void *arg)
{
	struct monster_helper *h = arg;
	struct monster_dev *md = h->md;
	unsigned long seen = 0;

	for (;;) {
		unsigned long gen;

		set_current_state(TASK_INTERRUPTIBLE);
		/* acquire: pairs with the leader's release, h->sweep is the new sweep's */
		gen = smp_load_acquire(&h->gen);
		if (gen == seen) {
			if (kthread_should_stop())
				break;
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		seen = gen;
		monster_sweep_walk(h->sweep, &h->walk);
		if (atomic_dec_and_test(&md->helpers_busy))
			complete(&md->helpers_done);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Caller holds md->lock, the sampler is not running. */
int monster_helpers_start(struct monster_dev *md, unsigned int n)
{
	unsigned int i;

	md->helpers = kcalloc(n, sizeof(*md->helpers), GFP_KERNEL);
	if (n && !md->helpers)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct monster_helper *h = &md->helpers[i];
		struct task_struct *t;

		h->md = md;
		t = kthread_run(monster_helper_thread, h, "monster-sweep/%u", i + 1);
		if (IS_ERR(t)) {
			md->nr_helpers = i;
			monster_helpers_stop(md);
			return PTR_ERR(t);
		}
		h->thread = t;
	}
	md->nr_helpers = n;
	return 0;
}

/* After the leader stopped: no sweep is running. */
void monster_helpers_stop(struct monster_dev *md)
{
	unsigned int i;

	for (i = 0; i < md->nr_helpers; i++)
		kthread_stop(md->helpers[i].thread);
	kfree(md->helpers);
	md->helpers = NULL;
	md->nr_helpers = 0;
}

/*
 * One sweep on @threads threads: this one and threads - 1 helpers. Returns
 * when every thread is done; the walks are summed into *total.
 */
void monster_sweep_run(struct monster_dev *md, struct monster_sweep *sw, unsigned int threads,
		       struct monster_walk *total)
{
	unsigned int i, helpers = min(threads ? threads - 1 : 0, md->nr_helpers);

	atomic_set(&sw->next_pid, 1);
	atomic_set(&sw->end_pid, sw->steps == MONSTER_STEP_NONE ? 0 : INT_MAX);
	if (helpers) {
		reinit_completion(&md->helpers_done);
		atomic_set(&md->helpers_busy, helpers);
		for (i = 0; i < helpers; i++) {
			struct monster_helper *h = &md->helpers[i];

			h->sweep = sw;
			/* release: the helper reads h->sweep after it sees the new gen */
			smp_store_release(&h->gen, h->gen + 1);
			wake_up_process(h->thread);
		}
	}
	monster_sweep_walk(sw, total);
	total->threads = helpers + 1;
	if (!helpers)
		return;
	wait_for_completion(&md->helpers_done);
	for (i = 0; i < helpers; i++) {
		const struct monster_walk *w = &md->helpers[i].walk;

		total->tasks += w->tasks;
		total->unchanged += w->unchanged;
		total->dropped += w->dropped;
		total->busy_ns += w->busy_ns;
	}
}
