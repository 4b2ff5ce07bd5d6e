/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_libcuda.h - the test hooks of tests/unit/fake_libcuda.c, a stand-in
 * libcuda.so.1 that lets the GPU path's host side (driver loading, entry
 * points, registration, launch parameters, ordering of the tail release)
 * run on a machine without a GPU. The test dlopen()s the same file the
 * library loaded and finds these with dlsym.
 *
 * Environment, read on every call:
 *   FAKE_CUDA_DEVICES=N     devices (default 1; 0: cuInit says CUDA_ERROR_NO_DEVICE)
 *   FAKE_CUDA_VERSION=V     driver version (default 13000); asking cuGetProcAddress
 *                           for a newer version fails, as the real driver does
 *   FAKE_CUDA_HIDE=NAME     cuGetProcAddress does not know NAME
 *   FAKE_CUDA_RO=0          READ_ONLY_HOST_REGISTER_SUPPORTED = 0
 *   FAKE_CUDA_FAIL_LAUNCH=1 the kernel "faults": cuStreamSynchronize fails
 *   FAKE_CUDA_NO_BINARY=1   cuModuleLoadData: CUDA_ERROR_NO_BINARY_FOR_GPU
 */
#ifndef FAKE_LIBCUDA_H
#define FAKE_LIBCUDA_H

#include "monster_kparams.h"

struct fake_cuda_stats {
	int registers;		/* successful cuMemHostRegister */
	int unregisters;
	int unregister_unmapped;	/* cuMemHostUnregister of memory no longer mapped */
	unsigned int last_register_flags;
	unsigned long long last_register_bytes;
	int live_registrations;
	int launches;		/* kernels executed */
	int bad_launches;	/* launch configuration or parameters wrong */
	int syncs;
	int live_allocs;	/* cuMemAlloc minus cuMemFree */
	int live_modules;
	int ctx_retains;	/* retained minus released */
	int no_context;		/* calls that needed a current context and had none */
	int resolved_after_launch;	/* entry points resolved after a launch of the same load */
	char last_error[160];	/* the fake's own complaint, if any */
};

typedef void (*fake_cuda_launch_fn)(const struct monster_kparams *kp, void *arg);

/* Copy the counters; reset them (and the launch check). */
void fake_cuda_stats(struct fake_cuda_stats *out);
void fake_cuda_reset(void);
/* Called as each launch executes (inside cuStreamSynchronize), before any later copy. */
void fake_cuda_set_launch_check(fake_cuda_launch_fn fn, void *arg);

#endif /* FAKE_LIBCUDA_H */
