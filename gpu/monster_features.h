/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * monster_features.h - the per-record computation of the GPU consumer, one
 * source compiled by both nvcc (gpu/monster_kernels.cu) and the C compiler
 * (gpu/cpu_path.c, lib/gpu.c, tests), so the CUDA kernels and the CPU path
 * produce bit-identical results. CUDA code defines MONSTER_HD as
 * __host__ __device__ before including it (as for uapi/monster.h).
 *
 * The consumer's computations (the scaled feature tensor, Hecke anomalies,
 * the 8080 walk pattern), with every rounding step pinned down:
 *
 * Features. For a record of ring r (prime p = monster_prime(r)) the ten raw
 * values, in tensor order, are
 *	0 pid  1 timestamp_ns  2 rip  3 rsp  4 rax  5 rbx  6 rcx  7 rdx
 *	8 mem_bytes  9 cpu_time_ns
 * each an unsigned 64-bit integer (pid zero-extended). Feature f is
 *	x = float(v)		round-to-nearest-even (C's (float)v; CUDA's
 *				__ull2float_rn)
 *	y = x * float(p)	one IEEE single multiply, round to nearest
 *				(__fmul_rn; never contracted into an FMA)
 *	t = y / 71.0f		one IEEE single divide, round to nearest
 *				(__fdiv_rn; never an approximate reciprocal)
 * i.e. `tensor * (prime as f32) / 71.0`, evaluated left to right.
 * No denormal can occur (the smallest non-zero t is 2/71 > 2^-6) and no
 * overflow (t <= 2^64), so flush-to-zero settings do not matter either.
 *
 * Kinds. Only a sample (kind MONSTER_KIND_SAMPLE) has features. A record of
 * any other kind, an event or a kind this code does not know, takes its
 * tensor row like every record, but the row is all zero (+0.0f): it adds
 * nothing to the sums, is no anomaly, and is counted in its ring's events
 * (monster_row).
 *
 * Tensor. A batch takes count[r] records [tail, tail + count) of each ring
 * (the ring's slots wrap: record index i lives in slot i & (slots - 1)).
 * N = max(count[r]); the batch's tensor is float[15][N][10], row k of ring
 * r holding the features of record tail + k, rows count[r]..N-1 all zero
 * (+0.0f), i.e. the 15 rings stacked into one [15, N, 10] tensor.
 *
 * Sums, exactly. Every tensor element t is a non-negative multiple of 2^-32
 * (t >= 2^-6 has at most 24 significant bits above 2^-29), so t * 2^32 is an
 * integer below 2^97, and the sum of a whole batch (at most 15 * 2^18 * 10
 * elements) is an integer below 2^119. Sums are therefore kept as unsigned
 * 128-bit fixed-point integers with 32 fraction bits (struct monster_u128)
 * and added with integer adds: the sum is exact and, integer addition being
 * associative and commutative, the same bits whatever the order or the
 * parallel reduction tree. This is what makes the GPU's atomics and the
 * CPU's loop agree bit for bit. Per ring the aggregates are the ten
 * per-feature sums; the ring's tensor sum (tensor.sum_dim(2).sum_dim(1)
 * for that ring) is their sum, the whole
 * tensor's sum the sum over rings; a double is derived from them only for
 * display (monster_u128_to_double, host side, one fixed formula).
 *
 * "8080 walk pattern" (seed: (sum % 8080.0).abs() < 1.0): with the exact,
 * non-negative sum S this is floor(S) mod 8080 == 0, evaluated exactly on
 * the integer part of the fixed-point value (monster_pattern_hit). A ring
 * with no samples in the batch is not tested (its sum of zero rows would
 * be 0), nor is a batch without samples.
 *
 * Hecke anomaly (seed: |T_p(rip) - rax mod 71| > 10): expected =
 * monster_hecke_op(rip, p) with p the prime of the record's ring, actual =
 * rax mod 71, both in 0..70; anomaly when they differ by more than 10.
 */
