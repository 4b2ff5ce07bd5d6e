// SPDX-License-Identifier: GPL-2.0
/*
 * task_iter.bpf.c - the BPF peer of the sampler's sweep, as a user would
 * write it today: an iter/task program that writes one struct
 * monster_sample per thread group with the fields the driver fills (user
 * registers, comm, RSS, times, faults, switches, run delay), read with
 * CO-RE against the running kernel's BTF. The times are the leader's plus
 * what dead threads left in signal_struct (the bench's processes are
 * single-threaded); BPF has no way to take the group's seqlock or to
 * apply cputime_adjust(). sweep_walk writes a zero record per task and
 * reads nothing: what the iteration alone costs.
 *
 * Kernel types are declared with only the fields used; libbpf relocates
 * each access to the running kernel's layout (6.1 and 6.12 differ in how
 * mm_struct keeps its RSS counters).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include <monster.h>

#define PRESERVE __attribute__((preserve_access_index))

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} PRESERVE;

struct pt_regs {
	unsigned long bx, cx, dx, ax, ip, sp;
} PRESERVE;

struct thread_info {
	__u32 cpu;
} PRESERVE;

struct sched_entity {
	__u64 sum_exec_runtime;
} PRESERVE;

struct sched_info {
	unsigned long long run_delay;
} PRESERVE;

struct signal_struct {
	int nr_threads;
	__u64 utime, stime, sum_sched_runtime;
	unsigned long nvcsw, nivcsw, min_flt, maj_flt;
} PRESERVE;

/* 6.1: atomic counters in mm_struct.rss_stat */
struct mm_rss_stat {
	struct atomic_long {
		long counter;
	} count[4];
} PRESERVE;

struct mm_struct___v61 {
	struct mm_rss_stat rss_stat;
} PRESERVE;

/* 6.2 on: one percpu_counter per kind; .count is what get_mm_counter() reads */
struct percpu_counter {
	__s64 count;
} PRESERVE;

struct mm_struct {
	struct percpu_counter rss_stat[4];
} PRESERVE;

struct task_struct {
	unsigned int __state;
	unsigned int flags;
	struct thread_info thread_info;
	int pid, tgid;
	struct sched_entity se;
	struct sched_info sched_info;
	__u64 utime, stime, start_time;
	unsigned long nvcsw, nivcsw, min_flt, maj_flt;
	char comm[16];
	struct mm_struct *mm;
	struct signal_struct *signal;
} PRESERVE;

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} PRESERVE;

#define PF_KTHREAD	0x00200000
#define PAGE_SHIFT	12

char LICENSE[] SEC("license") = "GPL";

/* File, anon and shmem pages: get_mm_rss(). */
static __u64 rss_pages(struct mm_struct *mm)
{
	__s64 n;

	/* constant indices: one relocatable access each */
	if (bpf_core_type_exists(struct mm_rss_stat)) {
		struct mm_struct___v61 *old = (void *)mm;

		n = BPF_CORE_READ(old, rss_stat.count[0].counter) +
		    BPF_CORE_READ(old, rss_stat.count[1].counter) +
		    BPF_CORE_READ(old, rss_stat.count[2].counter);
	} else {
		n = BPF_CORE_READ(mm, rss_stat[0].count) + BPF_CORE_READ(mm, rss_stat[1].count) +
		    BPF_CORE_READ(mm, rss_stat[2].count);
	}
	return n > 0 ? (__u64)n : 0;
}

static void read_regs(struct task_struct *t, struct monster_sample *s)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);

	s->rip = BPF_CORE_READ(regs, ip);
	s->rsp = BPF_CORE_READ(regs, sp);
	s->rax = BPF_CORE_READ(regs, ax);
	s->rbx = BPF_CORE_READ(regs, bx);
	s->rcx = BPF_CORE_READ(regs, cx);
	s->rdx = BPF_CORE_READ(regs, dx);
}

SEC("iter/task")
int sweep_read(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct monster_sample s = {};
	struct signal_struct *sig;
	struct mm_struct *mm;

	if (!t)
		return 0;
	s.pid = BPF_CORE_READ(t, pid);
	s.tgid = BPF_CORE_READ(t, tgid);
	if (s.pid != s.tgid)
		return 0;	/* one record per thread group, as the sampler's process scope */
	s.cpu = BPF_CORE_READ(t, thread_info.cpu);
	s.state = (__u8)BPF_CORE_READ(t, __state);
	s.start_time_ns = BPF_CORE_READ(t, start_time);
	BPF_CORE_READ_STR_INTO(&s.comm, t, comm);
	sig = BPF_CORE_READ(t, signal);
	s.nr_threads = BPF_CORE_READ(sig, nr_threads);
	if (!(BPF_CORE_READ(t, flags) & PF_KTHREAD)) {
		read_regs(t, &s);
		mm = BPF_CORE_READ(t, mm);
		if (mm)
			s.mem_bytes = rss_pages(mm) << PAGE_SHIFT;
	}
	s.utime_ns = BPF_CORE_READ(t, utime) + BPF_CORE_READ(sig, utime);
	s.stime_ns = BPF_CORE_READ(t, stime) + BPF_CORE_READ(sig, stime);
	s.cpu_time_ns = s.utime_ns + s.stime_ns;
	s.runtime_ns = BPF_CORE_READ(t, se.sum_exec_runtime) + BPF_CORE_READ(sig, sum_sched_runtime);
	s.min_flt = BPF_CORE_READ(t, min_flt) + BPF_CORE_READ(sig, min_flt);
	s.maj_flt = BPF_CORE_READ(t, maj_flt) + BPF_CORE_READ(sig, maj_flt);
	s.nvcsw = BPF_CORE_READ(t, nvcsw) + BPF_CORE_READ(sig, nvcsw);
	s.nivcsw = BPF_CORE_READ(t, nivcsw) + BPF_CORE_READ(sig, nivcsw);
	s.run_delay_ns = BPF_CORE_READ(t, sched_info.run_delay);
	s.shard = (__u8)monster_shard(monster_sample_combined(&s));
	s.hecke = (__u8)monster_hecke(monster_sample_combined(&s), s.shard);
	bpf_seq_write(ctx->meta->seq, &s, sizeof(s));
	return 0;
}

SEC("iter/task")
int sweep_walk(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct monster_sample s = {};

	if (!t || BPF_CORE_READ(t, pid) != BPF_CORE_READ(t, tgid))
		return 0;
	bpf_seq_write(ctx->meta->seq, &s, sizeof(s));
	return 0;
}
