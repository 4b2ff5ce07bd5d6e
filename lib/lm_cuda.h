/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * lm_cuda.h - the CUDA driver API as liblmonster uses it: a table of the
 * driver's entry points, filled at run time (cuda.c), never linked. The
 * types come from cuda.h at compile time only.
 */
#ifndef LM_CUDA_H
#define LM_CUDA_H

#include <cuda.h>

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

/* One loaded driver: its library and every entry point of LM_CU_FUNCS. */
struct lm_cu {
	void *dl;
	int driver_version;	/* what cuDriverGetVersion said, e.g. 13000 */
#define LM_CU_FIELD(f, sym) __typeof__(&sym) f;
	LM_CU_FUNCS(LM_CU_FIELD)
#undef LM_CU_FIELD
};

/*
 * dlopen libcuda.so.1 (or $LMONSTER_CUDA_LIBRARY, not in setuid programs;
 * RTLD_NODELETE: a driver library is never unloaded) and resolve every
 * entry point through cuGetProcAddress at min(the headers', the driver's)
 * CUDA version. 0, or an LMONSTER_GPU_* code with its detail set.
 */
int lm_cu_load(struct lm_cu *cu);
void lm_cu_unload(struct lm_cu *cu);
/* Set the detail "call: CUDA_ERROR_NAME (description): hint" and return err. */
int lm_cu_fail(const struct lm_cu *cu, int err, CUresult r, const char *call, const char *hint);

/* Call an entry point; on failure return LMONSTER_GPU_ECUDA with the detail set. */
#define LM_CU_CALL(cu, f, args)						\
	do {								\
		CUresult lm_r_ = (cu)->f args;				\
		if (lm_r_ != CUDA_SUCCESS)				\
			return lm_cu_fail(cu, LMONSTER_GPU_ECUDA, lm_r_, "cu" #f, NULL); \
	} while (0)

#endif /* LM_CUDA_H */
