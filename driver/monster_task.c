// SPDX-License-Identifier: GPL-2.0
/*
 * monster_task.c - read one task's statistics into a record.
 *
 * Called under rcu_read_lock() from the sampler: nothing here sleeps. The
 * locking follows fs/proc/array.c and kernel/sched/cputime.c: task_lock()
 * for comm and mm (as get_task_mm() does), the signal stats seqlock for
 * thread-group totals (as thread_group_cputime() does).
 */
#define pr_fmt(fmt) "monster: " fmt

#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/seqlock.h>
#include <linux/string.h>
#include <asm/ptrace.h>

#include "monster_compat.h"
#include "monster_dev.h"

#ifndef CONFIG_X86_64
#error "monster samples x86-64 user registers"
#endif

/*
 * The user registers the task saved at its last kernel entry. The stack is
 * read once: it is freed only after an RCU grace period (or recycled, then
 * stale but mapped), so under RCU a non-NULL pointer is safe to read.
 * task_pt_regs() would re-read task->stack, racing with its release.
 */
static bool monster_user_regs(struct task_struct *t, struct monster_sample *s, long *syscall)
{
	void *stack = READ_ONCE(t->stack);
	struct pt_regs *regs;

	if (!stack)
		return false;
	regs = (struct pt_regs *)(stack + THREAD_SIZE -
					TOP_OF_KERNEL_STACK_PADDING) - 1;
	/* user workers and never-run tasks have zeroed regs: not user mode */
	if (!user_mode(regs))
		return false;
	s->rip = READ_ONCE(regs->ip);
	s->rsp = READ_ONCE(regs->sp);
	s->rax = READ_ONCE(regs->ax);
	s->rbx = READ_ONCE(regs->bx);
	s->rcx = READ_ONCE(regs->cx);
	s->rdx = READ_ONCE(regs->dx);
	/* as /proc/PID/syscall: what it entered the kernel with, for a task off the CPU */
	*syscall = READ_ONCE(t->on_cpu) ? -1 : (long)READ_ONCE(regs->orig_ax);
	return true;
}

static void monster_clear_regs(struct monster_sample *s)
{
	s->rip = 0;
	s->rsp = 0;
	s->rax = 0;
	s->rbx = 0;
	s->rcx = 0;
	s->rdx = 0;
}

/*
 * The 16 bytes of comm as two words: set_task_comm() pads it with NULs
 * under task_lock(), which the caller holds. A string copy would be a
 * byte loop; the last byte is forced to NUL all the same.
 */
static void monster_copy_comm(struct task_struct *p, struct monster_sample *s)
{
	const u64 *src = (const u64 *)p->comm;
	u64 *dst = (u64 *)s->comm;

	BUILD_BUG_ON(sizeof(p->comm) != 16 || sizeof(s->comm) != 16);
	dst[0] = READ_ONCE(src[0]);
	dst[1] = READ_ONCE(src[1]);
	s->comm[15] = 0;
}

/* comm, and RSS from the first thread that still has an mm. */
static void monster_comm_and_mm(struct task_struct *p, bool thread,
				struct monster_sample *s)
{
	struct task_struct *t;
	bool found = false;

	s->mem_bytes = 0;
	task_lock(p);
	monster_copy_comm(p, s);
	/* a kernel thread's mm is only borrowed (kthread_use_mm) */
	if (p->mm && !(p->flags & PF_KTHREAD)) {
		s->mem_bytes = get_mm_rss(p->mm) << PAGE_SHIFT;
		found = true;
	}
	task_unlock(p);

	/* a process whose leader exited lives on in its other threads */
	if (found || thread || (p->flags & PF_KTHREAD))
		return;
	for_each_thread(p, t) {
		task_lock(t);
		if (t->mm) {
			s->mem_bytes = get_mm_rss(t->mm) << PAGE_SHIFT;
			found = true;
		}
		task_unlock(t);
		if (found)
			break;
	}
}

static void monster_times_add(struct monster_times *acc, struct task_struct *t)
{
	acc->utime += READ_ONCE(t->utime);
	acc->stime += READ_ONCE(t->stime);
	acc->runtime += READ_ONCE(t->se.sum_exec_runtime);
	acc->min_flt += READ_ONCE(t->min_flt);
	acc->maj_flt += READ_ONCE(t->maj_flt);
	acc->nvcsw += READ_ONCE(t->nvcsw);
	acc->nivcsw += READ_ONCE(t->nivcsw);
#ifdef CONFIG_SCHED_INFO
	acc->run_delay += READ_ONCE(t->sched_info.run_delay);
#endif
}

