// SPDX-License-Identifier: GPL-2.0
/*
 * monster_debugfs.c - /sys/kernel/debug/monster/stats in the shape of the
 * per-ring "Statistics" view, plus the sweep figures.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "monster_dev.h"

static int monster_stats_show(struct seq_file *m, void *unused)
{
	struct monster_dev *md = m->private;
	struct monster_stats *st;
	unsigned int i;
	u64 total = 0;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	monster_stats_get(md, st);

	for (i = 0; i < MONSTER_NR_RINGS; i++)
		total += st->ring[i].produced;
	seq_puts(m, "=== Monster Process Sampler Statistics ===\n");
	seq_printf(m, "Total samples: %llu\n", total);
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		seq_printf(m, "Prime %2u (shard %2u): %llu samples, ring: %llu/%u, dropped: %llu\n",
			   st->ring[i].prime, i, st->ring[i].produced,
			   st->ring[i].fill, st->ring[i].slots,
			   st->ring[i].dropped);
	seq_printf(m, "Running: %s at %u Hz, scope %s\n", st->running ? "yes" : "no",
		   st->rate_hz, st->scope == MONSTER_SCOPE_THREAD ? "thread" : "process");
	seq_printf(m, "Sweeps: %llu, overruns: %llu, tasks last sweep: %llu\n",
		   st->sweeps, st->overruns, st->last_sweep_tasks);
	seq_printf(m, "Sweep time: last %llu ns, max %llu ns, mean %llu ns\n",
		   st->last_sweep_ns, st->max_sweep_ns,
		   st->sweeps ? div64_u64(st->total_sweep_ns, st->sweeps) : 0);
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(monster_stats);

void monster_debugfs_init(struct monster_dev *md)
{
	/* debugfs is optional: errors are not fatal and need no checking */
	md->debugfs = debugfs_create_dir("monster", NULL);
	debugfs_create_file("stats", 0400, md->debugfs, md, &monster_stats_fops);
	debugfs_create_u32("sweep_steps", 0600, md->debugfs, &md->sweep_steps);
}

void monster_debugfs_exit(struct monster_dev *md)
{
	debugfs_remove_recursive(md->debugfs);
}
