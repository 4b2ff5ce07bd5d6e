// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * gpu.c - liblmonster's GPU processor: a CUDA device for a handle, the
 * handle's ring memory registered for zero-copy reads, the embedded kernels
 * launched per batch, the tails published after the kernel completed.
 * Built where CUDA is (gpu_nocuda.c stands in elsewhere); the driver comes
 * from cuda.c at run time.
 *
 * Each processor has its own driver table and uses the device's primary
 * context, pushed around every call, so any thread may use it (one at a
 * time). It registers a close hook on its handle, so lmonster_close()
 * unregisters the ring memory before it unmaps it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lm_internal.h"
#include "lm_cuda.h"
#include "monster_kparams.h"

/* The fatbin of gpu/monster_kernels.cu, embedded by gpu/fatbin.S (64-byte aligned). */
extern const unsigned char lm_gpu_fatbin[] __attribute__((visibility("hidden")));
extern const unsigned char lm_gpu_fatbin_end[] __attribute__((visibility("hidden")));

struct lmonster_gpu {
	struct lm_close_hook close_hook;	/* on h: unregisters before the unmap */
	struct lmonster *h;		/* NULL once the handle was closed */
	struct lm_cu cu;
	CUdevice dev;
	CUcontext ctx;			/* the device's primary context, retained */
	CUmodule mod;
	CUfunction fn;
	CUstream stream;
	CUevent ev[2];
	CUdeviceptr tensor;		/* float[15][max_rows][10] */
	CUdeviceptr agg;		/* struct monster_kagg[15] */
	CUdeviceptr recs;		/* device address of the registered ring records */
	void *reg_ptr;			/* registered host range, NULL when not registered */
	size_t reg_len;
	unsigned int rows;		/* of the last batch */
	struct lmonster_gpu_info info;
	struct monster_kagg host_agg[MONSTER_NR_RINGS];
};

LMONSTER_API int lmonster_gpu_built(void)
{
	return 1;
}

static int lm_push(struct lmonster_gpu *g)
{
	LM_CU_CALL(&g->cu, CtxPushCurrent, (g->ctx));
	return 0;
}

static void lm_pop(struct lmonster_gpu *g)
{
	CUcontext dummy;

	g->cu.CtxPopCurrent(&dummy);
}

static int lm_attr(struct lmonster_gpu *g, CUdevice_attribute a)
{
	int v = 0;

	if (g->cu.DeviceGetAttribute(&v, a, g->dev) != CUDA_SUCCESS)
		return -1;	/* unknown to this driver */
	return v;
}

