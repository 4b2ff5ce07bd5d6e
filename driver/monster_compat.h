/* SPDX-License-Identifier: GPL-2.0 */
/*
 * monster_compat.h - the only place that knows kernel versions differ.
 * Supported: 6.1 .. 6.12 (Debian 12's kernels and backports).
 */
#ifndef _MONSTER_COMPAT_H
#define _MONSTER_COMPAT_H

#include <linux/mm.h>

/*
 * Features are detected by Kbuild from the kernel's own headers, not
 * guessed from its version, so stable backports are picked up too.
 */
#ifndef MONSTER_HAVE_VM_FLAGS_SET
/* 6.3 made vm_flags read-only and added these accessors. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * Changed-only sweeps compare a task's se.exec_start, kept in the run
 * queue's task clock, with the sched clock. The two are one clock unless
 * the kernel takes IRQ or steal time out of task time; then the mode is
 * not offered.
 */
#if defined(CONFIG_IRQ_TIME_ACCOUNTING) || defined(CONFIG_PARAVIRT_TIME_ACCOUNTING)
#define MONSTER_HAVE_CHANGED_ONLY	0
#else
#define MONSTER_HAVE_CHANGED_ONLY	1
#endif

#endif /* _MONSTER_COMPAT_H */