static void monster_group_read(struct task_struct *p, struct monster_times *acc)
{
	struct signal_struct *sig = p->signal;
	struct task_struct *t;

	acc->run_delay = 0;	/* dead threads' run delay is not kept */
	acc->utime = READ_ONCE(sig->utime);
	acc->stime = READ_ONCE(sig->stime);
	acc->runtime = READ_ONCE(sig->sum_sched_runtime);
	acc->min_flt = READ_ONCE(sig->min_flt);
	acc->maj_flt = READ_ONCE(sig->maj_flt);
	acc->nvcsw = READ_ONCE(sig->nvcsw);
	acc->nivcsw = READ_ONCE(sig->nivcsw);
	for_each_thread(p, t)
		monster_times_add(acc, t);
}

/*
 * Whole-group totals: what dead threads left in signal_struct plus every
 * live thread, read consistently against __exit_signal() moving a thread's
 * counts over: lockless twice, then under the lock, as
 * thread_group_cputime() does.
 */
static void monster_group_times(struct task_struct *p, struct monster_times *acc)
{
	seqlock_t *lock = &p->signal->stats_lock;
	unsigned long flags;
	unsigned int seq;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		seq = read_seqbegin(lock);
		monster_group_read(p, acc);
		if (!read_seqretry(lock, seq))
			return;
	}
	read_seqlock_excl_irqsave(lock, flags);
	monster_group_read(p, acc);
	read_sequnlock_excl_irqrestore(lock, flags);
}

/*
 * The user/system split /proc reports: the tick-sampled utime and stime
 * scaled to the precise runtime, and kept from going backwards by the
 * same state /proc uses, signal->prev_cputime. This is the kernel's
 * cputime_adjust() (kernel/sched/cputime.c), which is not exported for
 * thread groups; with the same state, a record and /proc/PID/stat read
 * at the same moment agree.
 */
/*
 * Without the lock when nothing ran since the last adjustment (an idle
 * task: most of them): a pair that adds up to @rtime is that adjustment's.
 * Each field only grows, so a pair read half before and half after a
 * concurrent update adds up to more than the older sum unless it is the
 * older pair itself.
 */
static bool monster_cputime_settled(const struct prev_cputime *prev, u64 rtime,
				    u64 *ut, u64 *st)
{
	u64 s = READ_ONCE(prev->stime), u = READ_ONCE(prev->utime);

	if (s + u != rtime)
		return false;
	*ut = u;
	*st = s;
	return true;
}

static void monster_cputime_adjust(struct monster_times *tm, struct prev_cputime *prev)
{
	u64 rtime = tm->runtime, stime = tm->stime, utime = tm->utime;
	unsigned long flags;

	if (monster_cputime_settled(prev, rtime, &tm->utime, &tm->stime))
		return;
	raw_spin_lock_irqsave(&prev->lock, flags);
	/* a racing reader got here first with a later runtime */
	if (prev->stime + prev->utime >= rtime)
		goto out;
	if (stime == 0) {
		utime = rtime;
	} else if (utime == 0) {
		stime = rtime;
	} else {
		stime = mul_u64_u64_div_u64(stime, rtime, stime + utime);
		if (unlikely(stime > rtime))
			stime = rtime;
	}
	/* neither moves backwards: both only take from the runtime's growth */
	if (stime < prev->stime)
		stime = prev->stime;
	utime = rtime - stime;
	if (utime < prev->utime) {
		utime = prev->utime;
		stime = rtime - utime;
	}
	prev->stime = stime;
	prev->utime = utime;
out:
	tm->utime = prev->utime;
	tm->stime = prev->stime;
	raw_spin_unlock_irqrestore(&prev->lock, flags);
}

/*
 * The times (utime and stime as /proc shows them) and counters of one
 * thread, or of its whole group, @pending ns of runtime the scheduler has
 * not accounted yet included. Under RCU; no sleeping.
 */