#ifndef MONSTER_FEATURES_H
#define MONSTER_FEATURES_H

#include <monster.h>

#ifndef MONSTER_HD
#define MONSTER_HD
#endif

#if !defined(__CUDA_ARCH__)
#include <float.h>
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#error "monster_features.h needs FLT_EVAL_METHOD == 0 (SSE float arithmetic, not x87)"
#endif
#if defined(__FAST_MATH__)
#error "monster_features.h must not be compiled with -ffast-math: results must be IEEE"
#endif
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "monster_features.h reads record words little-endian"
#endif

#define MONSTER_NR_FEATURES	10
#define MONSTER_FIX_FRAC_BITS	32	/* fixed-point sums: 2^-32 units */
#define MONSTER_PATTERN_MOD	8080u	/* the "8080 walk pattern" */
#define MONSTER_ANOMALY_LIMIT	10	/* |T_p(rip) - rax mod 71| > 10 */
/* Bytes of a record the computation reads: the first 128 (fields up to cpu_time_ns). */
#define MONSTER_FEATURE_PREFIX	128u
#define MONSTER_PREFIX_WORDS	(MONSTER_FEATURE_PREFIX / 8)

enum monster_feature {
	MONSTER_F_PID, MONSTER_F_TIMESTAMP, MONSTER_F_RIP, MONSTER_F_RSP, MONSTER_F_RAX,
	MONSTER_F_RBX, MONSTER_F_RCX, MONSTER_F_RDX, MONSTER_F_MEM, MONSTER_F_CPU_TIME,
};

/* Unsigned 128-bit integer as two words, for C and CUDA alike. */
struct monster_u128 {
	__u64 lo;
	__u64 hi;
};

/* Word index (8-byte unit) of each field within a record, for the kernels'
 * word-wise staging of the record prefix; checked against the ABI below. */
#define MONSTER_W_TIMESTAMP	1
#define MONSTER_W_PID		2	/* low half: pid, high half: tgid */
#define MONSTER_W_KIND		4	/* byte 3: kind (state, shard, hecke below it) */
#define MONSTER_KIND_SHIFT	24
#define MONSTER_W_RIP		7
#define MONSTER_W_RSP		8
#define MONSTER_W_RAX		9
#define MONSTER_W_RBX		10
#define MONSTER_W_RCX		11
#define MONSTER_W_RDX		12
#define MONSTER_W_MEM		13
#define MONSTER_W_CPU_TIME	14

MONSTER_OFFSET_IS(struct monster_sample, timestamp_ns, 8 * MONSTER_W_TIMESTAMP);
MONSTER_OFFSET_IS(struct monster_sample, pid, 8 * MONSTER_W_PID);
MONSTER_OFFSET_IS(struct monster_sample, kind, 8 * MONSTER_W_KIND + MONSTER_KIND_SHIFT / 8);
MONSTER_OFFSET_IS(struct monster_sample, rip, 8 * MONSTER_W_RIP);
MONSTER_OFFSET_IS(struct monster_sample, rsp, 8 * MONSTER_W_RSP);
MONSTER_OFFSET_IS(struct monster_sample, rax, 8 * MONSTER_W_RAX);
MONSTER_OFFSET_IS(struct monster_sample, rbx, 8 * MONSTER_W_RBX);
MONSTER_OFFSET_IS(struct monster_sample, rcx, 8 * MONSTER_W_RCX);
MONSTER_OFFSET_IS(struct monster_sample, rdx, 8 * MONSTER_W_RDX);
MONSTER_OFFSET_IS(struct monster_sample, mem_bytes, 8 * MONSTER_W_MEM);
MONSTER_OFFSET_IS(struct monster_sample, cpu_time_ns, 8 * MONSTER_W_CPU_TIME);
MONSTER_STATIC_ASSERT(8 * MONSTER_W_CPU_TIME + 8 <= MONSTER_FEATURE_PREFIX,
		      "features lie in the record prefix");
