// SPDX-License-Identifier: GPL-2.0
/*
 * monster_main.c - module entry, parameters, /dev/monster and its ioctls.
 */
#define pr_fmt(fmt) "monster: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "monster_compat.h"
#include "monster_dev.h"

#define CREATE_TRACE_POINTS
#include "monster_trace.h"

static unsigned int rate_hz = MONSTER_RATE_DEFAULT;
module_param(rate_hz, uint, 0444);
MODULE_PARM_DESC(rate_hz, "sweeps per second, 1..10000 (default 100)");

static unsigned int ring_slots = MONSTER_SLOTS_DEFAULT;
module_param(ring_slots, uint, 0444);
MODULE_PARM_DESC(ring_slots, "records per ring, a power of two, 64..262144 (default 16384)");

/* named: a bare numa_node would shadow the kernel's per-cpu variable */
static int param_numa_node = NUMA_NO_NODE;
module_param_named(numa_node, param_numa_node, int, 0444);
MODULE_PARM_DESC(numa_node, "NUMA node for the ring memory (default -1: any)");

static bool threads;
module_param(threads, bool, 0444);
MODULE_PARM_DESC(threads, "sample every thread instead of every process (default N)");

static bool autostart;
module_param(autostart, bool, 0444);
MODULE_PARM_DESC(autostart, "start sampling at load (default N)");

static struct monster_dev monster;

static bool monster_node_ok(int node)
{
	return node == NUMA_NO_NODE ||
	       (node >= 0 && node < MAX_NUMNODES && node_state(node, N_MEMORY));
}

/*
 * Whether the opener may see kernel addresses: whether %pK prints the raw
 * pointer to it (kptr_restrict 1 and CAP_SYSLOG; with 0 it hashes, with 2
 * it prints zeros), asked of %pK itself.
 */
static bool monster_opener_sees_kaddr(void)
{
	char shown[32], raw[32];

	snprintf(shown, sizeof(shown), "%pK", &monster);
	snprintf(raw, sizeof(raw), "%016lx", (unsigned long)&monster);
	return !strcmp(shown, raw);
}

/*
 * From the first opener that may not see kernel addresses on, the rings
 * get none: the probes stop writing them, and what the rings hold is
 * scrubbed before that opener can map it. Caller holds md->lock.
 */
static void monster_note_opener(struct monster_dev *md)
{
	if (md->kaddr_hidden || monster_opener_sees_kaddr())
		return;
	md->kaddr_hidden = true;
	monster_events_hide_kaddr(true);
	monster_buf_hide_kaddr(md->buf);
}

static int monster_open(struct inode *inode, struct file *file)
{
	struct monster_dev *md = &monster;

	mutex_lock(&md->lock);
	monster_note_opener(md);
	md->open_count++;
	mutex_unlock(&md->lock);
	file->private_data = md;
	return nonseekable_open(inode, file);
}

static int monster_release(struct inode *inode, struct file *file)
{
	struct monster_dev *md = file->private_data;

	mutex_lock(&md->lock);
	md->open_count--;
	mutex_unlock(&md->lock);
	return 0;
}

static int monster_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct monster_dev *md = file->private_data;
	int ret;

	mutex_lock(&md->lock);
	ret = monster_buf_mmap(md->buf, vma);
	mutex_unlock(&md->lock);
	return ret;
}

static __poll_t monster_poll(struct file *file, poll_table *wait)
{
	struct monster_dev *md = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &md->wq, wait);
	mutex_lock(&md->lock);
	if (monster_buf_readable(md->buf))
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&md->lock);
	return mask;
}

