/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * monster.h - the one ABI of /dev/monster, shared by the driver, liblmonster,
 * the tools, the GPU kernels and the tests.
 *
 * Model: a sampler in the kernel walks every process (or thread) rate_hz times
 * a second and writes one struct monster_sample per task into one of 15
 * single-producer single-consumer rings, one per Monster prime, chosen by
 * monster_shard(). Userspace maps the rings and consumes records in place.
 *
 * Mapping (offsets and sizes come from MONSTER_IOC_GET_INFO, never assumed):
 *   tails   - one page, the only region that may be mapped PROT_WRITE: one
 *             struct monster_ring_tail per ring (the consumer's index).
 *   headers - read-only: struct monster_shared_header followed by one
 *             struct monster_ring_header per ring (producer indices).
 *   data    - read-only: ring i's records at data_offset + i * ring_bytes,
 *             ring_slots records each.
 * Every mapping must be MAP_SHARED and lie inside [0, map_size). A mapping
 * that touches headers or data cannot be writable or executable, now or
 * later (mprotect fails).
 *
 * Indices are free-running 64-bit counters; the slot of index n is
 * n & (ring_slots - 1). Records [tail, head) are ready.
 *   consumer: head = __atomic_load_n(&hdr->head, __ATOMIC_ACQUIRE);
 *             read records [tail, head) in place;
 *             __atomic_store_n(&tails[i].tail, new_tail, __ATOMIC_RELEASE);
 *   producer: writes the record, then publishes head with release order.
 * The kernel never trusts a tail: one that moves backwards or past head is
 * ignored (monster_tail_valid; the last valid tail stays in force) and counted in bad_tails,
 * once per value written. The sampler, GET_STATS and poll() all observe the
 * tail, so a released range is honoured from the next of them on.
 * A full ring drops the new record (counted in dropped); it never overwrites
 * what the consumer has not released. seq of each record is the ring's
 * count of records generated before it, so a gap in seq is a drop and
 * produced == head + dropped.
 */
#ifndef _UAPI_LINUX_MONSTER_H
#define _UAPI_LINUX_MONSTER_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * ABI version, reported by MONSTER_IOC_GET_INFO and the shared header. A
 * new major changes what exists (layout, meaning) and old consumers must
 * refuse it. A new minor only adds: a reserved field given a meaning, a
 * new ioctl, a new value of a field; each addition has a feature bit that
 * a driver sets when it provides it, and a consumer calls it only when
 * the bit is set. A consumer accepts any driver of its major: the minor it
 * reads tells what the driver knows, the bits what it offers now.
 */
#define MONSTER_ABI_MAJOR	1
#define MONSTER_ABI_MINOR	3

/* Feature bits (monster_info.features), each with the minor that added it. */
#define MONSTER_FEAT_SWEEP_HIST	(1ULL << 0)	/* 1.1: MONSTER_IOC_GET_SWEEP_HIST */
#define MONSTER_FEAT_CHANGED_ONLY (1ULL << 1)	/* 1.2: MONSTER_CF_CHANGED_ONLY, keyframe */
#define MONSTER_FEAT_PARALLEL	(1ULL << 2)	/* 1.2: monster_config.sweep_threads */
/* 1.3: record kinds, monster_config.events, MONSTER_IOC_GET_KIND_STATS, samples' syscall */
#define MONSTER_FEAT_EVENTS	(1ULL << 3)
/* what this header defines */
#define MONSTER_FEATURES	(MONSTER_FEAT_SWEEP_HIST | MONSTER_FEAT_CHANGED_ONLY | \
				 MONSTER_FEAT_PARALLEL | MONSTER_FEAT_EVENTS)

#define MONSTER_MAGIC		0x4d4f4e53	/* "MONS" in the shared header */
#define MONSTER_DEVICE_PATH	"/dev/monster"

#define MONSTER_NR_RINGS	15
#define MONSTER_HECKE_MOD	71
#define MONSTER_RATE_MIN	1
#define MONSTER_RATE_MAX	10000
#define MONSTER_RATE_DEFAULT	100
#define MONSTER_SLOTS_MIN	64	/* keeps every ring page aligned */
#define MONSTER_SLOTS_MAX	(1U << 18)
#define MONSTER_SLOTS_DEFAULT	16384
#define MONSTER_NODE_ANY	(-1)

