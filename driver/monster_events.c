// SPDX-License-Identifier: GPL-2.0
/*
 * monster_events.c - records of what happens between two sweeps: forks,
 * execs, exits and page faults from the kernel's tracepoints, and once a
 * second the reclaim pressure from the vmscan tracepoints and the vm event
 * counters. They go into the same rings as the samples, sharded by their
 * payload (monster_event_combined()).
 *
 * The tracepoints are not exported: they are found by name and probed with
 * tracepoint_probe_register(); each probe's prototype is checked at build
 * time against the kernel's own declaration of its tracepoint. A probe
 * runs with preemption off, sometimes with interrupts off or under the run
 * queue lock: it never sleeps, allocates or wakes anyone. It writes its
 * record (monster_ring_write(): a raw spinlock) and, if a consumer sleeps
 * in poll() and no wake-up is on its way, queues an irq_work that wakes it
 * at most once per MONSTER_EVENT_WAKE_NS (through an hrtimer when the last
 * wake-up is more recent): one wake-up, and one switch to the consumer, per
 * record would cost more than the record. Detaching unregisters every
 * probe and waits (tracepoint_synchronize_unregister()) before anything a
 * probe touches can go away.
 */
#define pr_fmt(fmt) "monster: " fmt

#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/ktime.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <asm/ptrace.h>

#include <trace/events/sched.h>
#include <trace/events/vmscan.h>
#include <asm/trace/exceptions.h>

#include "monster_dev.h"

/* A probe has the prototype the kernel declares for its tracepoint. */
#define MONSTER_PROBE_TYPE_IS(tp, probe) \
	static_assert(__same_type(register_trace_##tp, \
				  *(int (*)(typeof(&(probe)), void *))NULL), \
		      #probe " does not match " #tp)

#define MONSTER_RECLAIM_PERIOD_NS	NSEC_PER_SEC
#define MONSTER_EVENT_WAKE_NS		NSEC_PER_MSEC	/* a sleeping consumer's delay, at most */

/* Events' shared state: one device, so one of these. */
static struct monster_events {
	struct monster_dev *md;
	struct monster_buf *buf;	/* the rings the probes write to while attached */
	u32 events;			/* attached kinds */
	u32 fault_tgid;
	u32 fault_every;
	bool thread;			/* scope THREAD */
	bool hide_kaddr;		/* some opener may not see kernel addresses */
	struct irq_work wake;		/* a wake-up is due: now or by wake_timer */
	struct hrtimer wake_timer;
	unsigned long wake_pending;	/* bit 0: wake or wake_timer is on its way */
	u64 last_wake_ns;
	struct delayed_work reclaim_work;
	u64 reclaim_last_ns;
	unsigned long vm_last[NR_VM_EVENT_ITEMS];
	/* vmscan counts since the last reclaim record */
	atomic64_t kswapd_wakes, kswapd_sleeps, direct_begins, direct_ends;
	atomic64_t direct_reclaimed, folios_written;
	atomic64_t faults_seen, faults_filtered;
	raw_spinlock_t last_lock;	/* the last direct reclaimer */
	u32 last_pid, last_tgid;
	char last_comm[TASK_COMM_LEN];
} monster_ev;

static DEFINE_PER_CPU(u32, monster_fault_count);

/* Wake poll()ers; from here on a new record asks for the next wake-up. */
static void monster_events_wake_now(void)
{
	struct monster_dev *md = READ_ONCE(monster_ev.md);

	WRITE_ONCE(monster_ev.last_wake_ns, ktime_get_ns());
	clear_bit(0, &monster_ev.wake_pending);
	/* pairs with wq_has_sleeper()'s barrier: a record after this is not missed */
	smp_mb__after_atomic();
	if (md)
		wake_up_interruptible_poll(&md->wq, EPOLLIN | EPOLLRDNORM);
}

static enum hrtimer_restart monster_events_wake_timer(struct hrtimer *t)
{
	monster_events_wake_now();
	return HRTIMER_NORESTART;
}

/* In a context where waking and timers are safe: wake now, or when it is due. */
static void monster_events_wake(struct irq_work *work)
{
	u64 now = ktime_get_ns(), due = READ_ONCE(monster_ev.last_wake_ns) + MONSTER_EVENT_WAKE_NS;

	if (now >= due)
		monster_events_wake_now();
	else
		hrtimer_start(&monster_ev.wake_timer, ns_to_ktime(due - now), HRTIMER_MODE_REL);
}

/* The header of an event of @kind by @t (the current task for most), now. */
static void monster_event_init(struct monster_event *e, unsigned int kind, struct task_struct *t)
{
	memset(e, 0, sizeof(*e));
	e->timestamp_ns = ktime_get_ns();
	e->pid = task_pid_nr(t);
	e->tgid = task_tgid_nr(t);
	e->cpu = raw_smp_processor_id();
	e->kind = kind;
	/* comm may change under us (prctl): a torn name is still NUL-terminated */
	memcpy(e->comm, t->comm, sizeof(e->comm));
	e->comm[sizeof(e->comm) - 1] = 0;
}

/* Shard, write, and see that a sleeping consumer hears of it. */
static void monster_event_emit(struct monster_event *e)
{
	struct monster_buf *buf = READ_ONCE(monster_ev.buf);
	struct monster_sample *s = (struct monster_sample *)e;
	u64 combined;
	u32 shard;

	if (!buf)
		return;
	combined = monster_record_combined(s);
	shard = monster_ring_of(combined);
	e->shard = shard;
	e->hecke = monster_hecke(combined, shard);
	if (monster_ring_write(&buf->ring[shard], s) && wq_has_sleeper(&monster_ev.md->wq) &&
	    !test_and_set_bit(0, &monster_ev.wake_pending))
		irq_work_queue(&monster_ev.wake);
}

/* ---- fork, exec, exit ---- */

static void monster_probe_fork(void *data, struct task_struct *parent, struct task_struct *child)
{
	struct monster_event e;
	bool thread = child->pid != child->tgid;

	if (thread && !monster_ev.thread)
		return;		/* scope PROCESS: new processes only */
	monster_event_init(&e, MONSTER_KIND_FORK, child);
	if (thread)
		e.flags |= MONSTER_EF_THREAD;
	e.fork.child_start_ns = child->start_time;
	e.fork.parent_start_ns = parent->start_time;
	e.fork.parent_pid = task_pid_nr(parent);
	e.fork.parent_tgid = task_tgid_nr(parent);
	monster_event_emit(&e);
}
MONSTER_PROBE_TYPE_IS(sched_process_fork, monster_probe_fork);

static void monster_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
			       struct linux_binprm *bprm)
{
	struct monster_event e;