static long monster_ioc_info(struct monster_dev *md, void __user *arg)
{
	struct monster_info info;

	mutex_lock(&md->lock);
	monster_buf_info(md->buf, &info);
	mutex_unlock(&md->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static void monster_config_fill(struct monster_dev *md, struct monster_config *c)
{
	memset(c, 0, sizeof(*c));
	c->rate_hz = md->rate_hz;
	c->scope = md->scope;
	c->ring_slots = md->buf->slots;
	c->numa_node = md->node;
	c->flags = md->flags;
	c->keyframe = md->keyframe;
	c->sweep_threads = md->sweep_threads;
	c->events = md->events;
	c->fault_tgid = md->fault_tgid;
	c->fault_every = md->fault_every;
}


static long monster_ioc_get_config(struct monster_dev *md, void __user *arg)
{
	struct monster_config c;

	mutex_lock(&md->lock);
	monster_config_fill(md, &c);
	mutex_unlock(&md->lock);
	return copy_to_user(arg, &c, sizeof(c)) ? -EFAULT : 0;
}

/* Re-allocate the rings: only while nothing else can see them. */
static int monster_resize(struct monster_dev *md, u32 slots, int node)
{
	struct monster_buf *buf;

	if (md->thread || md->open_count > 1 || monster_buf_in_use(md->buf))
		return -EBUSY;
	buf = monster_buf_alloc(slots, node);
	if (!buf)
		return -ENOMEM;
	monster_buf_put(md->buf);
	md->buf = buf;
	md->node = node;
	/* new rings: what they may hold is the one opener's to decide */
	md->kaddr_hidden = !monster_opener_sees_kaddr();
	monster_events_hide_kaddr(md->kaddr_hidden);
	return 0;
}

static long monster_ioc_set_config(struct monster_dev *md, void __user *arg)
{
	struct monster_config c;
	int ret = 0;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~MONSTER_CF_ALL) || c.__pad || c.__pad2)
		return -EINVAL;
	if (!monster_rate_valid(c.rate_hz) || !monster_scope_valid(c.scope) ||
	    !monster_slots_valid(c.ring_slots) || !monster_node_ok(c.numa_node) ||
	    !monster_keyframe_valid(c.keyframe) || !monster_sweep_threads_valid(c.sweep_threads) ||
	    !monster_events_valid(c.events))
		return -EINVAL;
	if (((c.flags & MONSTER_CF_CHANGED_ONLY) && !MONSTER_HAVE_CHANGED_ONLY) ||
	    (c.events & ~monster_events_available()))
		return -EOPNOTSUPP;

	mutex_lock(&md->lock);
	/* the sweep threads are made at start */
	if (c.sweep_threads != md->sweep_threads && md->thread)
		ret = -EBUSY;
	else if (c.ring_slots != md->buf->slots || c.numa_node != md->node)
		ret = monster_resize(md, c.ring_slots, c.numa_node);
	if (!ret) {
		WRITE_ONCE(md->flags, c.flags);
		WRITE_ONCE(md->keyframe, c.keyframe);
		md->sweep_threads = c.sweep_threads;
		WRITE_ONCE(md->rate_hz, c.rate_hz);
		WRITE_ONCE(md->scope, c.scope);
		md->events = c.events;
		md->fault_tgid = c.fault_tgid;
		md->fault_every = c.fault_every;
		/* running: the new events and filters from now on */
		if (md->thread)
			ret = monster_events_set(md, md->events);
		/* let a sleeping sampler pick up a new rate now */
		if (md->thread)
			wake_up_process(md->thread);
	}
	mutex_unlock(&md->lock);
	return ret;
}

static long monster_ioc_stats(struct monster_dev *md, void __user *arg)
{
	struct monster_stats *st;
	long ret = 0;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	monster_stats_get(md, st);
	if (copy_to_user(arg, st, sizeof(*st)))
		ret = -EFAULT;
	kfree(st);
	return ret;
}

static long monster_ioc_sweep_hist(struct monster_dev *md, void __user *arg)
{
	struct monster_sweep_hist *h;
	long ret = 0;

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	monster_sweep_hist_get(md, h);
	if (copy_to_user(arg, h, sizeof(*h)))
		ret = -EFAULT;
	kfree(h);
	return ret;
}

static long monster_ioc_kind_stats(struct monster_dev *md, void __user *arg)
{
	struct monster_kind_stats *ks;
	u64 produced[MONSTER_NR_KINDS], dropped[MONSTER_NR_KINDS];
	unsigned int r, k;
	long ret = 0;

	ks = kzalloc(sizeof(*ks), GFP_KERNEL);
	if (!ks)
		return -ENOMEM;
	mutex_lock(&md->lock);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		monster_ring_kind_counters(&md->buf->ring[r], produced, dropped);
		for (k = 0; k < MONSTER_NR_KINDS; k++) {
			ks->produced[k][r] = produced[k];
			ks->dropped[k][r] = dropped[k];
		}
	}
	monster_events_stats(ks);
	mutex_unlock(&md->lock);
	if (copy_to_user(arg, ks, sizeof(*ks)))
		ret = -EFAULT;
	kfree(ks);
	return ret;
}

