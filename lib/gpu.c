// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * gpu.c - liblmonster's GPU consumer: the CUDA driver loaded at run time,
 * the ring memory registered for zero-copy reads, the embedded kernels
 * launched per batch, the tails published after the kernel completed.
 *
 * The driver: dlopen("libcuda.so.1") (RTLD_NODELETE: a driver library is
 * never unloaded), then every entry point through cuGetProcAddress at the
 * CUDA version min(the headers', the driver's), all of them before anything
 * is launched; the types come from cuda.h at compile time only. Built
 * without CUDA (no nvcc/cuda.h), every GPU call returns
 * LMONSTER_GPU_ENOCUDA ("built without CUDA").
 *
 * Each processor has its own function table and uses the device's primary
 * context, pushed around every call, so any thread may use it (one at a
 * time). A process-wide list of processors lets lmonster_close() unregister
 * the ring memory before it unmaps it (lm_gpu_handle_closing).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lm_internal.h"
#include "lm_gpu_internal.h"
#include "monster_kparams.h"

/* ---- errors: a one-line detail per thread for lmonster_gpu_strerror ---- */

static __thread int lm_gpu_errcode;
static __thread char lm_gpu_errmsg[256];

static void lm_gpu_clear(void)
{
	lm_gpu_errcode = 0;
	lm_gpu_errmsg[0] = 0;
}

__attribute__((format(printf, 2, 3)))
static int lm_gpu_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lm_gpu_errmsg, sizeof(lm_gpu_errmsg), fmt, ap);
	va_end(ap);
	lm_gpu_errcode = err;
	lm_log(LMONSTER_LOG_ERR, "gpu: %s", lm_gpu_errmsg);
	return err;
}

LMONSTER_API const char *lmonster_gpu_strerror(int err)
{
	if (err > 0)
		err = -err;
	if (err && err == lm_gpu_errcode && lm_gpu_errmsg[0])
		return lm_gpu_errmsg;
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

/* ---- spans: [tail, head) of every ring, wrap-around included ---- */

LMONSTER_API int lmonster_ring_span(struct lmonster *h, unsigned int ring, unsigned int max,
				    struct lmonster_span *span)
{
	struct lm_ring *r;
	__u64 avail;
	int ret;

	if (!h || !span || ring >= MONSTER_NR_RINGS)
		return -EINVAL;
	memset(span, 0, sizeof(*span));
	if ((h->flags & LMONSTER_OPEN_CONTROL) || !lm_mapped(h))
		return -EBADFD;
	ret = lm_ring_ready(h, ring, &r, &avail);
	if (ret)
		return ret;
	span->base = r->recs;
	span->first = r->tail;
	span->mask = r->mask;
	span->count = (unsigned int)(max && avail > max ? max : avail);
	return 0;
}

int lm_batch_spans(struct lmonster *h, unsigned int max, struct lmonster_span spans[MONSTER_NR_RINGS],
		   unsigned int *rows)
{
	unsigned int r, n = 0;
	int ret;

	if (!h)
		return -EBADF;
	/* all rings at once, so a batch never starts on a ring another consumer holds */
	ret = lmonster_claim(h, LMONSTER_ALL_RINGS);
	if (ret)
		return ret;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		ret = lmonster_ring_span(h, r, max, &spans[r]);
		if (ret)
			return ret;
		if (spans[r].count > n)
			n = spans[r].count;
	}
	*rows = n;
	return 0;
}

/* One release store of each ring's tail, after the batch's last read of its records. */
int lm_batch_release(struct lmonster *h, const struct lmonster_span spans[MONSTER_NR_RINGS])
{
	unsigned int r;
	int ret;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		ret = lmonster_ring_release(h, r, spans[r].count);
		if (ret)
			return ret;
	}
	return 0;
}

#ifdef LMONSTER_HAVE_CUDA
/* =================== built with CUDA =================== */
#include <cuda.h>