	monster_event_init(&e, MONSTER_KIND_EXEC, p);
	e.exec.old_pid = old_pid;
	strscpy_pad(e.exec.filename, bprm->filename, sizeof(e.exec.filename));
	monster_event_emit(&e);
}
MONSTER_PROBE_TYPE_IS(sched_process_exec, monster_probe_exec);

/* The wait status @code as the exit status and the signal that ended it. */
static void monster_exit_status(int code, struct monster_exit_event *x)
{
	x->signal = code & 0x7f;
	x->exit_code = x->signal ? -1 : (code >> 8) & 0xff;
}

/* Called in do_exit() by the exiting task, after its mm is gone. */
static void monster_probe_exit(void *data, struct task_struct *p)
{
	struct signal_struct *sig = p->signal;
	bool group_dead = !atomic_read(&sig->live);
	bool thread = monster_ev.thread;
	struct monster_times tm;
	struct monster_event e;
	int code = p->exit_code;

	if (!thread && !group_dead)
		return;		/* scope PROCESS: the group's end only */
	monster_event_init(&e, MONSTER_KIND_EXIT, p);
	if (thread)
		e.flags |= MONSTER_EF_THREAD;
	if (group_dead) {
		e.flags |= MONSTER_EF_GROUP_EXIT;
		if (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT)
			code = READ_ONCE(sig->group_exit_code);
	}
	monster_exit_status(code, &e.exit);
	/* final: the slice it is running now, which is accounted after this, too */
	monster_task_times(p, thread, monster_current_pending(), &tm);
	e.exit.utime_ns = tm.utime;
	e.exit.stime_ns = tm.stime;
	e.exit.runtime_ns = tm.runtime;
	e.exit.min_flt = tm.min_flt;
	e.exit.maj_flt = tm.maj_flt;
	e.exit.nvcsw = tm.nvcsw;
	e.exit.nivcsw = tm.nivcsw;
	/* exit_mm() left the high-water mark in the signal struct */
	e.exit.peak_rss_bytes = (u64)READ_ONCE(sig->maxrss) << PAGE_SHIFT;
	e.exit.start_time_ns = p->start_time;
	monster_event_emit(&e);
}
MONSTER_PROBE_TYPE_IS(sched_process_exit, monster_probe_exit);

/* ---- page faults ---- */