MONSTER_STATIC_ASSERT(sizeof(struct monster_u128) == 16, "u128 size");

/* The ten raw values of a record, read field by field (the CPU path). */
static inline MONSTER_HD void monster_raw_features(const struct monster_sample *s, __u64 raw[10])
{
	raw[MONSTER_F_PID] = s->pid;
	raw[MONSTER_F_TIMESTAMP] = s->timestamp_ns;
	raw[MONSTER_F_RIP] = s->rip;
	raw[MONSTER_F_RSP] = s->rsp;
	raw[MONSTER_F_RAX] = s->rax;
	raw[MONSTER_F_RBX] = s->rbx;
	raw[MONSTER_F_RCX] = s->rcx;
	raw[MONSTER_F_RDX] = s->rdx;
	raw[MONSTER_F_MEM] = s->mem_bytes;
	raw[MONSTER_F_CPU_TIME] = s->cpu_time_ns;
}

/* The same from a copy of the record's first 16 words (the kernels). */
static inline MONSTER_HD void monster_raw_features_words(const __u64 *w, __u64 raw[10])
{
	raw[MONSTER_F_PID] = (__u32)w[MONSTER_W_PID];
	raw[MONSTER_F_TIMESTAMP] = w[MONSTER_W_TIMESTAMP];
	raw[MONSTER_F_RIP] = w[MONSTER_W_RIP];
	raw[MONSTER_F_RSP] = w[MONSTER_W_RSP];
	raw[MONSTER_F_RAX] = w[MONSTER_W_RAX];
	raw[MONSTER_F_RBX] = w[MONSTER_W_RBX];
	raw[MONSTER_F_RCX] = w[MONSTER_W_RCX];
	raw[MONSTER_F_RDX] = w[MONSTER_W_RDX];
	raw[MONSTER_F_MEM] = w[MONSTER_W_MEM];
	raw[MONSTER_F_CPU_TIME] = w[MONSTER_W_CPU_TIME];
}

/* The record's kind from a copy of its first words (the kernels; the CPU path reads s->kind). */
static inline MONSTER_HD unsigned int monster_kind_words(const __u64 *w)
{
	return (unsigned int)(w[MONSTER_W_KIND] >> MONSTER_KIND_SHIFT) & 0xffu;
}

/* float(v), round to nearest even. */
static inline MONSTER_HD float monster_u64_to_float(__u64 v)
{
#if defined(__CUDA_ARCH__)
	return __ull2float_rn((unsigned long long)v);
#else
	return (float)v;
#endif
}

/* The Hecke scaling of one value: (float(v) * float(p)) / 71.0f, two roundings. */
static inline MONSTER_HD float monster_hecke_scale(__u64 v, __u32 prime)
{
	const float p = (float)prime;	/* exact: primes are < 2^24 */
	float x = monster_u64_to_float(v);
#if defined(__CUDA_ARCH__)
	return __fdiv_rn(__fmul_rn(x, p), 71.0f);
#else
	float y = x * p;

	return y / 71.0f;
#endif
}

/* The record's tensor row. */
static inline MONSTER_HD void monster_features(const __u64 raw[10], __u32 prime, float out[10])
{
	int f;

	for (f = 0; f < MONSTER_NR_FEATURES; f++)
		out[f] = monster_hecke_scale(raw[f], prime);
}

/* The Hecke anomaly rule for a record of a ring with prime p: 0 or 1. */
static inline MONSTER_HD unsigned int monster_anomaly(__u64 rip, __u64 rax, __u32 prime)
{
	int expected = (int)monster_hecke_op(rip, prime);
	int actual = (int)(rax % MONSTER_HECKE_MOD);
	int d = expected - actual;

	return d > MONSTER_ANOMALY_LIMIT || d < -MONSTER_ANOMALY_LIMIT;
}