/* The fatbin of gpu/monster_kernels.cu, embedded by gpu/fatbin.S (64-byte aligned). */
extern const unsigned char lm_gpu_fatbin[] __attribute__((visibility("hidden")));
extern const unsigned char lm_gpu_fatbin_end[] __attribute__((visibility("hidden")));

#define LM_CUDA_LIBRARY "libcuda.so.1"

/* Every driver entry point used, resolved before anything runs. */
#define LM_CU_FUNCS(X)						\
	X(DriverGetVersion, cuDriverGetVersion)			\
	X(Init, cuInit)						\
	X(GetErrorName, cuGetErrorName)				\
	X(GetErrorString, cuGetErrorString)			\
	X(DeviceGetCount, cuDeviceGetCount)			\
	X(DeviceGet, cuDeviceGet)				\
	X(DeviceGetName, cuDeviceGetName)			\
	X(DeviceGetAttribute, cuDeviceGetAttribute)		\
	X(DeviceGetPCIBusId, cuDeviceGetPCIBusId)		\
	X(DeviceTotalMem, cuDeviceTotalMem)			\
	X(DevicePrimaryCtxRetain, cuDevicePrimaryCtxRetain)	\
	X(DevicePrimaryCtxRelease, cuDevicePrimaryCtxRelease)	\
	X(CtxPushCurrent, cuCtxPushCurrent)			\
	X(CtxPopCurrent, cuCtxPopCurrent)			\
	X(MemHostRegister, cuMemHostRegister)			\
	X(MemHostUnregister, cuMemHostUnregister)		\
	X(MemHostGetDevicePointer, cuMemHostGetDevicePointer)	\
	X(ModuleLoadData, cuModuleLoadData)			\
	X(ModuleUnload, cuModuleUnload)				\
	X(ModuleGetFunction, cuModuleGetFunction)		\
	X(StreamCreate, cuStreamCreate)				\
	X(StreamDestroy, cuStreamDestroy)			\
	X(StreamSynchronize, cuStreamSynchronize)		\
	X(EventCreate, cuEventCreate)				\
	X(EventRecord, cuEventRecord)				\
	X(EventElapsedTime, cuEventElapsedTime)			\
	X(EventDestroy, cuEventDestroy)				\
	X(MemAlloc, cuMemAlloc)					\
	X(MemFree, cuMemFree)					\
	X(MemsetD8Async, cuMemsetD8Async)			\
	X(MemcpyDtoHAsync, cuMemcpyDtoHAsync)			\
	X(MemcpyDtoH, cuMemcpyDtoH)				\
	X(LaunchKernel, cuLaunchKernel)

struct lm_cu {
#define LM_CU_FIELD(f, sym) __typeof__(&sym) f;
	LM_CU_FUNCS(LM_CU_FIELD)
#undef LM_CU_FIELD
};

static const struct {
	const char *name;	/* the base name cuGetProcAddress takes */
	size_t off;
} lm_cu_syms[] = {
#define LM_CU_SYM(f, sym) { #sym, offsetof(struct lm_cu, f) },
	LM_CU_FUNCS(LM_CU_SYM)
#undef LM_CU_SYM
};

typedef CUresult (*lm_gpa2_fn)(const char *, void **, int, cuuint64_t,
			       CUdriverProcAddressQueryResult *);
typedef CUresult (*lm_gpa1_fn)(const char *, void **, int, cuuint64_t);

MONSTER_STATIC_ASSERT(sizeof(void *) == sizeof(lm_gpa2_fn), "function and data pointers");

