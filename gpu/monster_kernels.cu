// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * monster_kernels.cu - the GPU consumer's kernel: reads a batch of records
 * where they lie in the registered (mapped, pinned) ring memory, writes the
 * [15, N, 10] tensor in device memory and accumulates the per-ring
 * aggregates. Built by nvcc into a fatbin (sm_80 and sm_90 SASS, compute_90
 * PTX) that liblmonster embeds and loads with cuModuleLoadData; the host
 * side is lib/gpu.c, the identical CPU computation gpu/cpu_path.c, the
 * per-record arithmetic gpu/monster_features.h (shared by both).
 *
 * Memory: the ring memory is host memory mapped into the GPU's address
 * space: every byte crosses the bus on each read and is not cached for
 * later kernels. Each record is therefore read once, 128 bytes (the prefix
 * holding the ten features), with 16-byte loads, eight consecutive lanes
 * per record so a warp reads four whole prefixes per instruction, into
 * shared memory; ld.global.cv ("fetch again") so no stale line of a reused
 * slot can ever be served. The host launched the kernel only after an
 * acquire load of each ring's head, and publishes the new tail only after
 * the kernel has completed, so the records [tail, tail + count) are
 * complete and stay untouched by the producer while they are read.
 *
 * The prefix holds the record's kind as well: a record of another kind than
 * a sample (an event) gets an all-zero row, no sums and no anomaly, and is
 * counted in its ring's events (monster_row, as on the CPU).
 *
 * Sums are exact fixed-point integers (see monster_features.h): the warp
 * shuffles, the per-block combination and the global atomics may add in
 * any order and still produce the CPU path's bits.
 */
#define MONSTER_HD __host__ __device__
#include "monster_kparams.h"

#define B		MONSTER_K_BLOCK
#define WARPS		(B / 32)
#define STRIDE		(MONSTER_PREFIX_WORDS + 1)	/* staged words per record: +1 against bank conflicts */
#define NF		MONSTER_NR_FEATURES

static_assert(B % 32 == 0, "block is whole warps");
static_assert(sizeof(struct monster_sample) % 16 == 0, "records are 16-byte aligned");

/* Sum a u128 over the warp into lane 0 (modular, so order does not matter). */
static __device__ __forceinline__ void warp_sum_u128(unsigned long long &lo, unsigned long long &hi)
{
#pragma unroll
	for (int off = 16; off > 0; off >>= 1) {
		unsigned long long olo = __shfl_down_sync(0xffffffffu, lo, off);
		unsigned long long ohi = __shfl_down_sync(0xffffffffu, hi, off);
		unsigned long long nlo = lo + olo;

		hi = hi + ohi + (nlo < lo ? 1ull : 0ull);
		lo = nlo;
	}
}

extern "C" __global__ void __launch_bounds__(B)
monster_batch_kernel(const __grid_constant__ struct monster_kparams p)
{
	__shared__ unsigned long long stage[B * STRIDE];
	__shared__ unsigned long long wsum[WARPS][NF][2];

	const unsigned int r = blockIdx.y;
	const struct monster_kring *kr = &p.ring[r];
	const unsigned int t = threadIdx.x;
	const unsigned int row0 = blockIdx.x * B;
	const unsigned int row = row0 + t;
	const unsigned int count = kr->count;
	const unsigned int nrec = count > row0 ? min(count - row0, B) : 0u;
	float out[NF];
	unsigned int anomaly = 0, event = 0;
	int f;

	/* 1. stage this block's record prefixes: 16-byte coalesced loads, wrap by mask */
	for (unsigned int i = t; i < nrec * (MONSTER_FEATURE_PREFIX / 16); i += B) {
		const unsigned int k = i / (MONSTER_FEATURE_PREFIX / 16);
		const unsigned int part = i % (MONSTER_FEATURE_PREFIX / 16);
		const unsigned long long slot = (kr->tail + row0 + k) & kr->mask;
		const uint4 *src = reinterpret_cast<const uint4 *>(
			kr->recs + slot * sizeof(struct monster_sample)) + part;
		const uint4 v = __ldcv(src);
		unsigned long long *dst = &stage[k * STRIDE + part * 2];

		dst[0] = ((unsigned long long)v.y << 32) | v.x;
		dst[1] = ((unsigned long long)v.w << 32) | v.z;
	}
	__syncthreads();

	/* 2. one record per thread: its row and anomaly (events and padding rows are zero) */
#pragma unroll
	for (f = 0; f < NF; f++)
		out[f] = 0.0f;
	if (t < nrec) {
		const __u64 *w = reinterpret_cast<const __u64 *>(&stage[t * STRIDE]);
		const unsigned int kind = monster_kind_words(w);
		__u64 raw[NF];

		monster_raw_features_words(w, raw);
		anomaly = monster_row(raw, kind, kr->prime, out);
		event = kind != MONSTER_KIND_SAMPLE;
	}
	if (row < p.rows) {
		float *dst = reinterpret_cast<float *>(p.tensor) + ((size_t)r * p.rows + row) * NF;

#pragma unroll
		for (f = 0; f < NF; f++)
			dst[f] = out[f];
	}
	if (nrec == 0)		/* block-uniform: nothing to add */
		return;

	/* 3. aggregates: exact u128 sums per feature, anomaly and event counts */
	const unsigned int anomalies = __syncthreads_count(anomaly);
	const unsigned int events = __syncthreads_count(event);
	struct monster_kagg *agg = reinterpret_cast<struct monster_kagg *>(p.agg) + r;

#pragma unroll
	for (f = 0; f < NF; f++) {
		struct monster_u128 x = monster_fix_from_float(out[f]);
		unsigned long long lo = x.lo, hi = x.hi;

		warp_sum_u128(lo, hi);
		if ((t & 31) == 0) {
			wsum[t / 32][f][0] = lo;
			wsum[t / 32][f][1] = hi;
		}
	}
	__syncthreads();
	if (t < NF) {
		struct monster_u128 s = { 0, 0 };

		for (int w = 0; w < WARPS; w++) {
			struct monster_u128 x = { wsum[w][t][0], wsum[w][t][1] };

			s = monster_u128_add(s, x);
		}
		/* a 128-bit atomic add from two 64-bit ones: the carry of the low add goes high */
		unsigned long long *dst = reinterpret_cast<unsigned long long *>(agg->fsum[t]);
		unsigned long long old = atomicAdd(&dst[0], (unsigned long long)s.lo);
		unsigned long long carry = old + s.lo < old ? 1ull : 0ull;

		if (s.hi + carry)
			atomicAdd(&dst[1], (unsigned long long)(s.hi + carry));
	}
	if (t == 0 && anomalies)
		atomicAdd(&agg->anomalies, anomalies);
	if (t == 0 && events)
		atomicAdd(&agg->events, events);
}
