// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * gpu_error.c - the GPU calls' errors: a one-line detail per thread behind
 * each LMONSTER_GPU_* code, for lmonster_gpu_strerror().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lm_internal.h"

static __thread struct lm_gpu_error lm_gpu_last;

void lm_gpu_clear(void)
{
	lm_gpu_last.code = 0;
	lm_gpu_last.msg[0] = 0;
}

int lm_gpu_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lm_gpu_last.msg, sizeof(lm_gpu_last.msg), fmt, ap);
	va_end(ap);
	lm_gpu_last.code = err;
	lm_log(LMONSTER_LOG_ERR, "gpu: %s", lm_gpu_last.msg);
	return err;
}

void lm_gpu_error_save(struct lm_gpu_error *e)
{
	*e = lm_gpu_last;
}

void lm_gpu_error_restore(const struct lm_gpu_error *e)
{
	lm_gpu_last = *e;
}

LMONSTER_API const char *lmonster_gpu_strerror(int err)
{
	if (err > 0)
		err = -err;
	if (err && err == lm_gpu_last.code && lm_gpu_last.msg[0])
		return lm_gpu_last.msg;
	switch (err) {
	case LMONSTER_GPU_ENOCUDA:
		return "built without CUDA";
	case LMONSTER_GPU_ENODRIVER:
		return "no CUDA driver (libcuda.so.1 not found)";
	case LMONSTER_GPU_ENODEV:
		return "no CUDA device";
	case LMONSTER_GPU_EDRIVER:
		return "the CUDA driver is too old: an entry point is missing";
	case LMONSTER_GPU_ENOREG:
		return "the GPU cannot map the ring memory (no read-only host registration)";
	case LMONSTER_GPU_ECUDA:
		return "a CUDA driver call failed";
	}
	return lmonster_strerror(err);
}
