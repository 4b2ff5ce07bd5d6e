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

#endif /* _MONSTER_COMPAT_H */
