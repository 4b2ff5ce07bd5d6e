// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * cuda.c - the CUDA driver loaded at run time: dlopen("libcuda.so.1"), then
 * every entry point of lm_cuda.h through cuGetProcAddress, all of them
 * before anything is launched, and the driver's error names for messages.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lm_internal.h"
#include "lm_cuda.h"

#define LM_CUDA_LIBRARY "libcuda.so.1"

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

int lm_cu_fail(const struct lm_cu *cu, int err, CUresult r, const char *call, const char *hint)
{
	const char *name = NULL, *desc = NULL;

	if (cu->GetErrorName && cu->GetErrorName(r, &name) != CUDA_SUCCESS)
		name = NULL;
	if (cu->GetErrorString && cu->GetErrorString(r, &desc) != CUDA_SUCCESS)
		desc = NULL;
	if (name)
		return lm_gpu_fail(err, "%s: %s (%s)%s%s", call, name, desc ? desc : "?",
				   hint ? ": " : "", hint ? hint : "");
	return lm_gpu_fail(err, "%s: CUDA error %d%s%s", call, (int)r, hint ? ": " : "",
			   hint ? hint : "");
}

static int lm_cu_sym(struct lm_cu *cu, lm_gpa2_fn gpa2, lm_gpa1_fn gpa1, const char *lib,
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
	memcpy((char *)cu + off, &p, sizeof(p));
	return 0;
}

int lm_cu_load(struct lm_cu *cu)
{
	const char *lib = secure_getenv("LMONSTER_CUDA_LIBRARY");
	lm_gpa2_fn gpa2;
	lm_gpa1_fn gpa1 = NULL;
	int drv = 0, want, ret;
	CUresult r;
	size_t i;

	if (!lib || !*lib)
		lib = LM_CUDA_LIBRARY;
	cu->dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!cu->dl) {
		const char *why = dlerror();

		lm_log(LMONSTER_LOG_DEBUG, "gpu: dlopen(%s): %s", lib, why ? why : "?");
		return lm_gpu_fail(LMONSTER_GPU_ENODRIVER, "no CUDA driver (%s not found)", lib);
	}
	gpa2 = (lm_gpa2_fn)dlsym(cu->dl, "cuGetProcAddress_v2");
	if (!gpa2)
		gpa1 = (lm_gpa1_fn)dlsym(cu->dl, "cuGetProcAddress");
	if (!gpa2 && !gpa1)
		return lm_gpu_fail(LMONSTER_GPU_EDRIVER, "%s has no cuGetProcAddress: the CUDA "
				   "driver is too old (CUDA 11.3 or later needed)", lib);

	/* the driver's version first (an entry point since CUDA 2.2); the rest at
	 * min(driver, headers): a version above the driver's is refused */
	ret = lm_cu_sym(cu, gpa2, gpa1, lib, "cuDriverGetVersion",
			offsetof(struct lm_cu, DriverGetVersion), 2020);
	if (ret)
		return ret;
	r = cu->DriverGetVersion(&drv);
	if (r != CUDA_SUCCESS || drv < 2020)
		return lm_gpu_fail(LMONSTER_GPU_EDRIVER, "%s: cuDriverGetVersion failed (%d, %d)",
				   lib, (int)r, drv);
	cu->driver_version = drv;
	want = drv < CUDA_VERSION ? drv : CUDA_VERSION;
	for (i = 0; i < sizeof(lm_cu_syms) / sizeof(lm_cu_syms[0]); i++) {
		ret = lm_cu_sym(cu, gpa2, gpa1, lib, lm_cu_syms[i].name, lm_cu_syms[i].off, want);
		if (ret)
			return ret;
	}
	return 0;
}

void lm_cu_unload(struct lm_cu *cu)
{
	if (cu->dl)
		dlclose(cu->dl);
	cu->dl = NULL;
}
