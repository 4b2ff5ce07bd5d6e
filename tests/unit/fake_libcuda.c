// SPDX-License-Identifier: GPL-2.0
/*
 * fake_libcuda.c - a stand-in libcuda.so.1 for the tests of the GPU path
 * on machines without a GPU (see fake_libcuda.h). It exports only
 * cuGetProcAddress_v2, like a driver whose every other entry point is
 * reached through it, and behaves as the real driver does where the host
 * side can get it wrong:
 *  - cuGetProcAddress refuses a CUDA version above the driver's;
 *  - calls that need a context fail without a current one;
 *  - cuMemHostRegister refuses unmapped memory, overlapping registrations
 *    and a writable pin (no CU_MEMHOSTREGISTER_READ_ONLY) of read-only pages;
 *  - device pointers of registered host memory are the host addresses (UVA);
 *  - stream work is queued and runs only in cuStreamSynchronize, so results
 *    read or tails published before the synchronisation are caught;
 *  - the "kernel" is an emulation of monster_batch_kernel built on the same
 *    monster_features.h, reading records only inside registrations.
 * Not thread-safe (the tests use one thread).
 */
#include <cuda.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_libcuda.h"

#define FAKE_MAX_REG	16
#define FAKE_MAX_OPS	64

struct fake_reg {
	uintptr_t start;
	size_t len;
	unsigned int flags;
};

enum fake_op_kind { OP_MEMSET, OP_LAUNCH, OP_DTOH, OP_EVENT };

struct fake_op {
	enum fake_op_kind kind;
	struct monster_kparams kp;
	unsigned int gx, gy;
	void *dst;
	const void *src;
	size_t n;
	unsigned char val;
};

static struct fake_cuda_stats st;
static struct fake_reg regs[FAKE_MAX_REG];
static struct fake_op ops[FAKE_MAX_OPS];
static int nops;
static int ctx_depth;
static int launched_since_load;
static fake_cuda_launch_fn launch_check;
static void *launch_arg;
static int fake_ctx_obj, fake_mod_obj, fake_fn_obj, fake_stream_obj, fake_event_obj;

void fake_cuda_stats(struct fake_cuda_stats *out)
{
	*out = st;
}

void fake_cuda_reset(void)
{
	int keep_allocs = st.live_allocs, keep_regs = st.live_registrations;

	memset(&st, 0, sizeof(st));
	st.live_allocs = keep_allocs;
	st.live_registrations = keep_regs;
	launch_check = NULL;
	launch_arg = NULL;
}

void fake_cuda_set_launch_check(fake_cuda_launch_fn fn, void *arg)
{
	launch_check = fn;
	launch_arg = arg;
}

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);

	return s && *s ? strtol(s, NULL, 0) : def;
}

static void complain(const char *what)
{
	snprintf(st.last_error, sizeof(st.last_error), "%s", what);
}

static int need_ctx(void)
{
	if (ctx_depth > 0)
		return 1;
	st.no_context++;
	complain("a call that needs a current context had none");
	return 0;
}

/*
 * Whether [a, a + len) is mapped (and, if want_write, writable): from
 * /proc/self/maps, whose lines are sorted and may be adjacent.
 */
static int range_mapped(uintptr_t a, size_t len, int want_write)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t cur = a, end = a + len;
	char line[512];

	if (!f)
		return 0;
	while (cur < end && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (hi <= cur || lo > cur)
			continue;
		if (perms[0] != 'r' || (want_write && perms[1] != 'w'))
			break;
		cur = hi;
	}
	fclose(f);
	return cur >= end;
}

static struct fake_reg *find_reg(uintptr_t p, size_t len)
{
	int i;

	for (i = 0; i < FAKE_MAX_REG; i++)
		if (regs[i].len && p >= regs[i].start && p + len <= regs[i].start + regs[i].len &&
		    p + len >= p)
			return &regs[i];
	return NULL;
}

/* ---- the entry points ---- */

