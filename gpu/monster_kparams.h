/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * monster_kparams.h - the interface between the host (lib/gpu.c) and the
 * CUDA kernel (gpu/monster_kernels.cu): the kernel's one by-value parameter
 * and the per-ring aggregate block it accumulates into. Plain __u32/__u64
 * fields, naturally aligned, so nvcc and the C compiler lay them out alike.
 *
 * Launch: grid (ceil(rows / MONSTER_K_BLOCK), MONSTER_NR_RINGS), block
 * MONSTER_K_BLOCK threads; block (x, r) handles rows [x * B, x * B + B) of
 * ring r. The aggregate block must be zeroed before the launch.
 */
#ifndef MONSTER_KPARAMS_H
#define MONSTER_KPARAMS_H

#include "monster_features.h"

#define MONSTER_K_NAME		"monster_batch_kernel"
#define MONSTER_K_BLOCK		128u	/* threads per block = rows per block */

struct monster_kring {
	__u64 recs;		/* device address of the ring's slot 0 */
	__u64 tail;		/* index of the batch's first record */
	__u32 count;		/* records tail .. tail + count - 1 */
	__u32 mask;		/* ring_slots - 1 */
	__u32 prime;
	__u32 __pad;
};

struct monster_kparams {
	struct monster_kring ring[MONSTER_NR_RINGS];
	__u64 tensor;		/* device address of float[15][rows][10] */
	__u64 agg;		/* device address of struct monster_kagg[15] */
	__u32 rows;		/* N = max count */
	__u32 __pad;
};

struct monster_kagg {
	__u64 fsum[MONSTER_NR_FEATURES][2];	/* per feature: u128 {lo, hi}, 2^-32 units */
	__u32 anomalies;
	__u32 events;		/* records of other kinds than samples: zero rows */
	__u64 __reserved;
};

MONSTER_STATIC_ASSERT(sizeof(struct monster_kring) == 32, "kring size");
MONSTER_STATIC_ASSERT(sizeof(struct monster_kparams) == 32 * MONSTER_NR_RINGS + 24,
		      "kparams size");
MONSTER_STATIC_ASSERT(sizeof(struct monster_kagg) == 176, "kagg size");

#endif /* MONSTER_KPARAMS_H */