static long monster_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct monster_dev *md = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (cmd) {
	case MONSTER_IOC_GET_INFO:
		return monster_ioc_info(md, uarg);
	case MONSTER_IOC_GET_CONFIG:
		return monster_ioc_get_config(md, uarg);
	case MONSTER_IOC_GET_STATS:
		return monster_ioc_stats(md, uarg);
	case MONSTER_IOC_GET_SWEEP_HIST:
		return monster_ioc_sweep_hist(md, uarg);
	case MONSTER_IOC_GET_KIND_STATS:
		return monster_ioc_kind_stats(md, uarg);
	case MONSTER_IOC_START:
	case MONSTER_IOC_STOP:
	case MONSTER_IOC_SET_CONFIG:
	case MONSTER_IOC_RESET:
		break;
	default:
		return -ENOTTY;
	}

	/* control needs a file opened for writing; read-only is observe-only */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	switch (cmd) {
	case MONSTER_IOC_SET_CONFIG:
		return monster_ioc_set_config(md, uarg);
	case MONSTER_IOC_RESET:
		monster_stats_reset(md);
		return 0;
	}
	mutex_lock(&md->lock);
	if (cmd == MONSTER_IOC_START) {
		ret = monster_sampler_start(md);
	} else {
		monster_sampler_stop(md);
		ret = 0;
	}
	mutex_unlock(&md->lock);
	return ret;
}

static const struct file_operations monster_fops = {
	.owner = THIS_MODULE,
	.open = monster_open,
	.release = monster_release,
	.mmap = monster_mmap,
	.poll = monster_poll,
	.unlocked_ioctl = monster_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice monster_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "monster",
	.fops = &monster_fops,
	.mode = 0600,
};

static int __init monster_init(void)
{
	struct monster_dev *md = &monster;
	int ret;

	pr_info("Monster Process Sampler initializing...\n");
	if (!monster_rate_valid(rate_hz) || !monster_slots_valid(ring_slots) ||
	    !monster_node_ok(param_numa_node)) {
		pr_err("bad parameter: rate_hz=%u (1..%u), ring_slots=%u (power of two, %u..%u), numa_node=%d\n",
		       rate_hz, MONSTER_RATE_MAX, ring_slots, MONSTER_SLOTS_MIN,
		       MONSTER_SLOTS_MAX, param_numa_node);
		return -EINVAL;
	}

	mutex_init(&md->lock);
	init_completion(&md->helpers_done);
	monster_shard_init();
	monster_events_init(md);
	spin_lock_init(&md->stats_lock);
	init_waitqueue_head(&md->wq);
	md->sweep_steps = MONSTER_STEP_ALL;
	md->rate_hz = rate_hz;
	md->scope = threads ? MONSTER_SCOPE_THREAD : MONSTER_SCOPE_PROCESS;
	md->node = param_numa_node;
	md->buf = monster_buf_alloc(ring_slots, param_numa_node);
	if (!md->buf) {
		pr_err("cannot allocate %u-slot rings\n", ring_slots);
		return -ENOMEM;
	}

	monster_debugfs_init(md);
	ret = misc_register(&monster_misc);
	if (ret) {
		pr_err("cannot register /dev/monster: %d\n", ret);
		goto fail;
	}
	if (autostart) {
		mutex_lock(&md->lock);
		ret = monster_sampler_start(md);
		mutex_unlock(&md->lock);
		if (ret) {
			misc_deregister(&monster_misc);
			goto fail;
		}
	}

	pr_info("Monster Process Sampler initialized successfully\n");
	pr_info("Sampling at %u Hz, %d rings, ring memory: %zu KiB (%u records of %zu bytes per ring), node %d, %s\n",
		md->rate_hz, MONSTER_NR_RINGS, md->buf->size >> 10, md->buf->slots,
		sizeof(struct monster_sample), md->buf->node,
		autostart ? "running" : "stopped until started");
	return 0;

fail:
	monster_debugfs_exit(md);
	monster_buf_put(md->buf);
	return ret;
}

static void __exit monster_exit(void)
{
	struct monster_dev *md = &monster;

	misc_deregister(&monster_misc);
	mutex_lock(&md->lock);
	monster_sampler_stop(md);
	mutex_unlock(&md->lock);
	monster_debugfs_exit(md);
	monster_buf_put(md->buf);
	pr_info("Monster Process Sampler unloaded\n");
}

module_init(monster_init);
module_exit(monster_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Whole-system process sampler streaming to 15 mmap'd Monster rings");
MODULE_AUTHOR("monster developers");
MODULE_VERSION("0.3.0");
