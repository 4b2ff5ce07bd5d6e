/* SPDX-License-Identifier: GPL-2.0 */
/*
 * monster_dev.h - the driver's internal types, shared by its files.
 */
#ifndef _MONSTER_DEV_H
#define _MONSTER_DEV_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <monster.h>

struct dentry;
struct vm_area_struct;

/*
 * One ring. The producer state lives in kernel memory and is authoritative;
 * the read-only header page is a mirror published for userspace. Producers
 * hold lock (raw: any context) for each record and for the counters.
 */
struct monster_ring {
	raw_spinlock_t lock;
	u64 head;		/* next index to write */
	u64 produced;		/* head + dropped */
	u64 dropped;
	u64 tail;		/* tail in force: the last valid consumer tail */
	u64 bad_tails;		/* tails rejected since the last stats update */
	u64 last_bad_tail;	/* so a rejected value is counted once */
	bool bad_tail_seen;	/* last_bad_tail is the tail now ignored */
	u64 kind_produced[MONSTER_NR_KINDS];	/* produced, per record kind */
	u64 kind_dropped[MONSTER_NR_KINDS];
	u32 mask;		/* slots - 1 */
	u32 prime;
	struct monster_sample *data;		/* kernel view of the records */
	struct monster_ring_header *hdr;	/* read-only to userspace */
	struct monster_ring_tail *utail;	/* written by userspace: untrusted */
};

/*
 * The memory shared with userspace: ordinary pages (so the CUDA driver can
 * pin a mapping of them), vmapped once for the kernel. Freed when the last
 * reference (the device's, or any VMA's) goes.
 */
struct monster_buf {
	struct kref ref;
	struct page **pages;
	unsigned int nr_pages;
	void *vaddr;
	int node;			/* node all pages are on, or NUMA_NO_NODE */
	u32 slots;
	size_t ring_bytes;
	size_t size;
	struct monster_headers *hdrs;
	struct monster_ring_tail *tails;
	struct monster_ring ring[MONSTER_NR_RINGS];
};

/*
 * How much of the per-task work a sweep does (debugfs monster/sweep_steps):
 * a profile measures each step as the difference of two settings. Records
 * are complete only at MONSTER_STEP_ALL, the default.
 */
enum monster_step {
	MONSTER_STEP_NONE,	/* no walk: what a period costs besides the sweep */
	MONSTER_STEP_WALK,	/* find the tasks, nothing else */
	MONSTER_STEP_IDENT,	/* + pid, tgid, cpu, state, threads, start time, flags */
	MONSTER_STEP_REGS,	/* + user registers */
	MONSTER_STEP_MM,	/* + comm and RSS (task_lock) */
	MONSTER_STEP_TIMES,	/* + times and counters (group seqlock, cputime_adjust) */
	MONSTER_STEP_SHARD,	/* + shard and Hecke value */
	MONSTER_STEP_ALL,	/* + the record written into its ring */
};

/* Sweep statistics, updated once per sweep under monster_dev.stats_lock. */
struct monster_sweep_stats {
	u64 sweeps;
	u64 overruns;
	u64 tasks_sampled;
	u64 last_sweep_ns;
	u64 max_sweep_ns;
	u64 total_sweep_ns;
	u64 last_sweep_tasks;
	u64 tasks_unchanged;
	u64 last_sweep_unchanged;
	u32 last_sweep_threads;
	u64 bad_tails[MONSTER_NR_RINGS];
	u64 hist[MONSTER_HIST_BUCKETS];	/* sweeps per monster_hist_bucket() */
};

/* One sweep, shared by the threads that walk it. */
struct monster_sweep {
	struct monster_buf *buf;
	u64 timestamp_ns;	/* CLOCK_MONOTONIC at the start: every record's */
	u64 ran_since;		/* changed-only: sched clock; 0 writes every task */
	u64 born_since;		/* changed-only: CLOCK_MONOTONIC; tasks started after are new */
	u32 flags;		/* MONSTER_SF_* every record of the sweep gets */
	u32 steps;		/* enum monster_step */
	bool thread;		/* scope THREAD */
	atomic_t next_pid;	/* the next chunk of the pid space to hand out */
	atomic_t end_pid;	/* no pid at or above exists */
};