/* One fault in fault_every, of fault_tgid's tasks if set. */
static bool monster_fault_wanted(void)
{
	u32 every = READ_ONCE(monster_ev.fault_every);
	u32 tgid = READ_ONCE(monster_ev.fault_tgid);

	atomic64_inc(&monster_ev.faults_seen);
	if ((tgid && task_tgid_nr(current) != tgid) ||
	    (every > 1 && this_cpu_inc_return(monster_fault_count) % every)) {
		atomic64_inc(&monster_ev.faults_filtered);
		return false;
	}
	return true;
}

/* A kernel-half value, unless every opener may see it. */
static u64 monster_fault_value(u64 v, u32 *flags)
{
	if (v < TASK_SIZE_MAX || !READ_ONCE(monster_ev.hide_kaddr))
		return v;
	*flags |= MONSTER_EF_HIDDEN;
	return 0;
}

static void monster_fault(unsigned long address, struct pt_regs *regs,
			  unsigned long error_code, bool kernel)
{
	struct monster_event e;

	if (!monster_fault_wanted())
		return;
	monster_event_init(&e, MONSTER_KIND_FAULT, current);
	if (kernel)
		e.flags |= MONSTER_EF_KERNEL;
	e.fault.address = monster_fault_value(address, &e.flags);
	e.fault.ip = monster_fault_value(instruction_pointer(regs), &e.flags);
	e.fault.error_code = error_code;
	monster_event_emit(&e);
}

static void monster_probe_fault_user(void *data, unsigned long address, struct pt_regs *regs,
				     unsigned long error_code)
{
	monster_fault(address, regs, error_code, false);
}
MONSTER_PROBE_TYPE_IS(page_fault_user, monster_probe_fault_user);

static void monster_probe_fault_kernel(void *data, unsigned long address, struct pt_regs *regs,
				       unsigned long error_code)
{
	monster_fault(address, regs, error_code, true);
}
MONSTER_PROBE_TYPE_IS(page_fault_kernel, monster_probe_fault_kernel);

/* ---- reclaim ---- */

static void monster_probe_kswapd_wake(void *data, int nid, int zid, int order)
{
	atomic64_inc(&monster_ev.kswapd_wakes);
}
MONSTER_PROBE_TYPE_IS(mm_vmscan_kswapd_wake, monster_probe_kswapd_wake);

static void monster_probe_kswapd_sleep(void *data, int nid)
{
	atomic64_inc(&monster_ev.kswapd_sleeps);
}
MONSTER_PROBE_TYPE_IS(mm_vmscan_kswapd_sleep, monster_probe_kswapd_sleep);

static void monster_probe_direct_begin(void *data, int order, gfp_t gfp_flags)
{
	unsigned long flags;

	atomic64_inc(&monster_ev.direct_begins);
	raw_spin_lock_irqsave(&monster_ev.last_lock, flags);
	monster_ev.last_pid = task_pid_nr(current);
	monster_ev.last_tgid = task_tgid_nr(current);
	memcpy(monster_ev.last_comm, current->comm, sizeof(monster_ev.last_comm));
	raw_spin_unlock_irqrestore(&monster_ev.last_lock, flags);
}
MONSTER_PROBE_TYPE_IS(mm_vmscan_direct_reclaim_begin, monster_probe_direct_begin);

static void monster_probe_direct_end(void *data, unsigned long nr_reclaimed)
{
	atomic64_inc(&monster_ev.direct_ends);
	atomic64_add(nr_reclaimed, &monster_ev.direct_reclaimed);
}
MONSTER_PROBE_TYPE_IS(mm_vmscan_direct_reclaim_end, monster_probe_direct_end);

static void monster_probe_write_folio(void *data, struct folio *folio)
{
	atomic64_inc(&monster_ev.folios_written);
}
MONSTER_PROBE_TYPE_IS(mm_vmscan_write_folio, monster_probe_write_folio);

/* vm event @item since the last record, and the counter now noted. */
static u64 monster_vm_delta(const unsigned long *now, enum vm_event_item item)
{
	u64 d = now[item] - monster_ev.vm_last[item];

	monster_ev.vm_last[item] = now[item];
	return d;
}

static u64 monster_allocstall(const unsigned long *now)
{
	u64 sum = 0;
	unsigned int z;

	for (z = 0; z < MAX_NR_ZONES; z++)
		sum += monster_vm_delta(now, ALLOCSTALL_NORMAL - ZONE_NORMAL + z);
	return sum;
}

