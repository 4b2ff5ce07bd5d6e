/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * lm_gpu_internal.h - liblmonster's private interface between the GPU part
 * (lib/gpu.c, lib/numa.c, gpu/cpu_path.c) and the rest of the library.
 */
#ifndef LM_GPU_INTERNAL_H
#define LM_GPU_INTERNAL_H

#include "lmonster_gpu.h"

/*
 * lmonster_close() calls this first, before it unmaps anything: every GPU
 * processor of h unregisters h's ring memory from CUDA (the driver pins the
 * pages; they must be unregistered while still mapped) and forgets h.
 * open.c references it weakly, so a static program that uses no GPU call
 * does not link lib/gpu.c (and libnuma, the fatbin) in just for this:
 *
 *	extern __typeof__(lm_gpu_handle_closing) lm_gpu_handle_closing
 *		__attribute__((weak));
 *	...
 *	if (lm_gpu_handle_closing)
 *		lm_gpu_handle_closing(h);
 */
void lm_gpu_handle_closing(struct lmonster *h);

/* gpu.c: the spans of all rings for a batch (rows = the largest count) and their release. */
int lm_batch_spans(struct lmonster *h, unsigned int max, struct lmonster_span spans[MONSTER_NR_RINGS],
		   unsigned int *rows);
int lm_batch_release(struct lmonster *h, const struct lmonster_span spans[MONSTER_NR_RINGS]);

/* cpu_path.c: ring sums, patterns and totals from the per-ring feature sums and counts. */
void lm_batch_finish(struct lmonster_batch *b);
__u64 lm_now_ns(void);

#endif /* LM_GPU_INTERNAL_H */