/* cuInit, the device, its properties, and whether it can map the rings at all. */
static int lm_cu_device(struct lmonster_gpu *g, int ordinal)
{
	struct lmonster_gpu_info *in = &g->info;
	char bus[32];
	size_t mem = 0;
	int n = 0, can_map, can_reg, i;
	CUresult r = g->cu.Init(0);

	if (r == CUDA_ERROR_NO_DEVICE)
		return lm_gpu_fail(LMONSTER_GPU_ENODEV, "no CUDA device");
	if (r != CUDA_SUCCESS)
		return lm_cu_fail(&g->cu, LMONSTER_GPU_ECUDA, r, "cuInit",
				  "the NVIDIA driver is installed but not usable");
	LM_CU_CALL(&g->cu, DeviceGetCount, (&n));
	if (n <= 0)
		return lm_gpu_fail(LMONSTER_GPU_ENODEV, "no CUDA device");
	if (ordinal >= n)
		return lm_gpu_fail(LMONSTER_GPU_ENODEV, "no CUDA device %d (%d present: 0..%d)",
				   ordinal, n, n - 1);
	LM_CU_CALL(&g->cu, DeviceGet, (&g->dev, ordinal));
	in->ordinal = ordinal;
	if (g->cu.DeviceGetName(in->name, (int)sizeof(in->name) - 1, g->dev) != CUDA_SUCCESS)
		snprintf(in->name, sizeof(in->name), "CUDA device %d", ordinal);
	in->name[sizeof(in->name) - 1] = 0;
	in->cc_major = lm_attr(g, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
	in->cc_minor = lm_attr(g, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
	in->unified_addressing = lm_attr(g, CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING) > 0;
	if (g->cu.DeviceTotalMem(&mem, g->dev) == CUDA_SUCCESS)
		in->total_mem = mem;
	in->numa_node = LMONSTER_NUMA_UNKNOWN;
	if (g->cu.DeviceGetPCIBusId(bus, (int)sizeof(bus), g->dev) == CUDA_SUCCESS) {
		bus[sizeof(bus) - 1] = 0;
		for (i = 0; bus[i]; i++)
			in->pci_bus_id[i] = (char)(bus[i] >= 'A' && bus[i] <= 'F' ? bus[i] + 32 : bus[i]);
		if (lmonster_numa_pci_node(bus, &in->numa_node))
			in->numa_node = LMONSTER_NUMA_UNKNOWN;
	}

	can_map = lm_attr(g, CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY);
	can_reg = lm_attr(g, CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED);
	in->read_only = lm_attr(g, CU_DEVICE_ATTRIBUTE_READ_ONLY_HOST_REGISTER_SUPPORTED) > 0;
	if (can_map == 0 || can_reg == 0)
		return lm_gpu_fail(LMONSTER_GPU_ENOREG, "GPU %d (%s) cannot map host memory "
				   "(CAN_MAP_HOST_MEMORY %d, HOST_REGISTER_SUPPORTED %d)",
				   ordinal, in->name, can_map, can_reg);
	/* the records and headers are mapped PROT_READ: a writable pin would fail */
	if (!in->read_only)
		return lm_gpu_fail(LMONSTER_GPU_ENOREG, "GPU %d (%s) cannot register read-only "
				   "host memory (READ_ONLY_HOST_REGISTER_SUPPORTED = 0), and the ring "
				   "records are mapped read-only", ordinal, in->name);
	return 0;
}

/* Why the embedded kernels would not load, in words. */
static const char *lm_module_hint(const struct lmonster_gpu *g, CUresult r, char *buf, size_t len)
{
	switch (r) {
	case CUDA_ERROR_NO_BINARY_FOR_GPU:
	case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
	case CUDA_ERROR_INVALID_PTX:
	case CUDA_ERROR_INVALID_IMAGE:
	case CUDA_ERROR_JIT_COMPILER_NOT_FOUND:
		snprintf(buf, len, "the embedded kernels (sm_80, sm_90 code and compute_90 PTX, "
			 "CUDA %d.%d) do not run on this GPU (sm_%d%d) with this driver (CUDA %d.%d)",
			 CUDA_VERSION / 1000, CUDA_VERSION % 1000 / 10, g->info.cc_major,
			 g->info.cc_minor, g->cu.driver_version / 1000,
			 g->cu.driver_version % 1000 / 10);
		return buf;
	default:
		return NULL;
	}
}

/* Register the handle's ring records for the GPU, load the kernels, allocate. */
static int lm_cu_setup(struct lmonster_gpu *g)
{
	struct lmonster *h = g->h;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t tensor_bytes;
	char hint[256];
	unsigned int flags = CU_MEMHOSTREGISTER_DEVICEMAP | CU_MEMHOSTREGISTER_READ_ONLY;
	CUresult r;

	g->reg_len = ((size_t)h->info.data_size + page - 1) & ~(page - 1);
	r = g->cu.MemHostRegister((void *)h->data, g->reg_len, flags);
	if (r != CUDA_SUCCESS)
		return lm_cu_fail(&g->cu, LMONSTER_GPU_ECUDA, r, "cuMemHostRegister",
				  r == CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED ?
				  "the ring memory is registered already (another CUDA user?)" :
				  "the ring mapping cannot be pinned for the GPU");
	g->reg_ptr = (void *)h->data;
	g->info.registered_bytes = g->reg_len;
	LM_CU_CALL(&g->cu, MemHostGetDevicePointer, (&g->recs, g->reg_ptr, 0));

	r = g->cu.ModuleLoadData(&g->mod, lm_gpu_fatbin);
	if (r != CUDA_SUCCESS) {
		g->mod = NULL;
		return lm_cu_fail(&g->cu, LMONSTER_GPU_ECUDA, r, "cuModuleLoadData",
				  lm_module_hint(g, r, hint, sizeof(hint)));
	}
	LM_CU_CALL(&g->cu, ModuleGetFunction, (&g->fn, g->mod, MONSTER_K_NAME));
	LM_CU_CALL(&g->cu, StreamCreate, (&g->stream, CU_STREAM_NON_BLOCKING));
	LM_CU_CALL(&g->cu, EventCreate, (&g->ev[0], CU_EVENT_DEFAULT));
	LM_CU_CALL(&g->cu, EventCreate, (&g->ev[1], CU_EVENT_DEFAULT));
	tensor_bytes = (size_t)MONSTER_NR_RINGS * g->info.max_rows * MONSTER_NR_FEATURES *
		       sizeof(float);
	LM_CU_CALL(&g->cu, MemAlloc, (&g->tensor, tensor_bytes));
	LM_CU_CALL(&g->cu, MemAlloc, (&g->agg, sizeof(g->host_agg)));
	return 0;
}

/* Unregister the ring memory (before it is unmapped): as the close hook, or once it ran. */
static void lm_gpu_unregister(struct lmonster_gpu *g)
{
	if (!g->reg_ptr)
		return;
	if (lm_push(g) == 0) {
		/* pending work may still read the rings: finish it first */
		if (g->stream)
			g->cu.StreamSynchronize(g->stream);
		g->cu.MemHostUnregister(g->reg_ptr);
		lm_pop(g);
	}
	g->reg_ptr = NULL;
}

static void lm_gpu_teardown(struct lmonster_gpu *g)
{
	lm_gpu_unregister(g);
	if (g->ctx && lm_push(g) == 0) {
		if (g->tensor)
			g->cu.MemFree(g->tensor);
		if (g->agg)
			g->cu.MemFree(g->agg);
		if (g->ev[0])
			g->cu.EventDestroy(g->ev[0]);
		if (g->ev[1])
			g->cu.EventDestroy(g->ev[1]);
		if (g->stream)
			g->cu.StreamDestroy(g->stream);
		if (g->mod)
			g->cu.ModuleUnload(g->mod);
		lm_pop(g);
	}
	if (g->ctx)
		g->cu.DevicePrimaryCtxRelease(g->dev);
	g->ctx = NULL;
}

/* lmonster_close(h) is about to unmap the rings: unregister them and forget h. */
static void lm_gpu_handle_closed(struct lm_close_hook *hook)
{
	struct lmonster_gpu *g = (struct lmonster_gpu *)((char *)hook -
						       offsetof(struct lmonster_gpu, close_hook));

	lm_gpu_unregister(g);
	g->h = NULL;
}

static void lm_gpu_free(struct lmonster_gpu *g)
{
	lm_close_hook_finish(&g->close_hook);	/* off the handle, the ring memory unregistered */
	lm_gpu_teardown(g);
	lm_cu_unload(&g->cu);
	free(g);
}

LMONSTER_API int lmonster_gpu_open(struct lmonster *h, int ordinal, unsigned int max_rows,
				   struct lmonster_gpu **out)
{
	struct lmonster_gpu *g;
	int saved = errno, ret;
	CUresult r;

	lm_gpu_clear();
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!h || ordinal < 0)
		return -EINVAL;
	if ((h->flags & LMONSTER_OPEN_CONTROL) || !lm_mapped(h))
		return -EBADFD;
	if (!max_rows)
		max_rows = h->info.ring_slots;
	if (max_rows > h->info.ring_slots)
		return lm_gpu_fail(-EINVAL, "max_rows %u exceeds the ring size %u", max_rows,
				   h->info.ring_slots);

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->h = h;
	g->info.max_rows = max_rows;
	g->close_hook.fn = lm_gpu_handle_closed;
	if (lm_close_hook_add(h, &g->close_hook)) {
		lm_gpu_free(g);
		return lm_gpu_fail(-EBUSY, "this handle has a GPU processor already");
	}
	ret = lm_cu_load(&g->cu);
	if (!ret) {
		g->info.driver_version = g->cu.driver_version;
		ret = lm_cu_device(g, ordinal);
	}
	if (!ret) {
		r = g->cu.DevicePrimaryCtxRetain(&g->ctx, g->dev);
		if (r != CUDA_SUCCESS) {
			g->ctx = NULL;
			ret = lm_cu_fail(&g->cu, LMONSTER_GPU_ECUDA, r, "cuDevicePrimaryCtxRetain", NULL);
		}
	}
	if (!ret) {
		ret = lm_push(g);
		if (!ret) {
			ret = lm_cu_setup(g);
			lm_pop(g);
		}
	}
	if (ret) {
		struct lm_gpu_error keep;

		/* teardown's CUDA calls must not overwrite the reason */
		lm_gpu_error_save(&keep);
		lm_gpu_free(g);
		lm_gpu_error_restore(&keep);
		errno = saved;
		return ret;
	}
	*out = g;
	return 0;
}

/* Enqueue the batch and wait for it: after this returns 0 the kernel is done. */
static int lm_gpu_run(struct lmonster_gpu *g, struct monster_kparams *kp, float *ms)
{
	void *args[] = { kp };
	unsigned int gx = (kp->rows + MONSTER_K_BLOCK - 1) / MONSTER_K_BLOCK;

	LM_CU_CALL(&g->cu, MemsetD8Async, (g->agg, 0, sizeof(g->host_agg), g->stream));
	LM_CU_CALL(&g->cu, EventRecord, (g->ev[0], g->stream));
	LM_CU_CALL(&g->cu, LaunchKernel, (g->fn, gx, MONSTER_NR_RINGS, 1, MONSTER_K_BLOCK, 1, 1, 0,
				     g->stream, args, NULL));
	LM_CU_CALL(&g->cu, EventRecord, (g->ev[1], g->stream));
	LM_CU_CALL(&g->cu, MemcpyDtoHAsync, (g->host_agg, g->agg, sizeof(g->host_agg), g->stream));
	LM_CU_CALL(&g->cu, StreamSynchronize, (g->stream));
	if (g->cu.EventElapsedTime(ms, g->ev[0], g->ev[1]) != CUDA_SUCCESS)
		*ms = 0;
	return 0;
}

LMONSTER_API int lmonster_gpu_process(struct lmonster_gpu *g, unsigned int flags,
				      struct lmonster_batch *b)
{
	struct lmonster_span spans[MONSTER_NR_RINGS];
	struct monster_kparams kp;
	const unsigned char *base;
	__u64 t0 = lm_now_ns();
	unsigned int rows, r, f;
	float ms = 0;
	int ret;

	lm_gpu_clear();
	if (!g || !b || (flags & ~LMONSTER_BATCH_PEEK))
		return -EINVAL;
	if (!g->h || !g->reg_ptr)
		return lm_gpu_fail(-EBADF, "the lmonster handle of this GPU processor was closed");
	ret = lm_batch_spans(g->h, g->info.max_rows, spans, &rows);
	if (ret)
		return ret;
	if (!rows) {
		g->rows = 0;
		ret = lmonster_compute(spans, NULL, 0, b);	/* the empty batch */
		b->batch_ns = lm_now_ns() - t0;
		return ret;
	}

	memset(&kp, 0, sizeof(kp));
	base = g->reg_ptr;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const unsigned char *rb = (const unsigned char *)spans[r].base;

		if (rb < base || rb + (size_t)(spans[r].mask + 1) * sizeof(struct monster_sample) >
				 base + g->reg_len)
			return lm_gpu_fail(-EBADMSG, "ring %u lies outside the registered memory", r);
		kp.ring[r].recs = g->recs + (CUdeviceptr)(rb - base);
		kp.ring[r].tail = spans[r].first;
		kp.ring[r].count = spans[r].count;
		kp.ring[r].mask = spans[r].mask;
		kp.ring[r].prime = monster_prime(r);
	}
	kp.tensor = g->tensor;
	kp.agg = g->agg;
	kp.rows = rows;

	ret = lm_push(g);
	if (ret)
		return ret;
	ret = lm_gpu_run(g, &kp, &ms);
	lm_pop(g);
	if (ret)
		return ret;	/* nothing released: the records stay for a retry or another path */
	g->rows = rows;

	memset(b, 0, sizeof(*b));
	b->rows = rows;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		struct lmonster_ring_batch *rb = &b->ring[r];

		rb->first = spans[r].first;
		rb->count = spans[r].count;
		rb->anomalies = g->host_agg[r].anomalies;
		rb->events = g->host_agg[r].events;
		for (f = 0; f < MONSTER_NR_FEATURES; f++) {
			rb->feature_sum[f].lo = g->host_agg[r].fsum[f][0];
			rb->feature_sum[f].hi = g->host_agg[r].fsum[f][1];
		}
	}
	lm_batch_finish(b);
	b->compute_ns = (__u64)((double)ms * 1e6);
	/* the kernel has completed (stream synchronized): only now the tails move */
	return lm_batch_end(g->h, spans, flags, t0, b);
}