/* sample flags */
#define MONSTER_SF_KTHREAD	(1U << 0)	/* kernel thread: no user registers, no mm */
#define MONSTER_SF_NO_REGS	(1U << 1)	/* no registers: exiting, or not in user mode */
#define MONSTER_SF_THREAD	(1U << 2)	/* one thread (scope THREAD), else whole process */
#define MONSTER_SF_EXITING	(1U << 3)	/* task was exiting when sampled */
#define MONSTER_SF_KEYFRAME	(1U << 4)	/* from a sweep that wrote every task */
/* bits 16..31 of a sample's flags: 1 + the system call the task is in (0: none) */
#define MONSTER_SF_SYSCALL_SHIFT 16
#define MONSTER_SF_SYSCALL_MASK	0xffff0000U

/* event flags (the same field; bits 8..15, never set in a sample) */
#define MONSTER_EF_THREAD	(1U << 8)	/* fork: a thread, exit: one thread (scope THREAD) */
#define MONSTER_EF_KERNEL	(1U << 9)	/* fault: in kernel mode */
#define MONSTER_EF_HIDDEN	(1U << 10)	/* fault: kernel address and ip zeroed (kptr_restrict) */
#define MONSTER_EF_GROUP_EXIT	(1U << 11)	/* exit: the last thread of the group */

/*
 * Record kinds (monster_sample.kind). Every kind has the first 56 bytes of
 * struct monster_sample (seq, timestamp_ns, pid, tgid, cpu, flags, shard,
 * hecke, kind, comm) with the same meaning; the other 136 bytes are the
 * kind's payload (struct monster_event). A consumer of samples reads kind
 * first; records of a kind it does not know are skipped, never misread.
 */
#define MONSTER_KIND_SAMPLE	0	/* struct monster_sample: a sweep's record of a task */
#define MONSTER_KIND_FORK	1
#define MONSTER_KIND_EXEC	2
#define MONSTER_KIND_EXIT	3
#define MONSTER_KIND_FAULT	4
#define MONSTER_KIND_RECLAIM	5
#define MONSTER_KIND_CUDA	6	/* reserved: CUDA driver API calls */
#define MONSTER_NR_KINDS	7

/* monster_config.events: the event kinds to record, a bit per kind */
#define MONSTER_EVENT(kind)	(1U << (kind))
#define MONSTER_EVENTS_ALL	(MONSTER_EVENT(MONSTER_KIND_FORK) | MONSTER_EVENT(MONSTER_KIND_EXEC) | \
				 MONSTER_EVENT(MONSTER_KIND_EXIT) | MONSTER_EVENT(MONSTER_KIND_FAULT) | \
				 MONSTER_EVENT(MONSTER_KIND_RECLAIM))

/* state: index into MONSTER_STATE_CHARS, the letters of /proc/PID/stat */
#define MONSTER_STATE_CHARS	"RSDTtXZPI"

/*
 * One record: 192 bytes (three cache lines), every field naturally aligned.
 * Registers are the user registers the task saved at its last kernel entry
 * (stale for a task running on another CPU; ax is -ENOSYS for a task blocked
 * in a system call). For scope PROCESS every counter is the whole thread
 * group's (dead threads included, as /proc/PID/stat reports them).
 *
 * Times, in nanoseconds:
 *   runtime_ns  the scheduler's precise on-CPU time (sum_exec_runtime) as
 *               of the task's last accounting (a running task's current
 *               slice is added at its next tick or switch);
 *   utime_ns, stime_ns  user and system time as /proc/PID/stat (fields 14
 *               and 15; thread scope: /proc/PID/task/TID/stat) reports
 *               them: the tick-sampled split scaled so that the two add
 *               up to runtime_ns, never decreasing (the kernel's
 *               cputime_adjust(), sharing its state with /proc);
 *   cpu_time_ns utime_ns + stime_ns.
 */
