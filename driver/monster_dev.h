/* SPDX-License-Identifier: GPL-2.0 */
/*
 * monster_dev.h - the driver's internal types, shared by its files.
 */
#ifndef _MONSTER_DEV_H
#define _MONSTER_DEV_H

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
 * the read-only header page is a mirror published for userspace. Only the
 * sampler thread writes it (single producer).
 */
struct monster_ring {
	u64 head;		/* next index to write */
	u64 published;		/* head as last published to userspace */
	u64 produced;		/* head + dropped */
	u64 dropped;
	u64 tail;		/* tail in force: the last valid consumer tail */
	u64 bad_tails;		/* tails rejected since the last stats update */
	u64 last_bad_tail;	/* so a rejected value is counted once */
	bool bad_tail_seen;	/* last_bad_tail is the tail now ignored */
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

/* Sweep statistics, updated once per sweep under monster_dev.stats_lock. */
struct monster_sweep_stats {
	u64 sweeps;
	u64 overruns;
	u64 tasks_sampled;
	u64 last_sweep_ns;
	u64 max_sweep_ns;
	u64 total_sweep_ns;
	u64 last_sweep_tasks;
	u64 bad_tails[MONSTER_NR_RINGS];
	u64 hist[MONSTER_HIST_BUCKETS];	/* sweeps per monster_hist_bucket() */
};

struct monster_dev {
	struct mutex lock;		/* config, start/stop, buf replacement */
	struct monster_buf *buf;	/* replaced only while unused */
	struct task_struct *thread;	/* the sampler, NULL when stopped */
	u32 rate_hz;			/* read by the sampler with READ_ONCE */
	u32 scope;
	int node;			/* configured node (NUMA_NO_NODE: any) */
	unsigned int open_count;
	wait_queue_head_t wq;		/* consumers in poll() */
	spinlock_t stats_lock;
	struct monster_sweep_stats stats;
	struct dentry *debugfs;
};

/* monster_ring.c */
struct monster_buf *monster_buf_alloc(u32 slots, int node);
void monster_buf_get(struct monster_buf *buf);
void monster_buf_put(struct monster_buf *buf);
bool monster_buf_in_use(struct monster_buf *buf);
int monster_buf_mmap(struct monster_buf *buf, struct vm_area_struct *vma);
void monster_buf_info(const struct monster_buf *buf, struct monster_info *info);
struct monster_sample *monster_ring_reserve(struct monster_ring *r);
void monster_ring_commit(struct monster_ring *r);
void monster_ring_publish(struct monster_ring *r);
u64 monster_ring_tail_at(struct monster_ring *r, u64 head);
bool monster_buf_readable(struct monster_buf *buf);

/* monster_task.c */
void monster_task_sample(struct task_struct *p, bool thread,
			 struct monster_sample *s);

/* monster_sampler.c */
int monster_sampler_start(struct monster_dev *md);
void monster_sampler_stop(struct monster_dev *md);
void monster_stats_get(struct monster_dev *md, struct monster_stats *st);
void monster_stats_reset(struct monster_dev *md);
void monster_sweep_hist_get(struct monster_dev *md, struct monster_sweep_hist *h);

/* monster_debugfs.c */
void monster_debugfs_init(struct monster_dev *md);
void monster_debugfs_exit(struct monster_dev *md);

#endif /* _MONSTER_DEV_H */