/* What one thread did in a sweep (or, summed, the whole sweep). */
struct monster_walk {
	u32 tasks;		/* records generated */
	u32 unchanged;		/* tasks skipped by a changed-only sweep */
	u64 dropped;
	u64 busy_ns;		/* the thread's time in the sweep */
	u32 threads;		/* summed walk: threads the sweep ran on */
};

struct monster_helper;

struct monster_dev {
	struct mutex lock;		/* config, start/stop, buf replacement */
	struct monster_buf *buf;	/* replaced only while unused */
	struct task_struct *thread;	/* the sampler, NULL when stopped */
	u32 rate_hz;			/* read by the sampler with READ_ONCE */
	u32 scope;
	u32 flags;			/* MONSTER_CF_* */
	u32 keyframe;
	u32 sweep_threads;		/* configured: 0 auto */
	u32 events;			/* configured MONSTER_EVENT() bits */
	u32 fault_tgid;
	u32 fault_every;
	bool kaddr_hidden;		/* an opener of these rings may not see kernel addresses */
	/* while running: the other threads a sweep may use */
	struct monster_helper *helpers;
	unsigned int nr_helpers;
	atomic_t helpers_busy;
	struct completion helpers_done;
	int node;			/* configured node (NUMA_NO_NODE: any) */
	unsigned int open_count;
	wait_queue_head_t wq;		/* consumers in poll() */
	spinlock_t stats_lock;
	struct monster_sweep_stats stats;
	struct dentry *debugfs;
	u32 sweep_steps;		/* enum monster_step, debugfs */
};

/* monster_ring.c */
struct monster_buf *monster_buf_alloc(u32 slots, int node);
void monster_buf_get(struct monster_buf *buf);
void monster_buf_put(struct monster_buf *buf);
bool monster_buf_in_use(struct monster_buf *buf);
int monster_buf_mmap(struct monster_buf *buf, struct vm_area_struct *vma);
void monster_buf_info(const struct monster_buf *buf, struct monster_info *info);
void monster_shard_init(void);
u32 monster_ring_of(u64 combined);
bool monster_ring_write(struct monster_ring *r, const struct monster_sample *s);
void monster_ring_kind_counters(struct monster_ring *r, u64 *produced, u64 *dropped);
void monster_buf_hide_kaddr(struct monster_buf *buf);
u64 monster_ring_take_bad_tails(struct monster_ring *r);
void monster_ring_counters(struct monster_ring *r, struct monster_ring_stats *rs);
u64 monster_ring_tail_at(struct monster_ring *r, u64 head);
bool monster_buf_readable(struct monster_buf *buf);

/* monster_task.c */
struct monster_times {
	u64 utime, stime, runtime;
	u64 min_flt, maj_flt, nvcsw, nivcsw, run_delay;
};

void monster_task_times(struct task_struct *p, bool thread, u64 pending, struct monster_times *tm);
u64 monster_current_pending(void);
void monster_task_sample(struct task_struct *p, bool thread, u32 steps,
			 struct monster_sample *s);
bool monster_task_changed(struct task_struct *p, bool thread, u64 ran_since, u64 born_since);

/* monster_sweep.c */
int monster_helpers_start(struct monster_dev *md, unsigned int n);
void monster_helpers_stop(struct monster_dev *md);
void monster_sweep_run(struct monster_dev *md, struct monster_sweep *sw, unsigned int threads,
		       struct monster_walk *total);

/* monster_sampler.c */
int monster_sampler_start(struct monster_dev *md);
void monster_sampler_stop(struct monster_dev *md);
void monster_stats_get(struct monster_dev *md, struct monster_stats *st);
void monster_stats_reset(struct monster_dev *md);
void monster_sweep_hist_get(struct monster_dev *md, struct monster_sweep_hist *h);

/* monster_events.c */
void monster_events_init(struct monster_dev *md);
u32 monster_events_available(void);
int monster_events_set(struct monster_dev *md, u32 events);
void monster_events_hide_kaddr(bool hide);
void monster_events_stats(struct monster_kind_stats *ks);

/* monster_debugfs.c */
void monster_debugfs_init(struct monster_dev *md);
void monster_debugfs_exit(struct monster_dev *md);

#endif /* _MONSTER_DEV_H */