struct monster_sample {
	__u64 seq;		/* per-ring sequence number; gaps are drops */
	__u64 timestamp_ns;	/* CLOCK_MONOTONIC at the start of the sweep */
	__u32 pid;		/* task id (the tgid's leader for scope PROCESS) */
	__u32 tgid;
	__u32 cpu;		/* CPU the task last ran on */
	__u32 flags;		/* MONSTER_SF_* */
	__u8  state;		/* index into MONSTER_STATE_CHARS */
	__u8  shard;		/* ring index, monster_shard(monster_combined(s)) */
	__u8  hecke;		/* monster_hecke(combined, shard) */
	__u8  kind;		/* MONSTER_KIND_SAMPLE (0) */
	__u32 nr_threads;
	char  comm[16];		/* NUL-terminated */
	__u64 rip;
	__u64 rsp;
	__u64 rax;
	__u64 rbx;
	__u64 rcx;
	__u64 rdx;
	__u64 mem_bytes;	/* resident set size */
	__u64 cpu_time_ns;	/* utime_ns + stime_ns */
	__u64 utime_ns;		/* as /proc shows it (see above) */
	__u64 stime_ns;
	__u64 runtime_ns;	/* scheduler's precise on-CPU time */
	__u64 min_flt;
	__u64 maj_flt;
	__u64 nvcsw;		/* voluntary context switches */
	__u64 nivcsw;		/* involuntary context switches */
	__u64 run_delay_ns;	/* time spent runnable waiting for a CPU */
	__u64 start_time_ns;	/* CLOCK_MONOTONIC at fork, tells pid reuse apart */
};

/*
 * Event payloads: the 136 bytes after comm of a record whose kind is not
 * MONSTER_KIND_SAMPLE. An event's shard and Hecke value are those of
 * monster_event_combined(): the first five 64-bit words of its payload,
 * put through monster_combined() as a sample's five fields are.
 */
#define MONSTER_FILENAME_LEN	128

/* MONSTER_KIND_FORK: pid, tgid and comm are the child's (the parent's comm until it execs) */
struct monster_fork_event {
	__u64 child_start_ns;	/* the child's start_time_ns */
	__u64 parent_start_ns;
	__u32 parent_pid;
	__u32 parent_tgid;
	__u64 __reserved[14];
};

/* MONSTER_KIND_EXEC: pid, tgid and comm after the exec */
struct monster_exec_event {
	__u32 old_pid;		/* the pid before (a thread other than the leader exec'd) */
	__u32 __pad;
	char  filename[MONSTER_FILENAME_LEN];	/* as passed to execve, truncated, NUL-padded */
};

/*
 * MONSTER_KIND_EXIT: a thread group's end (scope PROCESS: its last thread,
 * MONSTER_EF_GROUP_EXIT; totals are the group's), or a thread's (scope
 * THREAD: every thread, its own totals). Times as in struct monster_sample.
 */
struct monster_exit_event {
	__s32 exit_code;	/* the exit status (0..255), or -1: killed by a signal */
	__u32 signal;		/* the signal that ended it, or 0 */
	__u64 utime_ns;
	__u64 stime_ns;
	__u64 runtime_ns;
	__u64 min_flt;
	__u64 maj_flt;
	__u64 nvcsw;
	__u64 nivcsw;
	__u64 peak_rss_bytes;	/* the group's high-water resident set */
	__u64 start_time_ns;
	__u64 __reserved[7];
};

/*
 * MONSTER_KIND_FAULT: a page fault, user (page_fault_user) or kernel
 * (MONSTER_EF_KERNEL). A kernel-half address or ip is written only where
 * %pK would print it to every opener of the device; else it is zero and
 * MONSTER_EF_HIDDEN is set.
 */
struct monster_fault_event {
	__u64 address;
	__u64 ip;
	__u64 error_code;	/* the x86 page-fault error code (X86_PF_*) */
	__u64 __reserved[14];
};

/*
 * MONSTER_KIND_RECLAIM: once a second while reclaim events are on, what
 * happened since the previous one. pid, tgid and comm are the last task that
 * entered direct reclaim in the interval (0 and empty if none).
 */
struct monster_reclaim_event {
	__u64 interval_ns;
	__u64 kswapd_wakes;	/* mm_vmscan_kswapd_wake */
	__u64 kswapd_sleeps;	/* mm_vmscan_kswapd_sleep */
	__u64 direct_begins;	/* mm_vmscan_direct_reclaim_begin */
	__u64 direct_ends;	/* mm_vmscan_direct_reclaim_end */
	__u64 direct_reclaimed;	/* pages direct reclaim freed (nr_reclaimed of its ends) */
	__u64 folios_written;	/* mm_vmscan_write_folio */
	/* the vm event counters /proc/vmstat shows, as deltas */
	__u64 pswpin;
	__u64 pswpout;
	__u64 pgsteal_kswapd;
	__u64 pgsteal_direct;
	__u64 pgscan_kswapd;
	__u64 pgscan_direct;
	__u64 allocstall;	/* all zones */
	__u64 __reserved[3];
};