void monster_task_times(struct task_struct *p, bool thread, u64 pending, struct monster_times *tm)
{
	if (!thread) {
		monster_group_times(p, tm);
		tm->runtime += pending;
		monster_cputime_adjust(tm, &p->signal->prev_cputime);
		return;
	}
	memset(tm, 0, sizeof(*tm));
	monster_times_add(tm, p);
	if (pending) {
		tm->runtime += pending;
		monster_cputime_adjust(tm, &p->prev_cputime);
		return;
	}
	/*
	 * Exported for one task: the split /proc/PID/task/TID/stat shows. A
	 * task on a CPU may have unaccounted time it would add (nohz_full).
	 */
	if (READ_ONCE(p->on_cpu) ||
	    !monster_cputime_settled(&p->prev_cputime, tm->runtime, &tm->utime, &tm->stime))
		task_cputime_adjusted(p, &tm->utime, &tm->stime);
}

/*
 * Every field of *s but seq, timestamp_ns, shard and hecke (the ring's and
 * the sweep's), each written once: no memset, no string copy, which under
 * emulation cost more than the reading. steps < MONSTER_STEP_ALL leaves
 * the later fields unset (a profile, see enum monster_step).
 */
/*
 * What the current task has run since the scheduler last accounted it (at
 * its last tick or switch): what update_curr() will add. se.exec_start is
 * in the run queue's task clock, the sched clock where changed-only sweeps
 * are offered (monster_compat.h); elsewhere nothing is added.
 */
u64 monster_current_pending(void)
{
	u64 start = READ_ONCE(current->se.exec_start), now = local_clock();

	if (!MONSTER_HAVE_CHANGED_ONLY || !start || now <= start)
		return 0;
	return now - start;
}

/*
 * Whether a thread has been on a CPU since @ran_since (sched clock): it is
 * there now, or the scheduler accounted its runtime since (se.exec_start
 * moves at every tick, switch-in and switch-out it is accounted at).
 */
static bool monster_thread_ran(struct task_struct *t, u64 ran_since)
{
	return READ_ONCE(t->on_cpu) || READ_ONCE(t->se.exec_start) >= ran_since;
}

/*
 * A changed-only sweep's test: the task (any thread of it, in process
 * scope) ran since @ran_since, or it started after @born_since
 * (CLOCK_MONOTONIC, as start_time) and has no record yet. Under RCU.
 */
bool monster_task_changed(struct task_struct *p, bool thread, u64 ran_since, u64 born_since)
{
	struct task_struct *t;

	if (READ_ONCE(p->start_time) >= born_since)
		return true;
	if (thread)
		return monster_thread_ran(p, ran_since);
	for_each_thread(p, t)
		if (monster_thread_ran(t, ran_since))
			return true;
	return false;
}

void monster_task_sample(struct task_struct *p, bool thread, u32 steps,
			 struct monster_sample *s)
{
	struct monster_times tm;
	u32 flags = thread ? MONSTER_SF_THREAD : 0;
	long syscall = -1;

	s->kind = MONSTER_KIND_SAMPLE;
	s->pid = task_pid_nr(p);
	s->tgid = task_tgid_nr(p);
	s->cpu = task_cpu(p);
	s->state = task_state_index(p);
	s->nr_threads = get_nr_threads(p);
	s->start_time_ns = p->start_time;

	if (p->flags & PF_EXITING)
		flags |= MONSTER_SF_EXITING;
	if (p->flags & PF_KTHREAD)
		flags |= MONSTER_SF_KTHREAD | MONSTER_SF_NO_REGS;
	else if ((flags & MONSTER_SF_EXITING) || steps < MONSTER_STEP_REGS ||
		 !monster_user_regs(p, s, &syscall))
		flags |= MONSTER_SF_NO_REGS;
	if (flags & MONSTER_SF_NO_REGS)
		monster_clear_regs(s);
	else if (syscall >= 0 && syscall < 0xffff)
		flags |= (u32)(syscall + 1) << MONSTER_SF_SYSCALL_SHIFT;
	s->flags = flags;
	if (steps < MONSTER_STEP_MM)
		return;

	monster_comm_and_mm(p, thread, s);
	if (steps < MONSTER_STEP_TIMES)
		return;

	monster_task_times(p, thread, 0, &tm);
	s->utime_ns = tm.utime;
	s->stime_ns = tm.stime;
	s->cpu_time_ns = tm.utime + tm.stime;
	s->runtime_ns = tm.runtime;
	s->min_flt = tm.min_flt;
	s->maj_flt = tm.maj_flt;
	s->nvcsw = tm.nvcsw;
	s->nivcsw = tm.nivcsw;
	s->run_delay_ns = tm.run_delay;
}