/* One reclaim record: what happened since the last one (process context). */
static void monster_reclaim_record(void)
{
	static unsigned long now[NR_VM_EVENT_ITEMS];
	struct monster_reclaim_event *r;
	struct monster_event e;
	unsigned long flags;
	u64 t = ktime_get_ns();

	monster_event_init(&e, MONSTER_KIND_RECLAIM, current);
	raw_spin_lock_irqsave(&monster_ev.last_lock, flags);
	e.pid = monster_ev.last_pid;
	e.tgid = monster_ev.last_tgid;
	memcpy(e.comm, monster_ev.last_comm, sizeof(e.comm));
	monster_ev.last_pid = 0;
	monster_ev.last_tgid = 0;
	memset(monster_ev.last_comm, 0, sizeof(monster_ev.last_comm));
	raw_spin_unlock_irqrestore(&monster_ev.last_lock, flags);

	r = &e.reclaim;
	r->interval_ns = t - monster_ev.reclaim_last_ns;
	monster_ev.reclaim_last_ns = t;
	r->kswapd_wakes = atomic64_xchg(&monster_ev.kswapd_wakes, 0);
	r->kswapd_sleeps = atomic64_xchg(&monster_ev.kswapd_sleeps, 0);
	r->direct_begins = atomic64_xchg(&monster_ev.direct_begins, 0);
	r->direct_ends = atomic64_xchg(&monster_ev.direct_ends, 0);
	r->direct_reclaimed = atomic64_xchg(&monster_ev.direct_reclaimed, 0);
	r->folios_written = atomic64_xchg(&monster_ev.folios_written, 0);
	/* the work runs on one worker at a time: now[] and vm_last[] are its own */
	all_vm_events(now);
	r->pswpin = monster_vm_delta(now, PSWPIN);
	r->pswpout = monster_vm_delta(now, PSWPOUT);
	r->pgsteal_kswapd = monster_vm_delta(now, PGSTEAL_KSWAPD);
	r->pgsteal_direct = monster_vm_delta(now, PGSTEAL_DIRECT);
	r->pgscan_kswapd = monster_vm_delta(now, PGSCAN_KSWAPD);
	r->pgscan_direct = monster_vm_delta(now, PGSCAN_DIRECT);
	r->allocstall = monster_allocstall(now);
	monster_event_emit(&e);
}

static void monster_reclaim_fn(struct work_struct *work)
{
	monster_reclaim_record();
	schedule_delayed_work(&monster_ev.reclaim_work, nsecs_to_jiffies(MONSTER_RECLAIM_PERIOD_NS));
}

/* ---- attaching ---- */

struct monster_source {
	const char *name;	/* the tracepoint */
	void *probe;
	unsigned int kind;	/* the event kind it feeds */
	struct tracepoint *tp;	/* found by name, NULL if this kernel has none */
	bool attached;
};

static struct monster_source monster_sources[] = {
	{ "sched_process_fork", monster_probe_fork, MONSTER_KIND_FORK },
	{ "sched_process_exec", monster_probe_exec, MONSTER_KIND_EXEC },
	{ "sched_process_exit", monster_probe_exit, MONSTER_KIND_EXIT },
	{ "page_fault_user", monster_probe_fault_user, MONSTER_KIND_FAULT },
	{ "page_fault_kernel", monster_probe_fault_kernel, MONSTER_KIND_FAULT },
	{ "mm_vmscan_kswapd_wake", monster_probe_kswapd_wake, MONSTER_KIND_RECLAIM },
	{ "mm_vmscan_kswapd_sleep", monster_probe_kswapd_sleep, MONSTER_KIND_RECLAIM },
	{ "mm_vmscan_direct_reclaim_begin", monster_probe_direct_begin, MONSTER_KIND_RECLAIM },
	{ "mm_vmscan_direct_reclaim_end", monster_probe_direct_end, MONSTER_KIND_RECLAIM },
	{ "mm_vmscan_write_folio", monster_probe_write_folio, MONSTER_KIND_RECLAIM },
};

static void monster_find_tracepoint(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(monster_sources); i++)
		if (!strcmp(tp->name, monster_sources[i].name))
			monster_sources[i].tp = tp;
}

/* The kinds this kernel can record: those whose tracepoints all exist. */
static u32 monster_available;