/* A record of any kind (kind != MONSTER_KIND_SAMPLE: one of the payloads). */
struct monster_event {
	__u64 seq;
	__u64 timestamp_ns;	/* CLOCK_MONOTONIC when it happened */
	__u32 pid;
	__u32 tgid;
	__u32 cpu;		/* CPU it happened on */
	__u32 flags;		/* MONSTER_EF_* */
	__u8  __pad0;
	__u8  shard;
	__u8  hecke;
	__u8  kind;		/* MONSTER_KIND_* */
	__u32 __pad1;
	char  comm[16];
	union {
		struct monster_fork_event fork;
		struct monster_exec_event exec;
		struct monster_exit_event exit;
		struct monster_fault_event fault;
		struct monster_reclaim_event reclaim;
		__u64 words[17];
	};
};

/* Consumer-owned index, one per ring, each on its own cache line. */
struct monster_ring_tail {
	__u64 tail;
	__u64 __pad[7];
};

/* Producer-owned, read-only to userspace; one cache line per ring. */
struct monster_ring_header {
	__u64 head;		/* records published */
	__u64 produced;		/* records generated: head + dropped */
	__u64 dropped;		/* records lost because the ring was full */
	__u64 data_offset;	/* mmap offset of this ring's first record */
	__u32 prime;
	__u32 index;
	__u32 slots;
	__u32 record_size;
	__u64 __reserved[2];
};

struct monster_shared_header {
	__u32 magic;		/* MONSTER_MAGIC */
	__u32 abi_major;	/* MONSTER_ABI_MAJOR */
	__u32 nr_rings;
	__u32 record_size;
	__u32 ring_slots;
	__u32 abi_minor;	/* 0 from a 1.0 driver */
	__u64 sweeps;		/* sweeps completed */
	__u64 sweep_end_ns;	/* CLOCK_MONOTONIC when the last sweep ended */
	__u64 __reserved[3];
};

/* The headers region: the shared header, then the ring headers. */
struct monster_headers {
	struct monster_shared_header shared;
	struct monster_ring_header ring[MONSTER_NR_RINGS];
};

/* MONSTER_IOC_GET_INFO: the layout of the mapping. */
struct monster_info {
	__u32 abi_major;	/* MONSTER_ABI_MAJOR */
	__u32 nr_rings;
	__u32 record_size;
	__u32 ring_slots;
	__s32 numa_node;	/* node the ring pages were allocated on, -1 any */
	__u32 page_size;
	__u64 map_size;		/* bytes covered by all regions */
	__u64 tails_offset;
	__u64 tails_size;
	__u64 headers_offset;
	__u64 headers_size;
	__u64 data_offset;
	__u64 data_size;
	__u64 ring_bytes;	/* ring_slots * record_size */
	__u32 primes[MONSTER_NR_RINGS];
	__u32 abi_minor;	/* 0 from a 1.0 driver (a zero field there) */
	__u64 features;		/* MONSTER_FEAT_* the driver provides */
	__u64 __reserved[4];
};

#define MONSTER_SCOPE_PROCESS	0	/* one record per thread group */
#define MONSTER_SCOPE_THREAD	1	/* one record per thread */

/*
 * Changed-only sweeps (MONSTER_CF_CHANGED_ONLY, MONSTER_FEAT_CHANGED_ONLY):
 * a task that has not been on a CPU since the previous sweep began gets no
 * record, except in every keyframe-th sweep, which writes every task and
 * marks its records MONSTER_SF_KEYFRAME. A consumer keeps the last record
 * of each task (pid and start_time_ns) and takes a task it does not hear
 * from as unchanged; a task absent from a whole keyframe is gone. Threads
 * that exited since the previous sweep show in their group's totals at the
 * group's next record. Without the flag every sweep is a keyframe.
 */
#define MONSTER_CF_CHANGED_ONLY	(1U << 0)
#define MONSTER_CF_ALL		MONSTER_CF_CHANGED_ONLY
#define MONSTER_KEYFRAME_DEFAULT 100	/* keyframe 0: every 100th sweep */
#define MONSTER_KEYFRAME_MAX	100000
#define MONSTER_SWEEP_THREADS_MAX 64

