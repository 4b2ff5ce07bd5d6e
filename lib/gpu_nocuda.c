// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * gpu_nocuda.c - the GPU processor's calls in a library built without CUDA
 * (no nvcc with cuda.h): each says so, LMONSTER_GPU_ENOCUDA, "built without
 * CUDA". The CPU path (cpu_path.c) is the same in both builds.
 */
#include <errno.h>

#include "lm_internal.h"

struct lmonster_gpu {
	int unused;
};

LMONSTER_API int lmonster_gpu_built(void)
{
	return 0;
}

LMONSTER_API int lmonster_gpu_open(struct lmonster *h, int ordinal, unsigned int max_rows,
				   struct lmonster_gpu **out)
{
	(void)h;
	(void)ordinal;
	(void)max_rows;
	lm_gpu_clear();
	if (out)
		*out = NULL;
	return lm_gpu_fail(LMONSTER_GPU_ENOCUDA, "built without CUDA");
}

LMONSTER_API int lmonster_gpu_process(struct lmonster_gpu *g, unsigned int flags,
				      struct lmonster_batch *b)
{
	(void)flags;
	(void)b;
	return g ? LMONSTER_GPU_ENOCUDA : -EINVAL;
}

LMONSTER_API long lmonster_gpu_tensor(struct lmonster_gpu *g, float *dst, size_t n,
				      unsigned int *rows)
{
	(void)dst;
	(void)n;
	(void)rows;
	return g ? LMONSTER_GPU_ENOCUDA : -EINVAL;
}

LMONSTER_API int lmonster_gpu_tensor_device(const struct lmonster_gpu *g, __u64 *dptr,
					    unsigned int *rows)
{
	(void)dptr;
	(void)rows;
	return g ? LMONSTER_GPU_ENOCUDA : -EINVAL;
}

LMONSTER_API int lmonster_gpu_info(const struct lmonster_gpu *g, struct lmonster_gpu_info *info)
{
	(void)info;
	return g ? LMONSTER_GPU_ENOCUDA : -EINVAL;
}

LMONSTER_API void lmonster_gpu_close(struct lmonster_gpu *g)
{
	(void)g;
}