static CUresult f_DriverGetVersion(int *v)
{
	if (!v)
		return CUDA_ERROR_INVALID_VALUE;
	*v = (int)env_long("FAKE_CUDA_VERSION", 13000);
	return CUDA_SUCCESS;
}

static CUresult f_Init(unsigned int flags)
{
	if (flags)
		return CUDA_ERROR_INVALID_VALUE;
	return env_long("FAKE_CUDA_DEVICES", 1) > 0 ? CUDA_SUCCESS : CUDA_ERROR_NO_DEVICE;
}

struct fake_err {
	CUresult r;
	const char *name, *desc;
};

static const struct fake_err errs[] = {
	{ CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument" },
	{ CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected" },
	{ CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context" },
	{ CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid" },
	{ CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU",
	  "no kernel image is available for execution on the device" },
	{ CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure" },
	{ CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED, "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED",
	  "part or all of the requested memory range is already mapped" },
	{ CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED, "CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED",
	  "pointer does not correspond to a registered memory region" },
	{ CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found" },
	{ CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported" },
	{ CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory" },
};

/* errs[]'s entry for r, or NULL */
static const struct fake_err *find_err(CUresult r)
{
	size_t i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].r == r)
			return &errs[i];
	return NULL;
}

static CUresult f_GetErrorName(CUresult r, const char **s)
{
	const struct fake_err *e = find_err(r);

	*s = e ? e->name : NULL;
	return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

static CUresult f_GetErrorString(CUresult r, const char **s)
{
	const struct fake_err *e = find_err(r);

	*s = e ? e->desc : NULL;
	return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

static CUresult f_DeviceGetCount(int *n)
{
	*n = (int)env_long("FAKE_CUDA_DEVICES", 1);
	return CUDA_SUCCESS;
}

static CUresult f_DeviceGet(CUdevice *d, int ordinal)
{
	if (ordinal < 0 || ordinal >= env_long("FAKE_CUDA_DEVICES", 1))
		return CUDA_ERROR_INVALID_VALUE;
	*d = ordinal;
	return CUDA_SUCCESS;
}

static CUresult f_DeviceGetName(char *name, int len, CUdevice d)
{
	(void)d;
	snprintf(name, (size_t)len, "Fake CUDA Device");
	return CUDA_SUCCESS;
}

static CUresult f_DeviceGetAttribute(int *v, CUdevice_attribute a, CUdevice d)
{
	(void)d;
	switch (a) {
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
		*v = 9;
		break;
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
		*v = 0;
		break;
	case CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY:
	case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING:
	case CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED:
		*v = 1;
		break;
	case CU_DEVICE_ATTRIBUTE_READ_ONLY_HOST_REGISTER_SUPPORTED:
		*v = (int)env_long("FAKE_CUDA_RO", 1);
		break;
	default:
		*v = 0;
	}
	return CUDA_SUCCESS;
}

static CUresult f_DeviceGetPCIBusId(char *bus, int len, CUdevice d)
{
	(void)d;
	/* the driver's spelling: upper-case hex; a device that exists in sysfs here */
	snprintf(bus, (size_t)len, "0000:00:00.0");
	return CUDA_SUCCESS;
}

static CUresult f_DeviceTotalMem(size_t *b, CUdevice d)
{
	(void)d;
	*b = (size_t)80 << 30;
	return CUDA_SUCCESS;
}

static CUresult f_DevicePrimaryCtxRetain(CUcontext *c, CUdevice d)
{
	(void)d;
	*c = (CUcontext)&fake_ctx_obj;
	st.ctx_retains++;
	return CUDA_SUCCESS;
}

static CUresult f_DevicePrimaryCtxRelease(CUdevice d)
{
	(void)d;
	st.ctx_retains--;
	return CUDA_SUCCESS;
}

static CUresult f_CtxPushCurrent(CUcontext c)
{
	if (c != (CUcontext)&fake_ctx_obj)
		return CUDA_ERROR_INVALID_CONTEXT;
	ctx_depth++;
	return CUDA_SUCCESS;
}

static CUresult f_CtxPopCurrent(CUcontext *c)
{
	if (ctx_depth <= 0)
		return CUDA_ERROR_INVALID_CONTEXT;
	ctx_depth--;
	if (c)
		*c = (CUcontext)&fake_ctx_obj;
	return CUDA_SUCCESS;
}

static CUresult f_MemHostRegister(void *p, size_t len, unsigned int flags)
{
	uintptr_t a = (uintptr_t)p;
	int i, slot = -1;

	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	if (!p || !len || (a & 4095))
		return CUDA_ERROR_INVALID_VALUE;
	if ((flags & CU_MEMHOSTREGISTER_READ_ONLY) && !env_long("FAKE_CUDA_RO", 1))
		return CUDA_ERROR_NOT_SUPPORTED;
	for (i = 0; i < FAKE_MAX_REG; i++) {
		if (!regs[i].len) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (a < regs[i].start + regs[i].len && regs[i].start < a + len)
			return CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED;
	}
	if (slot < 0)
		return CUDA_ERROR_OUT_OF_MEMORY;
	/* pin_user_pages: the pages must exist, and be writable for a writable pin */
	if (!range_mapped(a, len, !(flags & CU_MEMHOSTREGISTER_READ_ONLY))) {
		complain("cuMemHostRegister of unmapped or (for a writable pin) read-only memory");
		return CUDA_ERROR_INVALID_VALUE;
	}
	regs[slot].start = a;
	regs[slot].len = len;
	regs[slot].flags = flags;
	st.registers++;
	st.live_registrations++;
	st.last_register_flags = flags;
	st.last_register_bytes = len;
	return CUDA_SUCCESS;
}

static CUresult f_MemHostUnregister(void *p)
{
	int i;

	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	for (i = 0; i < FAKE_MAX_REG; i++)
		if (regs[i].len && regs[i].start == (uintptr_t)p) {
			if (!range_mapped(regs[i].start, regs[i].len, 0)) {
				st.unregister_unmapped++;
				complain("cuMemHostUnregister after the memory was unmapped");
			}
			regs[i].len = 0;
			st.unregisters++;
			st.live_registrations--;
			return CUDA_SUCCESS;
		}
	return CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED;
}

static CUresult f_MemHostGetDevicePointer(CUdeviceptr *d, void *p, unsigned int flags)
{
	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	if (flags || !find_reg((uintptr_t)p, 1))
		return CUDA_ERROR_INVALID_VALUE;
	if (!(find_reg((uintptr_t)p, 1)->flags & CU_MEMHOSTREGISTER_DEVICEMAP))
		return CUDA_ERROR_INVALID_VALUE;
	*d = (CUdeviceptr)(uintptr_t)p;
	return CUDA_SUCCESS;
}

static CUresult f_ModuleLoadData(CUmodule *m, const void *image)
{
	unsigned int magic;

	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	if (env_long("FAKE_CUDA_NO_BINARY", 0))
		return CUDA_ERROR_NO_BINARY_FOR_GPU;
	if (!image || ((uintptr_t)image & 7))
		return CUDA_ERROR_INVALID_IMAGE;
	memcpy(&magic, image, 4);
	if (magic != 0xBA55ED50u)	/* a fatbin */
		return CUDA_ERROR_INVALID_IMAGE;
	*m = (CUmodule)&fake_mod_obj;
	st.live_modules++;
	return CUDA_SUCCESS;
}

static CUresult f_ModuleUnload(CUmodule m)
{
	if (m != (CUmodule)&fake_mod_obj)
		return CUDA_ERROR_INVALID_VALUE;
	st.live_modules--;
	return CUDA_SUCCESS;
}

static CUresult f_ModuleGetFunction(CUfunction *f, CUmodule m, const char *name)
{
	if (m != (CUmodule)&fake_mod_obj)
		return CUDA_ERROR_INVALID_VALUE;
	if (strcmp(name, MONSTER_K_NAME))
		return CUDA_ERROR_NOT_FOUND;
	*f = (CUfunction)&fake_fn_obj;
	return CUDA_SUCCESS;
}

static CUresult f_StreamCreate(CUstream *s, unsigned int flags)
{
	(void)flags;
	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	*s = (CUstream)&fake_stream_obj;
	return CUDA_SUCCESS;
}

static CUresult f_StreamDestroy(CUstream s)
{
	(void)s;
	nops = 0;
	return CUDA_SUCCESS;
}

static CUresult f_EventCreate(CUevent *e, unsigned int flags)
{
	(void)flags;
	*e = (CUevent)&fake_event_obj;
	return CUDA_SUCCESS;
}

static CUresult f_EventDestroy(CUevent e)
{
	(void)e;
	return CUDA_SUCCESS;
}

static CUresult f_EventElapsedTime(float *ms, CUevent a, CUevent b)
{
	(void)a;
	(void)b;
	*ms = 0.25f;
	return CUDA_SUCCESS;
}

static CUresult push_op(const struct fake_op *op)
{
	if (nops >= FAKE_MAX_OPS)
		return CUDA_ERROR_OUT_OF_MEMORY;
	ops[nops++] = *op;
	return CUDA_SUCCESS;
}

static CUresult f_EventRecord(CUevent e, CUstream s)
{
	struct fake_op op = { .kind = OP_EVENT };

	(void)e;
	if (s != (CUstream)&fake_stream_obj)
		return CUDA_ERROR_INVALID_VALUE;
	return push_op(&op);
}

static CUresult f_MemAlloc(CUdeviceptr *d, size_t n)
{
	void *p;

	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	p = malloc(n ? n : 1);
	if (!p)
		return CUDA_ERROR_OUT_OF_MEMORY;
	memset(p, 0xA5, n);	/* device memory is not zeroed */
	*d = (CUdeviceptr)(uintptr_t)p;
	st.live_allocs++;
	return CUDA_SUCCESS;
}

static CUresult f_MemFree(CUdeviceptr d)
{
	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	free((void *)(uintptr_t)d);
	st.live_allocs--;
	return CUDA_SUCCESS;
}

static CUresult f_MemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, CUstream s)
{
	struct fake_op op = { .kind = OP_MEMSET, .dst = (void *)(uintptr_t)d, .n = n, .val = v };

	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	if (s != (CUstream)&fake_stream_obj)
		return CUDA_ERROR_INVALID_VALUE;
	return push_op(&op);
}

static CUresult f_MemcpyDtoHAsync(void *dst, CUdeviceptr src, size_t n, CUstream s)
{
	struct fake_op op = { .kind = OP_DTOH, .dst = dst, .src = (const void *)(uintptr_t)src,
			      .n = n };

	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	if (s != (CUstream)&fake_stream_obj)
		return CUDA_ERROR_INVALID_VALUE;
	return push_op(&op);
}

static CUresult f_MemcpyDtoH(void *dst, CUdeviceptr src, size_t n)
{
	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	if (nops)	/* the legacy default stream waits for other work; ours had been synced */
		complain("cuMemcpyDtoH with unsynchronized stream work");
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return CUDA_SUCCESS;
}

static CUresult f_LaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
			       unsigned int bx, unsigned int by, unsigned int bz,
			       unsigned int shmem, CUstream s, void **params, void **extra)
{
	struct fake_op op = { .kind = OP_LAUNCH, .gx = gx, .gy = gy };
	unsigned int r;

	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	if (f != (CUfunction)&fake_fn_obj || s != (CUstream)&fake_stream_obj || !params ||
	    !params[0] || extra || gz != 1 || by != 1 || bz != 1 || bx != MONSTER_K_BLOCK ||
	    gy != MONSTER_NR_RINGS || shmem) {
		st.bad_launches++;
		complain("cuLaunchKernel: wrong function, stream or launch shape");
		return CUDA_ERROR_INVALID_VALUE;
	}
	memcpy(&op.kp, params[0], sizeof(op.kp));
	if ((unsigned long long)gx * MONSTER_K_BLOCK < op.kp.rows ||
	    (gx - 1ull) * MONSTER_K_BLOCK >= op.kp.rows) {
		st.bad_launches++;
		complain("cuLaunchKernel: grid does not cover the rows exactly");
		return CUDA_ERROR_INVALID_VALUE;
	}
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const struct monster_kring *k = &op.kp.ring[r];
		size_t ring_len = ((size_t)k->mask + 1) * sizeof(struct monster_sample);
		const struct fake_reg *reg = find_reg((uintptr_t)k->recs, ring_len);

		if (k->count > op.kp.rows || k->count > k->mask + 1 || (k->mask & (k->mask + 1)) ||
		    k->prime != monster_prime(r) || (k->count && !reg) ||
		    (reg && !(reg->flags & CU_MEMHOSTREGISTER_DEVICEMAP))) {
			st.bad_launches++;
			complain("cuLaunchKernel: a ring's parameters are wrong or outside registered memory");
			return CUDA_ERROR_INVALID_VALUE;
		}
	}
	launched_since_load = 1;
	return push_op(&op);
}

/* monster_batch_kernel, block by block, as the GPU runs it. */
static void run_kernel(const struct fake_op *op)
{
	const struct monster_kparams *p = &op->kp;
	struct monster_kagg *agg = (struct monster_kagg *)(uintptr_t)p->agg;
	float *tensor = (float *)(uintptr_t)p->tensor;
	unsigned int r, bx, t, f;

	for (r = 0; r < op->gy; r++) {
		const struct monster_kring *kr = &p->ring[r];

		for (bx = 0; bx < op->gx; bx++) {
			__u64 stage[MONSTER_K_BLOCK][MONSTER_PREFIX_WORDS];
			unsigned int row0 = bx * MONSTER_K_BLOCK;
			unsigned int nrec = kr->count > row0 ? kr->count - row0 : 0;
			struct monster_u128 bsum[MONSTER_NR_FEATURES];
			unsigned int anomalies = 0, events = 0;

			if (nrec > MONSTER_K_BLOCK)
				nrec = MONSTER_K_BLOCK;
			for (t = 0; t < nrec; t++) {
				__u64 slot = (kr->tail + row0 + t) & kr->mask;

				memcpy(stage[t], (const void *)(uintptr_t)(kr->recs + slot *
				       sizeof(struct monster_sample)), MONSTER_FEATURE_PREFIX);
			}
			memset(bsum, 0, sizeof(bsum));
			for (t = 0; t < MONSTER_K_BLOCK; t++) {
				float out[MONSTER_NR_FEATURES] = { 0 };
				unsigned int row = row0 + t;

				if (t < nrec) {
					unsigned int kind = monster_kind_words(stage[t]);
					__u64 raw[MONSTER_NR_FEATURES];

					monster_raw_features_words(stage[t], raw);
					anomalies += monster_row(raw, kind, kr->prime, out);
					events += kind != MONSTER_KIND_SAMPLE;
				}
				if (row < p->rows)
					memcpy(tensor + ((size_t)r * p->rows + row) * MONSTER_NR_FEATURES,
					       out, sizeof(out));
				for (f = 0; f < MONSTER_NR_FEATURES; f++)
					bsum[f] = monster_u128_add(bsum[f], monster_fix_from_float(out[f]));
			}
			if (!nrec)
				continue;
			for (f = 0; f < MONSTER_NR_FEATURES; f++) {
				struct monster_u128 cur = { agg[r].fsum[f][0], agg[r].fsum[f][1] };

				cur = monster_u128_add(cur, bsum[f]);
				agg[r].fsum[f][0] = cur.lo;
				agg[r].fsum[f][1] = cur.hi;
			}
			agg[r].anomalies += anomalies;
			agg[r].events += events;
		}
	}
}

static CUresult f_StreamSynchronize(CUstream s)
{
	CUresult ret = CUDA_SUCCESS;
	int i;

	if (!need_ctx())
		return CUDA_ERROR_INVALID_CONTEXT;
	if (s != (CUstream)&fake_stream_obj)
		return CUDA_ERROR_INVALID_VALUE;
	st.syncs++;
	for (i = 0; i < nops; i++) {
		struct fake_op *op = &ops[i];

		if (ret != CUDA_SUCCESS)
			break;
		switch (op->kind) {
		case OP_MEMSET:
			memset(op->dst, op->val, op->n);
			break;
		case OP_DTOH:
			memcpy(op->dst, op->src, op->n);
			break;
		case OP_EVENT:
			break;
		case OP_LAUNCH:
			if (launch_check)
				launch_check(&op->kp, launch_arg);
			if (env_long("FAKE_CUDA_FAIL_LAUNCH", 0)) {
				ret = CUDA_ERROR_LAUNCH_FAILED;
				break;
			}
			run_kernel(op);
			st.launches++;
			break;
		}
	}
	nops = 0;
	return ret;
}

static const struct {
	const char *name;
	void *fn;
	int since;	/* CUDA version the entry point (this ABI of it) appeared in */
} syms[] = {
#define S(n, v) { "cu" #n, (void *)f_##n, v }
	S(DriverGetVersion, 2020), S(Init, 2000), S(GetErrorName, 6000), S(GetErrorString, 6000),
	S(DeviceGetCount, 2000), S(DeviceGet, 2000), S(DeviceGetName, 2000),
	S(DeviceGetAttribute, 2000), S(DeviceGetPCIBusId, 4010), S(DeviceTotalMem, 3020),
	S(DevicePrimaryCtxRetain, 7000), S(DevicePrimaryCtxRelease, 11000),
	S(CtxPushCurrent, 4000), S(CtxPopCurrent, 4000), S(MemHostRegister, 6050),
	S(MemHostUnregister, 4000), S(MemHostGetDevicePointer, 3020), S(ModuleLoadData, 2000),
	S(ModuleUnload, 2000), S(ModuleGetFunction, 2000), S(StreamCreate, 2000),
	S(StreamDestroy, 4000), S(StreamSynchronize, 2000), S(EventCreate, 2000),
	S(EventRecord, 2000), S(EventElapsedTime, 2000), S(EventDestroy, 4000),
	S(MemAlloc, 3020), S(MemFree, 3020), S(MemsetD8Async, 3020), S(MemcpyDtoHAsync, 3020),
	S(MemcpyDtoH, 3020), S(LaunchKernel, 4000),
#undef S
};

/* The one exported entry point, as the real driver's. */
CUresult CUDAAPI cuGetProcAddress_v2(const char *symbol, void **pfn, int cudaVersion,
				     cuuint64_t flags, CUdriverProcAddressQueryResult *status)
{
	const char *hide = getenv("FAKE_CUDA_HIDE");
	size_t i;

	(void)flags;
	if (!symbol || !pfn)
		return CUDA_ERROR_INVALID_VALUE;
	*pfn = NULL;
	if (cudaVersion > env_long("FAKE_CUDA_VERSION", 13000))
		return CUDA_ERROR_INVALID_VALUE;	/* as documented for real drivers */
	if (!strcmp(symbol, "cuDriverGetVersion"))
		launched_since_load = 0;	/* a new load starts with this */
	else if (launched_since_load)
		st.resolved_after_launch++;
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if (strcmp(symbol, syms[i].name) || (hide && !strcmp(hide, symbol)))
			continue;
		if (cudaVersion < syms[i].since) {
			if (status)
				*status = CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT;
			return CUDA_SUCCESS;
		}
		*pfn = syms[i].fn;
		if (status)
			*status = CU_GET_PROC_ADDRESS_SUCCESS;
		return CUDA_SUCCESS;
	}
	if (status)
		*status = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
	return CUDA_SUCCESS;
}