/*
 * MONSTER_IOC_GET_CONFIG / MONSTER_IOC_SET_CONFIG. SET applies every field:
 * read, modify, write. ring_slots, numa_node and sweep_threads are refused
 * with -EBUSY while the sampler runs; ring_slots and numa_node re-allocate
 * the rings and are also refused while the rings are mapped or another file
 * has the device open. Unknown flags, __pad and __reserved must be zero.
 */
struct monster_config {
	__u32 rate_hz;		/* MONSTER_RATE_MIN..MONSTER_RATE_MAX */
	__u32 scope;		/* MONSTER_SCOPE_* */
	__u32 ring_slots;	/* power of two, MONSTER_SLOTS_MIN..MAX */
	__s32 numa_node;	/* MONSTER_NODE_ANY or an online node */
	__u32 flags;		/* MONSTER_CF_* */
	__u32 __pad;		/* zero */
	__u32 keyframe;		/* changed-only: every Nth sweep complete (0: default) */
	__u32 sweep_threads;	/* threads a sweep may use: 0 as many as needed, else N */
	__u32 events;		/* MONSTER_EVENT() bits: the events to record while running */
	__u32 fault_tgid;	/* fault events of this thread group only (0: all) */
	__u32 fault_every;	/* one fault event in N (0 or 1: every one) */
	__u32 __pad2;		/* zero */
};

struct monster_ring_stats {
	__u64 produced;
	__u64 dropped;
	__u64 head;
	__u64 tail;		/* last valid tail the kernel accepted */
	__u64 fill;		/* head - tail */
	__u64 bad_tails;	/* tails ignored as out of range */
	__u32 prime;
	__u32 slots;
	__u64 __reserved;
};

/* MONSTER_IOC_GET_STATS */
struct monster_stats {
	__u64 sweeps;
	__u64 overruns;		/* periods missed because a sweep ran late */
	__u64 tasks_sampled;	/* records generated, all rings */
	__u64 last_sweep_ns;
	__u64 max_sweep_ns;
	__u64 total_sweep_ns;
	__u64 last_sweep_tasks;
	__u32 running;		/* 1 while the sampler runs */
	__u32 rate_hz;
	__u32 scope;
	__u32 __pad;
	__u64 tasks_unchanged;	/* changed-only: tasks a sweep skipped, all sweeps */
	__u64 last_sweep_unchanged;
	__u32 last_sweep_threads; /* threads the last sweep ran on */
	__u32 __pad1;
	__u64 __reserved[1];
	struct monster_ring_stats ring[MONSTER_NR_RINGS];
};

#define MONSTER_IOC_MAGIC	0xB7
#define MONSTER_IOC_GET_INFO	_IOR(MONSTER_IOC_MAGIC, 0x00, struct monster_info)
#define MONSTER_IOC_START	_IO(MONSTER_IOC_MAGIC, 0x01)
#define MONSTER_IOC_STOP	_IO(MONSTER_IOC_MAGIC, 0x02)
#define MONSTER_IOC_GET_CONFIG	_IOR(MONSTER_IOC_MAGIC, 0x03, struct monster_config)
#define MONSTER_IOC_SET_CONFIG	_IOW(MONSTER_IOC_MAGIC, 0x04, struct monster_config)
#define MONSTER_IOC_GET_STATS	_IOR(MONSTER_IOC_MAGIC, 0x05, struct monster_stats)
/* Zero the sweep statistics (histogram included) and bad_tails; ring indices are never reset. */
#define MONSTER_IOC_RESET	_IO(MONSTER_IOC_MAGIC, 0x06)

/*
 * MONSTER_IOC_GET_SWEEP_HIST (MONSTER_FEAT_SWEEP_HIST): how long sweeps
 * took, as counts per power of two of nanoseconds: count[b] holds the
 * sweeps whose duration d has monster_hist_bucket(d) == b, i.e. d == 0 for
 * b == 0 and 2^(b-1) <= d < 2^b otherwise. One consistent snapshot:
 * sweeps is the sum of count[] and total_ns the sum of the durations.
 */
#define MONSTER_HIST_BUCKETS	64

struct monster_sweep_hist {
	__u64 sweeps;
	__u64 total_ns;
	__u64 count[MONSTER_HIST_BUCKETS];
	__u64 __reserved[2];
};

#define MONSTER_IOC_GET_SWEEP_HIST _IOR(MONSTER_IOC_MAGIC, 0x07, struct monster_sweep_hist)