struct lmonster_gpu {
	struct lmonster_gpu *next;	/* lm_gpu_list */
	struct lmonster *h;		/* NULL once the handle was closed */
	void *dl;
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

/* Every processor, so lmonster_close() can unregister before it unmaps. */
static pthread_mutex_t lm_gpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lmonster_gpu *lm_gpu_list;

LMONSTER_API int lmonster_gpu_built(void)
{
	return 1;
}

/* The detail "cuMemHostRegister: CUDA_ERROR_INVALID_VALUE (invalid argument)". */
static int lm_cu_fail(const struct lmonster_gpu *g, int err, CUresult r, const char *call,
		      const char *hint)
{
	const char *name = NULL, *desc = NULL;

	if (g->cu.GetErrorName && g->cu.GetErrorName(r, &name) != CUDA_SUCCESS)
		name = NULL;
	if (g->cu.GetErrorString && g->cu.GetErrorString(r, &desc) != CUDA_SUCCESS)
		desc = NULL;
	if (name)
		return lm_gpu_fail(err, "%s: %s (%s)%s%s", call, name, desc ? desc : "?",
				   hint ? ": " : "", hint ? hint : "");
	return lm_gpu_fail(err, "%s: CUDA error %d%s%s", call, (int)r, hint ? ": " : "",
			   hint ? hint : "");
}

#define LM_CU_CALL(g, f, args)						\
	do {								\
		CUresult lm_r_ = (g)->cu.f args;			\
		if (lm_r_ != CUDA_SUCCESS)				\
			return lm_cu_fail(g, LMONSTER_GPU_ECUDA, lm_r_, "cu" #f, NULL); \
	} while (0)

static int lm_push(struct lmonster_gpu *g)
{
	LM_CU_CALL(g, CtxPushCurrent, (g->ctx));
	return 0;
}

static void lm_pop(struct lmonster_gpu *g)
{
	CUcontext dummy;

	g->cu.CtxPopCurrent(&dummy);
}

static int lm_cu_sym(struct lmonster_gpu *g, lm_gpa2_fn gpa2, lm_gpa1_fn gpa1, const char *lib,
		     const char *name, size_t off, int version)
{
	CUdriverProcAddressQueryResult st = CU_GET_PROC_ADDRESS_SUCCESS;
	void *p = NULL;
	CUresult r;

	if (gpa2)
		r = gpa2(name, &p, version, CU_GET_PROC_ADDRESS_DEFAULT, &st);
	else
		r = gpa1(name, &p, version, CU_GET_PROC_ADDRESS_DEFAULT);
	if (r != CUDA_SUCCESS || !p || st != CU_GET_PROC_ADDRESS_SUCCESS)
		return lm_gpu_fail(LMONSTER_GPU_EDRIVER,
				   "%s has no %s for CUDA %d.%d: the CUDA driver is too old",
				   lib, name, version / 1000, version % 1000 / 10);
	memcpy((char *)&g->cu + off, &p, sizeof(p));
	return 0;
}

/* dlopen the driver and resolve every entry point. */
static int lm_cu_load(struct lmonster_gpu *g)
{
	const char *lib = secure_getenv("LMONSTER_CUDA_LIBRARY");
	lm_gpa2_fn gpa2;
	lm_gpa1_fn gpa1 = NULL;
	int drv = 0, want, ret;
	CUresult r;
	size_t i;

	if (!lib || !*lib)
		lib = LM_CUDA_LIBRARY;
	g->dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!g->dl) {
		const char *why = dlerror();

		lm_log(LMONSTER_LOG_DEBUG, "gpu: dlopen(%s): %s", lib, why ? why : "?");
		return lm_gpu_fail(LMONSTER_GPU_ENODRIVER, "no CUDA driver (%s not found)", lib);
	}
	gpa2 = (lm_gpa2_fn)dlsym(g->dl, "cuGetProcAddress_v2");
	if (!gpa2)
		gpa1 = (lm_gpa1_fn)dlsym(g->dl, "cuGetProcAddress");
	if (!gpa2 && !gpa1)
		return lm_gpu_fail(LMONSTER_GPU_EDRIVER, "%s has no cuGetProcAddress: the CUDA "
				   "driver is too old (CUDA 11.3 or later needed)", lib);

	/* the driver's version first (an entry point since CUDA 2.2); the rest at
	 * min(driver, headers): a version above the driver's is refused */
	ret = lm_cu_sym(g, gpa2, gpa1, lib, "cuDriverGetVersion",
			offsetof(struct lm_cu, DriverGetVersion), 2020);
	if (ret)
		return ret;
	r = g->cu.DriverGetVersion(&drv);
	if (r != CUDA_SUCCESS || drv < 2020)
		return lm_gpu_fail(LMONSTER_GPU_EDRIVER, "%s: cuDriverGetVersion failed (%d, %d)",
				   lib, (int)r, drv);
	g->info.driver_version = drv;
	want = drv < CUDA_VERSION ? drv : CUDA_VERSION;
	for (i = 0; i < sizeof(lm_cu_syms) / sizeof(lm_cu_syms[0]); i++) {
		ret = lm_cu_sym(g, gpa2, gpa1, lib, lm_cu_syms[i].name, lm_cu_syms[i].off, want);
		if (ret)
			return ret;
	}
	return 0;
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
		return lm_cu_fail(g, LMONSTER_GPU_ECUDA, r, "cuInit",
				  "the NVIDIA driver is installed but not usable");
	LM_CU_CALL(g, DeviceGetCount, (&n));
	if (n <= 0)
		return lm_gpu_fail(LMONSTER_GPU_ENODEV, "no CUDA device");
	if (ordinal >= n)
		return lm_gpu_fail(LMONSTER_GPU_ENODEV, "no CUDA device %d (%d present: 0..%d)",
				   ordinal, n, n - 1);
	LM_CU_CALL(g, DeviceGet, (&g->dev, ordinal));
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
			 g->info.cc_minor, g->info.driver_version / 1000,
			 g->info.driver_version % 1000 / 10);
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
		return lm_cu_fail(g, LMONSTER_GPU_ECUDA, r, "cuMemHostRegister",
				  r == CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED ?
				  "the ring memory is registered already (another CUDA user?)" :
				  "the ring mapping cannot be pinned for the GPU");
	g->reg_ptr = (void *)h->data;
	g->info.registered_bytes = g->reg_len;
	LM_CU_CALL(g, MemHostGetDevicePointer, (&g->recs, g->reg_ptr, 0));

