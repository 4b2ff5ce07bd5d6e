/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * lmonster_gpu.h - liblmonster's GPU consumer, its CPU twin, and NUMA
 * placement. Part of liblmonster (same library, same -llmonster).
 *
 *	struct lmonster *h;  struct lmonster_gpu *g;  struct lmonster_cpu *c = NULL;
 *	struct lmonster_batch b;
 *	lmonster_open(NULL, 0, &h);
 *	int err = lmonster_gpu_open(h, 0, 0, &g);
 *	if (err) {				// no driver, no device, built without CUDA
 *		fprintf(stderr, "CPU path: %s\n", lmonster_gpu_strerror(err));
 *		lmonster_cpu_open(h, 0, &c);
 *	}
 *	while (lmonster_wait(h, 1000) == 0)
 *		g ? lmonster_gpu_process(g, 0, &b) : lmonster_cpu_process(c, 0, &b);
 *	lmonster_gpu_close(g); lmonster_cpu_close(c); lmonster_close(h);
 *
 * A batch takes, from every ring, the records [tail, head) that are ready
 * (at most max_rows per ring; head read with an acquire load; the range
 * may wrap around the ring's end), computes the [15, N, 10] tensor
 * (N = the largest count, rows past a ring's count zero), the per-ring
 * aggregates and the two detectors, and then releases the records (one
 * release store of each ring's tail). Only samples have features: a record
 * of another kind (an event) takes its row, all zero, adds nothing to the
 * sums, is no anomaly and is counted in its ring's events. On the GPU the kernel reads the
 * records in place from the ring memory, registered with the CUDA driver
 * (zero copy), and the tails are published only after the kernel has
 * completed. The CPU path computes the same bits: the per-record code is
 * one header compiled by nvcc and the C compiler, and the sums are exact
 * fixed-point integers whose value does not depend on the order of the
 * additions. gpu/monster_features.h defines every step.
 *
 * The CUDA driver is loaded at run time (dlopen("libcuda.so.1"), entry
 * points through cuGetProcAddress): liblmonster neither links against nor
 * needs the NVIDIA driver. LMONSTER_CUDA_LIBRARY in the environment names
 * another driver library to load (ignored in setuid programs).
 *
 * Threads: a processor (struct lmonster_gpu / lmonster_cpu) is used by one
 * thread at a time and is the consumer of all 15 rings of its handle (it
 * claims them). Close processors before their handle; if the handle is
 * closed first, lmonster_close() unregisters the GPU's host memory before
 * unmapping it and the processor's later calls fail with -EBADF.
 */
#ifndef LMONSTER_GPU_H
#define LMONSTER_GPU_H

#include <errno.h>
#include <stddef.h>

#include "lmonster.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Errors of the GPU calls besides the usual ones (-EINVAL, -ENOMEM, ...). */
#define LMONSTER_GPU_ENOCUDA	(-ENOSYS)	/* "built without CUDA" */
#define LMONSTER_GPU_ENODRIVER	(-ELIBACC)	/* "no CUDA driver (libcuda.so.1 not found)" */
#define LMONSTER_GPU_ENODEV	(-ENXIO)	/* "no CUDA device" (or no device N) */
#define LMONSTER_GPU_EDRIVER	(-ELIBBAD)	/* the driver lacks an entry point: too old */
#define LMONSTER_GPU_ENOREG	(-EOPNOTSUPP)	/* the GPU cannot map (read-only) host memory */
#define LMONSTER_GPU_ECUDA	(-EIO)		/* a CUDA call failed: see lmonster_gpu_strerror */

/* Unsigned 128-bit integer, two words. */
struct lmonster_u128 {
	__u64 lo;
	__u64 hi;
};

/* An exact fixed-point sum (units of 2^-32) as a double, for display. */
static inline double lmonster_fix_to_double(struct lmonster_u128 s)
{
	return ((double)s.hi * 18446744073709551616.0 + (double)s.lo) * (1.0 / 4294967296.0);
}

#define LMONSTER_NR_FEATURES	10	/* pid, timestamp, rip, rsp, rax, rbx, rcx, rdx, mem, cpu_time */

struct lmonster_ring_batch {
	__u64 first;		/* ring index of the batch's first record */
	__u32 count;		/* records of this ring in the batch: tensor rows 0..count-1 */
	__u32 anomalies;	/* samples with |T_p(rip) - rax mod 71| > 10 */
	/* exact sums of the ring's tensor columns and of the ring's slice, 2^-32 units */
	struct lmonster_u128 feature_sum[LMONSTER_NR_FEATURES];
	struct lmonster_u128 sum;
	__u32 pattern;		/* samples in the ring and floor(sum) % 8080 == 0 (the 8080 walk) */
	__u32 events;		/* of count: records of other kinds (all-zero rows) */
};

MONSTER_STATIC_ASSERT(sizeof(struct lmonster_ring_batch) == 200, "ring batch size (library ABI)");
MONSTER_OFFSET_IS(struct lmonster_ring_batch, events, 196);

struct lmonster_batch {
	__u32 rows;		/* N of the [15, N, 10] tensor */
	__u32 pattern;		/* the walk pattern on the whole tensor's sum (with samples) */
	__u64 records;		/* records in the batch, all rings */
	__u64 anomalies;
	struct lmonster_u128 sum;	/* the whole tensor's exact sum */
	__u64 compute_ns;	/* GPU: kernel time (CUDA events); CPU: compute time */
	__u64 batch_ns;		/* the whole call */
	struct lmonster_ring_batch ring[MONSTER_NR_RINGS];
};

/* lmonster_*_process() flags */
#define LMONSTER_BATCH_PEEK	(1U << 0)	/* compute, but release nothing */

/*
 * The ready records of a ring, wrap-around included: records first ..
 * first + count - 1 live at base[(first + k) & mask]. Reads head with an
 * acquire load, claims the ring on first use (like lmonster_ring_peek) and
 * returns at most max records (0: no limit). lmonster_ring_release(h,
 * ring, n) releases n <= count of them.
 */
struct lmonster_span {
	const struct monster_sample *base;	/* slot 0 of the ring */
	__u64 first;
	__u32 count;
	__u32 mask;				/* ring_slots - 1 */
};
LMONSTER_API int lmonster_ring_span(struct lmonster *h, unsigned int ring, unsigned int max,
				    struct lmonster_span *span);

/*
 * The batch computation on the CPU for given spans (one per ring): writes
 * the float[15][rows][10] tensor (rows >= every count; rows 0 writes
 * nothing) and fills *b. Touches no ring state. 0 or -EINVAL.
 */
LMONSTER_API int lmonster_compute(const struct lmonster_span spans[MONSTER_NR_RINGS],
				  float *tensor, unsigned int rows, struct lmonster_batch *b);

/* ---- the CPU path ---------------------------------------------------- */
struct lmonster_cpu;
/* max_rows: records per ring per batch, 0 = ring_slots (the most a ring holds). */
LMONSTER_API int lmonster_cpu_open(struct lmonster *h, unsigned int max_rows,
				   struct lmonster_cpu **out);
/* One batch: 0 (also when no records were ready: b->records == 0) or -errno. */
LMONSTER_API int lmonster_cpu_process(struct lmonster_cpu *c, unsigned int flags,
				      struct lmonster_batch *b);
/* The last batch's tensor, float[15][*rows][10], valid until the next batch. */
LMONSTER_API const float *lmonster_cpu_tensor(const struct lmonster_cpu *c, unsigned int *rows);
LMONSTER_API void lmonster_cpu_close(struct lmonster_cpu *c);

/* ---- the GPU path ---------------------------------------------------- */
struct lmonster_gpu;

struct lmonster_gpu_info {
	int ordinal;
	int driver_version;	/* CUDA version the driver supports, e.g. 13000 */
	int cc_major;		/* compute capability */
	int cc_minor;
	int numa_node;		/* from the PCI bus id in sysfs; -1 unknown */
	int read_only;		/* registered with CU_MEMHOSTREGISTER_READ_ONLY */
	int unified_addressing;
	unsigned int max_rows;
	__u64 registered_bytes;	/* ring records registered (mapped for the GPU) */
	__u64 total_mem;
	char name[128];
	char pci_bus_id[32];	/* e.g. "0000:3b:00.0" */
};

/*
 * Open CUDA device `ordinal` for handle h: load the driver, register the
 * handle's ring records (CU_MEMHOSTREGISTER_DEVICEMAP, plus READ_ONLY
 * where the device supports it: the mapping is read-only), load the
 * embedded kernels, allocate the tensor for max_rows rows per ring
 * (0 = ring_slots) in device memory. One GPU processor per handle (-EBUSY).
 * Errors: LMONSTER_GPU_* above, -EINVAL, -EBADFD (control handle), -EBUSY.
 */
LMONSTER_API int lmonster_gpu_open(struct lmonster *h, int ordinal, unsigned int max_rows,
				   struct lmonster_gpu **out);
/* One batch on the GPU; the tails are published after the kernel completed. */
LMONSTER_API int lmonster_gpu_process(struct lmonster_gpu *g, unsigned int flags,
				      struct lmonster_batch *b);
/* Copy the last batch's tensor (15 * rows * 10 floats) to dst; returns the
 * number of floats copied, -ENOSPC if n is too small. */
LMONSTER_API long lmonster_gpu_tensor(struct lmonster_gpu *g, float *dst, size_t n,
				      unsigned int *rows);
/* The tensor in device memory (a CUdeviceptr) and its current rows, for callers' own kernels. */
LMONSTER_API int lmonster_gpu_tensor_device(const struct lmonster_gpu *g, __u64 *dptr,
					    unsigned int *rows);
LMONSTER_API int lmonster_gpu_info(const struct lmonster_gpu *g, struct lmonster_gpu_info *info);
/* Unregister, free, unload. NULL is a no-op. */
LMONSTER_API void lmonster_gpu_close(struct lmonster_gpu *g);
/* 1 if this library was built with the CUDA kernels, else 0. */
LMONSTER_API int lmonster_gpu_built(void);
/*
 * A one-line message for err: the GPU codes above ("no CUDA driver
 * (libcuda.so.1 not found)", "no CUDA device", "built without CUDA", and
 * for CUDA failures the call and the driver's error name), else
 * lmonster_strerror(err). Details of the calling thread's last GPU error.
 */
LMONSTER_API const char *lmonster_gpu_strerror(int err);

/* ---- NUMA placement (libnuma) ---------------------------------------- */
#define LMONSTER_NUMA_UNKNOWN	(-1)
#define LMONSTER_NUMA_MIXED	(-2)	/* the ring pages lie on several nodes */

struct lmonster_numa {
	int available;		/* the kernel and libnuma support NUMA calls */
	int nodes;		/* nodes with memory (1 on a single-node machine) */
	int ring_node;		/* node of the ring pages, or UNKNOWN / MIXED */
	int gpu_node;		/* the GPU's node, UNKNOWN without a GPU or when sysfs says -1 */
	int bound_node;		/* node the calling thread was bound to, or UNKNOWN */
	int mismatch;		/* ring_node and gpu_node known (>= 0) and different */
};

/*
 * The node the ring pages are on: the driver's numa_node when it placed
 * them, else (and for file-backed sets) asked of the kernel page by page.
 */
LMONSTER_API int lmonster_numa_ring_node(struct lmonster *h, int *node);
/* The NUMA node of a PCI device, e.g. "0000:3B:00.0" (any case, 4- or 8-digit domain). */
LMONSTER_API int lmonster_numa_pci_node(const char *pci_bus_id, int *node);
/* Run the calling thread on node's CPUs (numa_run_on_node). A silent no-op
 * (0) for node < 0, without NUMA support, or on a single-node machine. */
LMONSTER_API int lmonster_numa_bind(int node);
/*
 * Everything above at once: ring and GPU nodes (g may be NULL), a warning
 * through the log callback when they differ, and if bind, the calling
 * thread bound to the GPU's node (the ring's without a GPU).
 */
LMONSTER_API int lmonster_numa_setup(struct lmonster *h, const struct lmonster_gpu *g, int bind,
				     struct lmonster_numa *out);

#ifdef __cplusplus
}
#endif

#endif /* LMONSTER_GPU_H */