/*
 * MONSTER_IOC_GET_KIND_STATS (MONSTER_FEAT_EVENTS): records generated and
 * dropped per kind and ring, of one moment of each ring (so per ring the
 * kinds add up to GET_STATS' produced and dropped), and what the event
 * sources saw before the filters.
 */
struct monster_kind_stats {
	__u64 produced[MONSTER_NR_KINDS][MONSTER_NR_RINGS];
	__u64 dropped[MONSTER_NR_KINDS][MONSTER_NR_RINGS];
	__u64 faults_seen;	/* page faults while fault events were on */
	__u64 faults_filtered;	/* of them, not recorded (fault_tgid, fault_every) */
	__u32 events_available;	/* MONSTER_EVENT() bits this kernel can record */
	__u32 events;		/* the kinds being recorded now */
	__u64 __reserved[5];
};

#define MONSTER_IOC_GET_KIND_STATS _IOR(MONSTER_IOC_MAGIC, 0x08, struct monster_kind_stats)

/*
 * The Monster primes and the shard rule, as plain inline functions so
 * every consumer (kernel, C, CUDA) computes exactly what the driver does.
 */
#ifndef MONSTER_HD
#define MONSTER_HD	/* CUDA code defines it as __host__ __device__ first */
#endif

static inline MONSTER_HD __u32 monster_prime(unsigned int i)
{
	/* a switch, not a table, so CUDA device code can use it too */
	switch (i) {
	case 0: return 2;
	case 1: return 3;
	case 2: return 5;
	case 3: return 7;
	case 4: return 11;
	case 5: return 13;
	case 6: return 17;
	case 7: return 19;
	case 8: return 23;
	case 9: return 29;
	case 10: return 31;
	case 11: return 41;
	case 12: return 47;
	case 13: return 59;
	default: return 71;
	}
}

/* T_p(x) = (x * p) mod 71, computed without overflowing 64 bits. */
static inline MONSTER_HD __u32 monster_hecke_op(__u64 x, __u32 p)
{
	return (__u32)(((x % MONSTER_HECKE_MOD) * p) % MONSTER_HECKE_MOD);
}

/* The value the shard rule reads: rip ^ rsp ^ rax ^ mem ^ cpu_time. */
static inline MONSTER_HD __u64 monster_combined(__u64 rip, __u64 rsp, __u64 rax,
						__u64 mem_bytes, __u64 cpu_time_ns)
{
	return rip ^ rsp ^ rax ^ mem_bytes ^ cpu_time_ns;
}

/* First Monster prime dividing (combined mod 71), else ring 14 (prime 71). */
static inline MONSTER_HD __u32 monster_shard(__u64 combined)
{
	__u32 m = (__u32)(combined % MONSTER_HECKE_MOD);
	__u32 i;

	for (i = 0; i < MONSTER_NR_RINGS; i++)
		if (m % monster_prime(i) == 0)
			return i;
	return MONSTER_NR_RINGS - 1;
}

/* The record's Hecke value: T_p(combined) with p the prime of its shard. */
static inline MONSTER_HD __u32 monster_hecke(__u64 combined, __u32 shard)
{
	return monster_hecke_op(combined, monster_prime(shard));
}

static inline MONSTER_HD __u64 monster_sample_combined(const struct monster_sample *s)
{
	return monster_combined(s->rip, s->rsp, s->rax, s->mem_bytes, s->cpu_time_ns);
}

/* An event's shard input: the first five words of its payload. */
static inline MONSTER_HD __u64 monster_event_combined(const struct monster_event *e)
{
	return monster_combined(e->words[0], e->words[1], e->words[2], e->words[3], e->words[4]);
}

/*
 * A record's shard input, whatever its kind: an event's first five payload
 * words are the bytes a sample keeps rip, rsp, rax, rbx and rcx in.
 */
static inline MONSTER_HD __u64 monster_record_combined(const struct monster_sample *s)
{
	if (s->kind == MONSTER_KIND_SAMPLE)
		return monster_sample_combined(s);
	return monster_combined(s->rip, s->rsp, s->rax, s->rbx, s->rcx);
}

/* The system call a sampled task was in (as /proc/PID/syscall shows it), or -1. */
static inline MONSTER_HD int monster_sample_syscall(const struct monster_sample *s)
{
	return (int)(s->flags >> MONSTER_SF_SYSCALL_SHIFT) - 1;
}