	r = g->cu.ModuleLoadData(&g->mod, lm_gpu_fatbin);
	if (r != CUDA_SUCCESS) {
		g->mod = NULL;
		return lm_cu_fail(g, LMONSTER_GPU_ECUDA, r, "cuModuleLoadData",
				  lm_module_hint(g, r, hint, sizeof(hint)));
	}
	LM_CU_CALL(g, ModuleGetFunction, (&g->fn, g->mod, MONSTER_K_NAME));
	LM_CU_CALL(g, StreamCreate, (&g->stream, CU_STREAM_NON_BLOCKING));
	LM_CU_CALL(g, EventCreate, (&g->ev[0], CU_EVENT_DEFAULT));
	LM_CU_CALL(g, EventCreate, (&g->ev[1], CU_EVENT_DEFAULT));
	tensor_bytes = (size_t)MONSTER_NR_RINGS * g->info.max_rows * MONSTER_NR_FEATURES *
		       sizeof(float);
	LM_CU_CALL(g, MemAlloc, (&g->tensor, tensor_bytes));
	LM_CU_CALL(g, MemAlloc, (&g->agg, sizeof(g->host_agg)));
	return 0;
}

/* Unregister the ring memory (before it is unmapped). Under lm_gpu_lock or unlisted. */
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

static void lm_gpu_free(struct lmonster_gpu *g)
{
	lm_gpu_teardown(g);
	if (g->dl)
		dlclose(g->dl);
	free(g);
}