void monster_events_init(struct monster_dev *md)
{
	unsigned int i;

	monster_ev.md = md;
	init_irq_work(&monster_ev.wake, monster_events_wake);
	hrtimer_init(&monster_ev.wake_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	monster_ev.wake_timer.function = monster_events_wake_timer;
	INIT_DELAYED_WORK(&monster_ev.reclaim_work, monster_reclaim_fn);
	raw_spin_lock_init(&monster_ev.last_lock);
	for_each_kernel_tracepoint(monster_find_tracepoint, NULL);
	monster_available = MONSTER_EVENTS_ALL;
	for (i = 0; i < ARRAY_SIZE(monster_sources); i++)
		if (!monster_sources[i].tp) {
			pr_info("no tracepoint %s: %s events are off\n", monster_sources[i].name,
				monster_sources[i].kind == MONSTER_KIND_FAULT ? "fault" :
				monster_sources[i].kind == MONSTER_KIND_RECLAIM ? "reclaim" :
				"process");
			monster_available &= ~MONSTER_EVENT(monster_sources[i].kind);
		}
}

u32 monster_events_available(void)
{
	return monster_available;
}

/* Probe the tracepoints of @events and no others. Caller holds md->lock. */
static int monster_events_probe(u32 events)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(monster_sources); i++) {
		struct monster_source *src = &monster_sources[i];
		bool want = src->tp && (events & MONSTER_EVENT(src->kind));

		if (want == src->attached)
			continue;
		if (want) {
			ret = tracepoint_probe_register(src->tp, src->probe, NULL);
			if (ret) {
				pr_warn("cannot probe %s: %d\n", src->name, ret);
				break;
			}
		} else {
			tracepoint_probe_unregister(src->tp, src->probe, NULL);
		}
		src->attached = want;
	}
	return ret;
}

/* The reclaim records: from now, one a second; stopping flushes the last. */
static void monster_reclaim_start(void)
{
	monster_ev.reclaim_last_ns = ktime_get_ns();
	atomic64_set(&monster_ev.kswapd_wakes, 0);
	atomic64_set(&monster_ev.kswapd_sleeps, 0);
	atomic64_set(&monster_ev.direct_begins, 0);
	atomic64_set(&monster_ev.direct_ends, 0);
	atomic64_set(&monster_ev.direct_reclaimed, 0);
	atomic64_set(&monster_ev.folios_written, 0);
	all_vm_events(monster_ev.vm_last);
	schedule_delayed_work(&monster_ev.reclaim_work, nsecs_to_jiffies(MONSTER_RECLAIM_PERIOD_NS));
}

/*
 * Record @events into md's rings from now (0: none), with its scope and
 * fault filters. Caller holds md->lock; the rings stay while attached (a
 * resize needs the sampler, and so the events, stopped).
 */
int monster_events_set(struct monster_dev *md, u32 events)
{
	u32 was = monster_ev.events;
	int ret;

	events &= monster_available;
	WRITE_ONCE(monster_ev.fault_tgid, md->fault_tgid);
	WRITE_ONCE(monster_ev.fault_every, md->fault_every);
	WRITE_ONCE(monster_ev.thread, md->scope == MONSTER_SCOPE_THREAD);
	if (events && !was)
		WRITE_ONCE(monster_ev.buf, md->buf);
	if ((was & MONSTER_EVENT(MONSTER_KIND_RECLAIM)) &&
	    !(events & MONSTER_EVENT(MONSTER_KIND_RECLAIM))) {
		cancel_delayed_work_sync(&monster_ev.reclaim_work);
		monster_reclaim_record();
	}
	ret = monster_events_probe(events);
	if (ret) {
		events = 0;
		monster_events_probe(0);
	}
	if (!(was & MONSTER_EVENT(MONSTER_KIND_RECLAIM)) &&
	    (events & MONSTER_EVENT(MONSTER_KIND_RECLAIM)))
		monster_reclaim_start();
	monster_ev.events = events;
	if (!events && was) {
		/* no probe runs any more, and none will touch the rings again */
		tracepoint_synchronize_unregister();
		irq_work_sync(&monster_ev.wake);	/* it may start the timer */
		hrtimer_cancel(&monster_ev.wake_timer);
		clear_bit(0, &monster_ev.wake_pending);
		WRITE_ONCE(monster_ev.buf, NULL);
	}
	return ret;
}

/*
 * Whether fault records may carry kernel addresses from now on. Hiding
 * returns only once no probe that saw the old setting is still running,
 * so that what the rings hold can then be scrubbed for good.
 */
void monster_events_hide_kaddr(bool hide)
{
	WRITE_ONCE(monster_ev.hide_kaddr, hide);
	if (hide)
		synchronize_rcu();
}

void monster_events_stats(struct monster_kind_stats *ks)
{
	ks->faults_seen = atomic64_read(&monster_ev.faults_seen);
	ks->faults_filtered = atomic64_read(&monster_ev.faults_filtered);
	ks->events_available = monster_available;
	ks->events = READ_ONCE(monster_ev.events);
}