static inline MONSTER_HD int monster_events_valid(__u32 events)
{
	return (events & ~MONSTER_EVENTS_ALL) == 0;
}

/*
 * The rules both sides of the ABI apply, written once. Every value that
 * crosses it (a config, a tail, a layout) is checked with these.
 */
static inline MONSTER_HD int monster_rate_valid(__u32 rate_hz)
{
	return rate_hz >= MONSTER_RATE_MIN && rate_hz <= MONSTER_RATE_MAX;
}

static inline MONSTER_HD int monster_scope_valid(__u32 scope)
{
	return scope == MONSTER_SCOPE_PROCESS || scope == MONSTER_SCOPE_THREAD;
}

static inline MONSTER_HD int monster_keyframe_valid(__u32 keyframe)
{
	return keyframe <= MONSTER_KEYFRAME_MAX;
}

static inline MONSTER_HD int monster_sweep_threads_valid(__u32 threads)
{
	return threads <= MONSTER_SWEEP_THREADS_MAX;
}

/* A power of two in MONSTER_SLOTS_MIN..MAX: slot n is n & (slots - 1). */
static inline MONSTER_HD int monster_slots_valid(__u32 slots)
{
	return slots >= MONSTER_SLOTS_MIN && slots <= MONSTER_SLOTS_MAX &&
	       (slots & (slots - 1)) == 0;
}

/*
 * A consumer's tail is honoured only as a move forward that stays within
 * what was published: not behind the tail in force, not past head.
 */
static inline MONSTER_HD int monster_tail_valid(__u64 tail, __u64 in_force, __u64 head)
{
	return tail >= in_force && tail <= head;
}

/* The tail the producer honours after the consumer wrote @tail. */
static inline MONSTER_HD __u64 monster_tail_in_force(__u64 tail, __u64 in_force, __u64 head)
{
	return monster_tail_valid(tail, in_force, head) ? tail : in_force;
}

/* Where ring @i's first record lies in the mapping of layout @in. */
static inline MONSTER_HD __u64 monster_ring_data_offset(const struct monster_info *in,
							unsigned int i)
{
	return in->data_offset + (__u64)i * in->ring_bytes;
}

/*
 * The parts of a layout of @slots-slot rings that do not depend on where
 * the regions lie: the ABI, the ring geometry and the primes. The producer
 * (the driver, a ring-set file) sets the offsets and sizes of the regions,
 * the node and the page size, and zeroes the rest first.
 */
static inline void monster_info_geometry(struct monster_info *in, __u32 slots)
{
	unsigned int i;

	in->abi_major = MONSTER_ABI_MAJOR;
	in->abi_minor = MONSTER_ABI_MINOR;
	in->nr_rings = MONSTER_NR_RINGS;
	in->record_size = sizeof(struct monster_sample);
	in->ring_slots = slots;
	in->ring_bytes = (__u64)slots * sizeof(struct monster_sample);
	in->data_size = MONSTER_NR_RINGS * in->ring_bytes;
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		in->primes[i] = monster_prime(i);
}

/*
 * The headers region a producer publishes for layout @in, into zeroed
 * memory: the shared header and one ring header per ring, which a consumer
 * checks against the layout before it reads a record.
 */
static inline void monster_headers_init(struct monster_headers *h, const struct monster_info *in)
{
	unsigned int i;

	h->shared.magic = MONSTER_MAGIC;
	h->shared.abi_major = in->abi_major;
	h->shared.abi_minor = in->abi_minor;
	h->shared.nr_rings = in->nr_rings;
	h->shared.record_size = in->record_size;
	h->shared.ring_slots = in->ring_slots;
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		struct monster_ring_header *rh = &h->ring[i];

		rh->data_offset = monster_ring_data_offset(in, i);
		rh->prime = monster_prime(i);
		rh->index = i;
		rh->slots = in->ring_slots;
		rh->record_size = in->record_size;
	}
}

/* The histogram bucket of a sweep that took @ns (struct monster_sweep_hist). */
static inline unsigned int monster_hist_bucket(__u64 ns)
{
	return ns ? 64 - (unsigned int)__builtin_clzll(ns) : 0;
}