LMONSTER_API long lmonster_gpu_tensor(struct lmonster_gpu *g, float *dst, size_t n,
				      unsigned int *rows)
{
	size_t need;
	CUresult r;
	int ret;

	lm_gpu_clear();
	if (!g || (!dst && n))
		return -EINVAL;
	need = (size_t)MONSTER_NR_RINGS * g->rows * MONSTER_NR_FEATURES;
	if (rows)
		*rows = g->rows;
	if (n < need)
		return -ENOSPC;
	if (!need)
		return 0;
	ret = lm_push(g);
	if (ret)
		return ret;
	r = g->cu.MemcpyDtoH(dst, g->tensor, need * sizeof(float));
	lm_pop(g);
	if (r != CUDA_SUCCESS)
		return lm_cu_fail(&g->cu, LMONSTER_GPU_ECUDA, r, "cuMemcpyDtoH", NULL);
	return (long)need;
}

LMONSTER_API int lmonster_gpu_tensor_device(const struct lmonster_gpu *g, __u64 *dptr,
					    unsigned int *rows)
{
	if (!g || !dptr)
		return -EINVAL;
	*dptr = g->tensor;
	if (rows)
		*rows = g->rows;
	return 0;
}

LMONSTER_API int lmonster_gpu_info(const struct lmonster_gpu *g, struct lmonster_gpu_info *info)
{
	if (!g || !info)
		return -EINVAL;
	*info = g->info;
	return 0;
}

LMONSTER_API void lmonster_gpu_close(struct lmonster_gpu *g)
{
	int saved = errno;

	if (!g)
		return;
	lm_gpu_free(g);
	errno = saved;
}