LMONSTER_API int lmonster_gpu_open(struct lmonster *h, int ordinal, unsigned int max_rows,
				   struct lmonster_gpu **out)
{
	struct lmonster_gpu *g, *it;
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
	pthread_mutex_lock(&lm_gpu_lock);
	for (it = lm_gpu_list; it && it->h != h; it = it->next)
		;
	pthread_mutex_unlock(&lm_gpu_lock);
	if (it)
		return lm_gpu_fail(-EBUSY, "this handle has a GPU processor already");

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->h = h;
	g->info.max_rows = max_rows;
	ret = lm_cu_load(g);
	if (!ret)
		ret = lm_cu_device(g, ordinal);
	if (!ret) {
		r = g->cu.DevicePrimaryCtxRetain(&g->ctx, g->dev);
		if (r != CUDA_SUCCESS) {
			g->ctx = NULL;
			ret = lm_cu_fail(g, LMONSTER_GPU_ECUDA, r, "cuDevicePrimaryCtxRetain", NULL);
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
		int keep_code = lm_gpu_errcode;
		char keep[sizeof(lm_gpu_errmsg)];

		/* teardown's CUDA calls must not overwrite the reason */
		memcpy(keep, lm_gpu_errmsg, sizeof(keep));
		lm_gpu_free(g);
		lm_gpu_errcode = keep_code;
		memcpy(lm_gpu_errmsg, keep, sizeof(keep));
		errno = saved;
		return ret;
	}
	pthread_mutex_lock(&lm_gpu_lock);
	g->next = lm_gpu_list;
	lm_gpu_list = g;
	pthread_mutex_unlock(&lm_gpu_lock);
	*out = g;
	return 0;
}

/* Enqueue the batch and wait for it: after this returns 0 the kernel is done. */
static int lm_gpu_run(struct lmonster_gpu *g, struct monster_kparams *kp, float *ms)
{
	void *args[] = { kp };
	unsigned int gx = (kp->rows + MONSTER_K_BLOCK - 1) / MONSTER_K_BLOCK;

	LM_CU_CALL(g, MemsetD8Async, (g->agg, 0, sizeof(g->host_agg), g->stream));
	LM_CU_CALL(g, EventRecord, (g->ev[0], g->stream));
	LM_CU_CALL(g, LaunchKernel, (g->fn, gx, MONSTER_NR_RINGS, 1, MONSTER_K_BLOCK, 1, 1, 0,
				     g->stream, args, NULL));
	LM_CU_CALL(g, EventRecord, (g->ev[1], g->stream));
	LM_CU_CALL(g, MemcpyDtoHAsync, (g->host_agg, g->agg, sizeof(g->host_agg), g->stream));
	LM_CU_CALL(g, StreamSynchronize, (g->stream));
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
		for (f = 0; f < MONSTER_NR_FEATURES; f++) {
			rb->feature_sum[f].lo = g->host_agg[r].fsum[f][0];
			rb->feature_sum[f].hi = g->host_agg[r].fsum[f][1];
		}
	}
	lm_batch_finish(b);
	b->compute_ns = (__u64)((double)ms * 1e6);
	/* the kernel has completed (stream synchronized): only now the tails move */
	if (!(flags & LMONSTER_BATCH_PEEK)) {
		ret = lm_batch_release(g->h, spans);
		if (ret)
			return ret;
	}
	b->batch_ns = lm_now_ns() - t0;
	return 0;
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
		return lm_cu_fail(g, LMONSTER_GPU_ECUDA, r, "cuMemcpyDtoH", NULL);
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
	struct lmonster_gpu **pp;
	int saved = errno;

	if (!g)
		return;
	pthread_mutex_lock(&lm_gpu_lock);
	for (pp = &lm_gpu_list; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	lm_gpu_unregister(g);
	pthread_mutex_unlock(&lm_gpu_lock);
	lm_gpu_free(g);
	errno = saved;
}

void lm_gpu_handle_closing(struct lmonster *h)
{
	struct lmonster_gpu *g;

	pthread_mutex_lock(&lm_gpu_lock);
	for (g = lm_gpu_list; g; g = g->next) {
		if (g->h != h)
			continue;
		lm_gpu_unregister(g);
		g->h = NULL;
	}
	pthread_mutex_unlock(&lm_gpu_lock);
}

#else
/* =================== built without CUDA =================== */

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

void lm_gpu_handle_closing(struct lmonster *h)
{
	(void)h;
}

#endif /* LMONSTER_HAVE_CUDA */