/* ABI layout checks, in every language that includes this header. */
#if defined(__cplusplus)
#define MONSTER_STATIC_ASSERT(e, m) static_assert(e, m)
#else
#define MONSTER_STATIC_ASSERT(e, m) _Static_assert(e, m)
#endif
#define MONSTER_OFFSET_IS(t, f, o) \
	MONSTER_STATIC_ASSERT(__builtin_offsetof(t, f) == (o), #t "." #f " offset")

MONSTER_STATIC_ASSERT(sizeof(struct monster_sample) == 192, "sample is 3 cache lines");
MONSTER_STATIC_ASSERT(sizeof(struct monster_sample) % 64 == 0, "sample is cache-line sized");
MONSTER_OFFSET_IS(struct monster_sample, seq, 0);
MONSTER_OFFSET_IS(struct monster_sample, timestamp_ns, 8);
MONSTER_OFFSET_IS(struct monster_sample, pid, 16);
MONSTER_OFFSET_IS(struct monster_sample, flags, 28);
MONSTER_OFFSET_IS(struct monster_sample, state, 32);
MONSTER_OFFSET_IS(struct monster_sample, nr_threads, 36);
MONSTER_OFFSET_IS(struct monster_sample, comm, 40);
MONSTER_OFFSET_IS(struct monster_sample, rip, 56);
MONSTER_OFFSET_IS(struct monster_sample, rdx, 96);
MONSTER_OFFSET_IS(struct monster_sample, mem_bytes, 104);
MONSTER_OFFSET_IS(struct monster_sample, cpu_time_ns, 112);
MONSTER_OFFSET_IS(struct monster_sample, run_delay_ns, 176);
MONSTER_OFFSET_IS(struct monster_sample, start_time_ns, 184);
MONSTER_STATIC_ASSERT(sizeof(struct monster_event) == sizeof(struct monster_sample), "event size");
MONSTER_OFFSET_IS(struct monster_event, flags, 28);
MONSTER_OFFSET_IS(struct monster_event, shard, 33);
MONSTER_OFFSET_IS(struct monster_event, kind, 35);
MONSTER_OFFSET_IS(struct monster_event, comm, 40);
MONSTER_OFFSET_IS(struct monster_event, words, 56);
MONSTER_OFFSET_IS(struct monster_sample, kind, 35);
MONSTER_STATIC_ASSERT(sizeof(struct monster_fork_event) == 136, "fork payload");
MONSTER_STATIC_ASSERT(sizeof(struct monster_exec_event) == 136, "exec payload");
MONSTER_STATIC_ASSERT(sizeof(struct monster_exit_event) == 136, "exit payload");
MONSTER_STATIC_ASSERT(sizeof(struct monster_fault_event) == 136, "fault payload");
MONSTER_STATIC_ASSERT(sizeof(struct monster_reclaim_event) == 136, "reclaim payload");
MONSTER_STATIC_ASSERT(sizeof(struct monster_kind_stats) == 16 * MONSTER_NR_KINDS * MONSTER_NR_RINGS +
		      64, "kind stats size");
MONSTER_STATIC_ASSERT(sizeof(struct monster_ring_tail) == 64, "tail is a cache line");
MONSTER_STATIC_ASSERT(sizeof(struct monster_ring_header) == 64, "ring header is a cache line");
MONSTER_STATIC_ASSERT(sizeof(struct monster_shared_header) == 64, "shared header is a cache line");
MONSTER_STATIC_ASSERT(sizeof(struct monster_headers) == 64 * (MONSTER_NR_RINGS + 1),
		      "headers region");
MONSTER_STATIC_ASSERT(sizeof(struct monster_info) == 192, "info size");
MONSTER_OFFSET_IS(struct monster_info, abi_minor, 148);
MONSTER_OFFSET_IS(struct monster_info, features, 152);
MONSTER_OFFSET_IS(struct monster_shared_header, abi_minor, 20);
MONSTER_STATIC_ASSERT(sizeof(struct monster_sweep_hist) == 16 + 8 * MONSTER_HIST_BUCKETS + 16,
		      "sweep hist size");
MONSTER_STATIC_ASSERT(sizeof(struct monster_config) == 48, "config size");
MONSTER_STATIC_ASSERT(sizeof(struct monster_ring_stats) == 64, "ring stats size");
MONSTER_STATIC_ASSERT(sizeof(struct monster_stats) == 104 + 64 * MONSTER_NR_RINGS,
		      "stats size");

#endif /* _UAPI_LINUX_MONSTER_H */