/*
 * The tensor row of a record of kind with raw values raw, in a ring with
 * prime p, and whether it is a Hecke anomaly (0 or 1): a sample's features,
 * or for any other kind an all-zero row that is no anomaly.
 */
static inline MONSTER_HD unsigned int monster_row(const __u64 raw[10], unsigned int kind,
						  __u32 prime, float out[10])
{
	int f;

	if (kind != MONSTER_KIND_SAMPLE) {
		for (f = 0; f < MONSTER_NR_FEATURES; f++)
			out[f] = 0.0f;
		return 0;
	}
	monster_features(raw, prime, out);
	return monster_anomaly(raw[MONSTER_F_RIP], raw[MONSTER_F_RAX], prime);
}

static inline MONSTER_HD struct monster_u128 monster_u128_add(struct monster_u128 a,
							      struct monster_u128 b)
{
	struct monster_u128 r;

	r.lo = a.lo + b.lo;
	r.hi = a.hi + b.hi + (r.lo < a.lo);
	return r;
}

static inline MONSTER_HD int monster_u128_eq(struct monster_u128 a, struct monster_u128 b)
{
	return a.lo == b.lo && a.hi == b.hi;
}

/*
 * t * 2^32 as an integer, exactly, for every value monster_hecke_scale can
 * return (finite, >= 0, a multiple of 2^-32, < 2^96). Outside that domain:
 * negative values and NaN give 0, +inf and values >= 2^96 saturate to
 * 2^128 - 1, and bits below 2^-32 are truncated.
 */
static inline MONSTER_HD struct monster_u128 monster_fix_from_float(float t)
{
	struct monster_u128 r = { 0, 0 };
	__u32 u, e, m;
	int s;

#if defined(__CUDA_ARCH__)
	u = __float_as_uint(t);
#else
	union { float f; __u32 u; } pun;	/* well-defined in C */

	pun.f = t;
	u = pun.u;
#endif
	if (u >> 31)				/* negative (or -0, -NaN) */
		return r;
	e = u >> 23;
	m = u & 0x7fffffu;
	if (e == 0xff) {			/* inf or NaN */
		if (m)
			return r;
		r.lo = r.hi = ~(__u64)0;
		return r;
	}
	if (e == 0)				/* zero or denormal (< 2^-126): truncates to 0 */
		return r;
	m |= 0x800000u;
	/* value = m * 2^(e - 150); fixed = m * 2^(e - 150 + 32) = m << (e - 118) */
	s = (int)e - 118;
	if (s <= -24)
		return r;
	if (s < 0) {
		r.lo = m >> -s;
	} else if (s == 0) {
		r.lo = m;
	} else if (s < 64) {
		r.lo = (__u64)m << s;
		r.hi = (__u64)m >> (64 - s);
	} else if (s <= 104) {			/* m < 2^24: m << s < 2^128 */
		r.hi = (__u64)m << (s - 64);
	} else {
		r.lo = r.hi = ~(__u64)0;
	}
	return r;
}

/* The pattern test on an exact fixed-point sum: floor(S) mod 8080 == 0. */
static inline MONSTER_HD int monster_pattern_hit(struct monster_u128 s)
{
	/* floor(S) = s >> 32 = hi * 2^32 + (lo >> 32) */
	__u64 hi_mod = s.hi % MONSTER_PATTERN_MOD;
	__u64 v = ((hi_mod << 32) % MONSTER_PATTERN_MOD + ((s.lo >> 32) % MONSTER_PATTERN_MOD));

	return v % MONSTER_PATTERN_MOD == 0;
}

/* For display: S as a double (hi * 2^64 + lo) * 2^-32, one fixed formula. */
static inline MONSTER_HD double monster_u128_to_double(struct monster_u128 s)
{
	return ((double)s.hi * 18446744073709551616.0 + (double)s.lo) * (1.0 / 4294967296.0);
}

#endif /* MONSTER_FEATURES_H */
