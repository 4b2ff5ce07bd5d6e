// SPDX-License-Identifier: GPL-2.0
/*
 * test_gpu_cpu.c - tests of the GPU consumer's computation and plumbing:
 *
 *   test_gpu_cpu --tool PATH [--fake-cuda PATH] [NAME-SUBSTRING...]
 *	the CPU path against a reference written here from the formulas
 *	of monster_features.h's header (plain loops, wide integers, no
 *	shared code), on file-backed rings with wrapped, empty and full
 *	ranges of samples mixed with events and records of unknown kinds
 *	(all-zero rows, counted per ring); the header's arithmetic
 *	against independent implementations; the fallback without a CUDA
 *	driver; the host side of the GPU path against a stand-in driver
 *	(fake_libcuda.c: entry points, registration, launch parameters,
 *	release after completion, unregister before unmap); NUMA reporting;
 *	monster-gpu-consumer end to end.
 *   test_gpu_cpu --check-gpu --tool PATH
 *	on a machine with a GPU: registration (file-backed and, where the
 *	module is loaded, the device), GPU == CPU bit for bit, throughput.
 *	Without one: "SKIP check-gpu: <reason>", exit 0.
 *
 * Output: "PASS <tag>/<name>: <detail>" or "FAIL <tag>/<name>: <why>" per
 * test (tag from UNIT_TAG, default native); exit status 1 on any FAIL.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "lmonster.h"
#include "lmonster_gpu.h"
#include "monster_features.h"
#ifdef LMONSTER_HAVE_CUDA
#include <cuda.h>

#include "fake_libcuda.h"
#endif

/* liblmonster internals, reachable because the test links the static library */
void lm_handle_closing(struct lmonster *h);
#ifdef LMONSTER_HAVE_CUDA
extern const unsigned char lm_gpu_fatbin[];
extern const unsigned char lm_gpu_fatbin_end[];
#endif

typedef unsigned __int128 u128;

/* ---------------------------------------------------------------- harness */

/* -errno checks with the GPU library's message in the failure line */
#define CHECK_RET(expr, want) CHECK_RET_MSG(lmonster_gpu_strerror, expr, want)

static const char *tool_path, *fake_path;

/* ------------------------------------- the reference, from the formulas */

/* float(v), round to nearest even, with integers only */
static float ref_u64_to_float(uint64_t v)
{
	uint64_t m = v;
	int e = 0, msb;
	float f;

	if (!v)
		return 0.0f;
	msb = 63 - __builtin_clzll(v);
	if (msb > 23) {
		int sh = msb - 23;
		uint64_t rem = v & ((1ULL << sh) - 1), half = 1ULL << (sh - 1);

		m = v >> sh;
		if (rem > half || (rem == half && (m & 1)))
			m++;
		e = sh;
		if (m == 1ULL << 24) {
			m >>= 1;
			e++;
		}
	}
	f = (float)m;		/* exact: m < 2^24 */
	while (e-- > 0)
		f *= 2.0f;	/* exact */
	return f;
}

/*
 * tensor * (prime as f32) / 71.0 in single precision. Computed
 * in double and rounded once to float: the product x * p is exact in
 * double, and double carries more than 2 * 24 + 2 bits, so rounding the
 * double quotient to float gives the correctly rounded float quotient.
 */
static float ref_scale(uint64_t v, unsigned int p)
{
	float x = ref_u64_to_float(v);
	float y = (float)((double)x * (double)p);

	return (float)((double)y / 71.0);
}

/* an element as an exact integer count of 2^-32 */
static u128 ref_fix(float t)
{
	return (u128)((double)t * 4294967296.0);
}

/* the 8080 walk pattern, (sum % 8080.0).abs() < 1.0, for the exact non-negative sum */
static int ref_pattern(u128 s)
{
	return (s >> 32) % 8080 == 0;
}

/* the Hecke anomaly, |apply_hecke(rip, shard) - rax % 71| > 10, apply_hecke = (x * p) % 71 */
static int ref_anomaly(uint64_t rip, uint64_t rax, unsigned int p)
{
	long long expected = (long long)(((u128)rip * p) % 71);
	long long actual = (long long)(rax % 71);

	return llabs(expected - actual) > 10;
}

/* only samples (kind 0) have features: any other kind is an all-zero row, no anomaly */
static int ref_is_sample(const struct monster_sample *s)
{
	return s->kind == 0;
}

static void ref_row(const struct monster_sample *s, unsigned int p, float out[10])
{
	const uint64_t v[10] = { s->pid, s->timestamp_ns, s->rip, s->rsp, s->rax, s->rbx,
				 s->rcx, s->rdx, s->mem_bytes, s->cpu_time_ns };
	int f;

	for (f = 0; f < 10; f++)
		out[f] = ref_is_sample(s) ? ref_scale(v[f], p) : 0.0f;
}

static int ref_record_anomaly(const struct monster_sample *s, unsigned int p)
{
	return ref_is_sample(s) && ref_anomaly(s->rip, s->rax, p);
}

static uint32_t fbits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static u128 from_l(struct lmonster_u128 x)
{
	return ((u128)x.hi << 64) | x.lo;
}

/* ------------------------------------------------- records and ring sets */

static const uint64_t specials[] = {
	0, 1, 2, 70, 71, 72, 8080, (1ULL << 24) - 1, 1ULL << 24, (1ULL << 24) + 1, (1ULL << 24) + 3,
	(1ULL << 53) + 1, (1ULL << 63) - 1, 1ULL << 63, (1ULL << 63) + 1, ~0ULL, ~0ULL - 1,
	0xfffffe8000000000ULL, 0xffffff7fffffffffULL, 0x8000008000000000ULL,
};
#define NSPECIAL (sizeof(specials) / sizeof(specials[0]))

static uint64_t val(uint64_t id, int k)
{
	uint64_t x = th_mix(id * 31 + (uint64_t)k);

	switch (x % 8) {
	case 0:
		return specials[(x >> 8) % NSPECIAL];
	case 1:
		return x >> (x % 64);	/* every magnitude */
	case 2:
		return x & 0xffffff;
	default:
		return th_mix(x);
	}
}

static void make_record(struct monster_sample *s, uint64_t id)
{
	memset(s, 0, sizeof(*s));
	s->pid = (uint32_t)(val(id, 0) % 4194304) + (id % 3 ? 1 : 0);
	s->tgid = (uint32_t)th_mix(id);	/* shares the pid's word: must not leak into pid */
	s->timestamp_ns = val(id, 1);
	s->rip = val(id, 2);
	s->rsp = val(id, 3);
	s->rax = val(id, 4);
	s->rbx = val(id, 5);
	s->rcx = val(id, 6);
	s->rdx = val(id, 7);
	s->mem_bytes = val(id, 8);
	s->cpu_time_ns = val(id, 9);
	s->utime_ns = th_mix(id + 1);	/* fields the computation must not read */
	s->start_time_ns = th_mix(id + 2);
	s->seq = th_mix(id + 3);
	snprintf(s->comm, sizeof(s->comm), "r%llu", (unsigned long long)id);
	/* about one in five an event, of every kind, or a kind no consumer knows */
	switch (th_mix(id ^ 0x6b696e64) % 16) {
	case 0: case 1: case 2:
		s->kind = (uint8_t)(1 + id % 5);	/* fork .. reclaim */
		break;
	case 3:
		s->kind = id & 1 ? 6 : 200;	/* reserved, unknown */
		break;
	}
}

#define FX_CAP 4096	/* records remembered per ring */

/* A ring set plus what the test pushed and released, ring by ring. */
struct fixture {
	struct lmonster_producer *p;
	struct lmonster *h;
	unsigned int slots;
	struct monster_sample *recs[MONSTER_NR_RINGS];	/* by ring index, [0, pushed) */
	uint64_t pushed[MONSTER_NR_RINGS];
	uint64_t released[MONSTER_NR_RINGS];
	uint64_t next_id;
};

static void fx_close(struct fixture *fx)
{
	unsigned int r;

	lmonster_close(fx->h);
	lmonster_producer_close(fx->p);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		free(fx->recs[r]);
	memset(fx, 0, sizeof(*fx));
}

/* path NULL: a memfd set; with_handle: also open the consumer handle */
static int fx_open(struct fixture *fx, const char *path, unsigned int slots, int with_handle)
{
	unsigned int r;
	int ret;

	memset(fx, 0, sizeof(*fx));
	fx->slots = slots;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		fx->recs[r] = calloc(FX_CAP, sizeof(struct monster_sample));
		if (!fx->recs[r]) {
			fx_close(fx);
			return -ENOMEM;
		}
	}
	ret = lmonster_producer_create(path, slots, 0, &fx->p);
	if (!ret && with_handle)
		ret = path ? lmonster_open(path, 0, &fx->h)
			   : lmonster_open_fd(lmonster_producer_fd(fx->p), 0, &fx->h);
	if (ret)
		fx_close(fx);
	return ret;
}

/* push a record to ring (or LMONSTER_RING_AUTO); remember it when accepted */
static int fx_push(struct fixture *fx, int ring, const struct monster_sample *s)
{
	int r = ring == LMONSTER_RING_AUTO ? (int)monster_shard(monster_record_combined(s)) : ring;
	int ret = lmonster_producer_push(fx->p, ring, s);

	if (ret)
		return ret;
	if (fx->pushed[r] >= FX_CAP)
		return -E2BIG;
	fx->recs[r][fx->pushed[r]++] = *s;
	return 0;
}

static int fx_push_new(struct fixture *fx, int ring, unsigned int n)
{
	struct monster_sample s;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		make_record(&s, fx->next_id++);
		ret = fx_push(fx, ring, &s);
		if (ret)
			return ret;
	}
	return 0;
}

/* n sharded records; a full ring drops its record (the producer counts it) */
static int fx_push_auto(struct fixture *fx, unsigned int n)
{
	struct monster_sample s;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		make_record(&s, fx->next_id++);
		ret = fx_push(fx, LMONSTER_RING_AUTO, &s);
		if (ret && ret != -ENOBUFS)
			return ret;
	}
	return 0;
}

/* release n records of a ring through the plain consumer API (makes wrapped ranges) */
static int fx_consume(struct fixture *fx, unsigned int ring, unsigned int n)
{
	while (n) {
		const struct monster_sample *recs;
		unsigned int got;
		int ret = lmonster_ring_peek(fx->h, ring, &recs, &got);

		if (ret)
			return ret;
		if (!got)
			return -ENODATA;
		if (got > n)
			got = n;
		ret = lmonster_ring_release(fx->h, ring, got);
		if (ret)
			return ret;
		fx->released[ring] += got;
		n -= got;
	}
	return 0;
}

/*
 * Check a batch and its tensor against the reference: counts[r] records of
 * ring r starting at the fixture's released[r]. why gets the first difference.
 */
static int check_batch(const struct fixture *fx, const struct lmonster_batch *b,
		       const float *tensor, const unsigned int counts[MONSTER_NR_RINGS],
		       char *why, size_t len)
{
	unsigned int r, k, f, rows = 0;
	u128 total = 0;
	uint64_t records = 0, anomalies = 0, samples = 0;

	for (r = 0; r < MONSTER_NR_RINGS; r++)
		rows = counts[r] > rows ? counts[r] : rows;
	if (b->rows != rows) {
		snprintf(why, len, "rows %u, expected %u", b->rows, rows);
		return 0;
	}
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const struct lmonster_ring_batch *rb = &b->ring[r];
		unsigned int p = monster_prime(r), ra = 0, re = 0;
		u128 fs[10] = { 0 }, rs = 0;

		if (rb->count != counts[r] || rb->first != fx->released[r]) {
			snprintf(why, len, "ring %u: first %llu count %u, expected %llu and %u", r,
				 (unsigned long long)rb->first, rb->count,
				 (unsigned long long)fx->released[r], counts[r]);
			return 0;
		}
		for (k = 0; k < rows; k++) {
			float want[10] = { 0 };

			if (k < counts[r]) {
				const struct monster_sample *s = &fx->recs[r][fx->released[r] + k];

				ref_row(s, p, want);
				ra += ref_record_anomaly(s, p);
				re += !ref_is_sample(s);
			}
			for (f = 0; f < 10; f++) {
				uint32_t got = fbits(tensor[((size_t)r * rows + k) * 10 + f]);

				if (got != fbits(want[f])) {
					snprintf(why, len, "tensor[%u][%u][%u] = %08x (%.9g), expected "
						 "%08x (%.9g)", r, k, f, got,
						 (double)tensor[((size_t)r * rows + k) * 10 + f],
						 fbits(want[f]), (double)want[f]);
					return 0;
				}
				fs[f] += ref_fix(want[f]);
			}
		}
		for (f = 0; f < 10; f++) {
			if (from_l(rb->feature_sum[f]) != fs[f]) {
				snprintf(why, len, "ring %u feature %u: sum differs", r, f);
				return 0;
			}
			rs += fs[f];
		}
		if (from_l(rb->sum) != rs || rb->anomalies != ra || rb->events != re ||
		    rb->pattern != (counts[r] > re && ref_pattern(rs))) {
			snprintf(why, len, "ring %u: sum/anomalies %u (want %u)/events %u (want %u)/"
				 "pattern %u differ", r, rb->anomalies, ra, rb->events, re,
				 rb->pattern);
			return 0;
		}
		total += rs;
		records += counts[r];
		samples += counts[r] - re;
		anomalies += ra;
	}
	if (b->records != records || b->anomalies != anomalies || from_l(b->sum) != total ||
	    b->pattern != (samples > 0 && ref_pattern(total))) {
		snprintf(why, len, "batch totals differ: records %llu/%llu anomalies %llu/%llu",
			 (unsigned long long)b->records, (unsigned long long)records,
			 (unsigned long long)b->anomalies, (unsigned long long)anomalies);
		return 0;
	}
	return 1;
}

/* the counts a batch of at most max (0: no limit) per ring will take */
static void fx_expect(const struct fixture *fx, unsigned int max, unsigned int counts[MONSTER_NR_RINGS])
{
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		uint64_t avail = fx->pushed[r] - fx->released[r];

		counts[r] = (unsigned int)(max && avail > max ? max : avail);
	}
}

static void fx_advance(struct fixture *fx, const unsigned int counts[MONSTER_NR_RINGS])
{
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++)
		fx->released[r] += counts[r];
}

/*
 * The scenarios on a set of S slots per ring: a range wrapping the ring's end, a full
 * ring (and a dropped record), an empty ring, a range starting at slot 0
 * after a whole lap, a two-record range straddling the wrap, random
 * others, and ring 14 holding records whose tensor sum is exactly 8080.
 */
static int fx_scenario(struct fixture *fx, uint64_t seed)
{
	struct monster_sample s;
	unsigned int r;
	int ret = 0;

	const unsigned int S = fx->slots;

	fx->next_id = seed * 100000;
	ret = fx_push_new(fx, 0, S - 4);
	ret = ret ? ret : fx_consume(fx, 0, S - 14);
	ret = ret ? ret : fx_push_new(fx, 0, 40);		/* [S - 14, S + 36): wraps */
	ret = ret ? ret : fx_push_new(fx, 1, S);		/* full */
	if (!ret && lmonster_producer_push(fx->p, 1, &s) != -ENOBUFS)
		return -EPROTO;					/* (s is anything: dropped) */
	ret = ret ? ret : fx_push_new(fx, 3, S);
	ret = ret ? ret : fx_consume(fx, 3, S);
	ret = ret ? ret : fx_push_new(fx, 3, 10);		/* [S, S + 10): slot 0 after a lap */
	ret = ret ? ret : fx_push_new(fx, 4, S - 1);
	ret = ret ? ret : fx_consume(fx, 4, S - 1);
	ret = ret ? ret : fx_push_new(fx, 4, 2);		/* slots S - 1 and 0 */
	for (r = 5; r < 14 && !ret; r++) {
		unsigned int pre = (unsigned int)(th_mix(seed * 15 + r) % S);
		unsigned int n = (unsigned int)(th_mix(seed * 15 + r + 1000) % (S + 1));

		ret = fx_push_new(fx, (int)r, pre);
		ret = ret ? ret : fx_consume(fx, r, pre);
		ret = ret ? ret : fx_push_new(fx, (int)r, n);
	}
	/* ring 14 (prime 71, x * 71 / 71 == x for these): 8000 + 80 = 8080 */
	memset(&s, 0, sizeof(s));
	s.pid = 8000;
	s.timestamp_ns = 80;
	ret = ret ? ret : fx_push(fx, 14, &s);
	return ret;
}

/* ------------------------------------------------------------ the tests */

static void t_header_arith(void)
{
	unsigned long n = th_scale(300000), i;
	unsigned int p, k;

	/* float conversion and Hecke scaling vs integer-only and double-based references */
	for (i = 0; i < n + NSPECIAL; i++) {
		uint64_t v = i < NSPECIAL ? specials[i] : val(i, (int)(i % 10));
		float a = monster_u64_to_float(v);

		CHECK(fbits(a) == fbits(ref_u64_to_float(v)), "float(%llu): %08x, expected %08x",
		      (unsigned long long)v, fbits(a), fbits(ref_u64_to_float(v)));
		for (p = 0; p < MONSTER_NR_RINGS; p++) {
			float t = monster_hecke_scale(v, monster_prime(p));
			struct monster_u128 fx = monster_fix_from_float(t);

			CHECK(fbits(t) == fbits(ref_scale(v, monster_prime(p))),
			      "scale(%llu, %u) = %08x, expected %08x", (unsigned long long)v,
			      monster_prime(p), fbits(t), fbits(ref_scale(v, monster_prime(p))));
			CHECK((((u128)fx.hi << 64) | fx.lo) == ref_fix(t), "fix(%.9g) differs",
			      (double)t);
			CHECK(!monster_anomaly(v, v, monster_prime(p)) ==
			      !ref_anomaly(v, v, monster_prime(p)), "anomaly(%llu, %llu)",
			      (unsigned long long)v, (unsigned long long)v);
		}
		CHECK(monster_anomaly(v, th_mix(v), monster_prime(i % 15)) ==
		      (unsigned int)ref_anomaly(v, th_mix(v), monster_prime(i % 15)),
		      "anomaly(%llu, %llu, %u)", (unsigned long long)v,
		      (unsigned long long)th_mix(v), monster_prime(i % 15));
	}
	/* the fixed-point conversion outside the features' domain */
	{
		struct monster_u128 z = monster_fix_from_float(-1.0f), big;
		float inf = 1e30f * 1e30f, tiny = 1.0f / 1099511627776.0f;	/* 2^-40 */

		CHECK(!z.lo && !z.hi, "fix(-1) is not 0");
		big = monster_fix_from_float(inf);
		CHECK(big.lo == ~0ULL && big.hi == ~0ULL, "fix(inf) does not saturate");
		z = monster_fix_from_float(tiny);
		CHECK(!z.lo && !z.hi, "fix(2^-40) does not truncate to 0");
		z = monster_fix_from_float(0.5f);
		CHECK(z.lo == 1ULL << 31 && !z.hi, "fix(0.5)");
		big = monster_fix_from_float(18446744073709551616.0f);	/* 2^64 */
		CHECK(big.lo == 0 && big.hi == 1ULL << 32, "fix(2^64)");
	}
	/* the pattern test on exact sums: around multiples of 8080 */
	for (i = 0; i < n / 10; i++) {
		u128 s = ((u128)th_mix(i) << 64 | th_mix(i + 7)) >> (th_mix(i + 3) % 100);
		struct monster_u128 m;

		if (i % 3 == 0)	/* k * 8080 + a fraction */
			s = ((u128)(th_mix(i) % 1000000007ULL) * 8080 << 32) +
			    (th_mix(i + 1) & 0xffffffff);
		m.lo = (uint64_t)s;
		m.hi = (uint64_t)(s >> 64);
		CHECK(monster_pattern_hit(m) == ref_pattern(s), "pattern(%llx%016llx)",
		      (unsigned long long)m.hi, (unsigned long long)m.lo);
	}
	/* the kernels' word-wise read of a record equals the field-wise one */
	for (i = 0; i < 1000; i++) {
		struct monster_sample s;
		__u64 w[24], a[10], b[10];

		make_record(&s, i);
		memcpy(w, &s, sizeof(s));
		monster_raw_features(&s, a);
		monster_raw_features_words(w, b);
		CHECK(monster_kind_words(w) == s.kind, "record %lu: kind %u from the words, %u",
		      i, monster_kind_words(w), s.kind);
		for (k = 0; k < 10; k++)
			CHECK(a[k] == b[k], "record %lu feature %u: words %llx, fields %llx", i, k,
			      (unsigned long long)b[k], (unsigned long long)a[k]);
	}
	PASSED("%lu values x 15 primes: float conversion, Hecke scaling, fixed point, anomaly "
	       "and pattern rules equal independent references", n + NSPECIAL);
out:
	return;
}

static void t_cpu_scenarios(void)
{
	struct fixture fx;
	struct lmonster_cpu *c = NULL;
	struct lmonster_batch b, b2;
	struct monster_stats st;
	unsigned int counts[MONSTER_NR_RINGS], rows, r;
	const float *tensor;
	char why[256];
	int fds = th_count_fds(), seed;

	memset(&fx, 0, sizeof(fx));
	for (seed = 1; seed <= 3; seed++) {
		CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
		CHECK_RET(fx_scenario(&fx, (uint64_t)seed), 0);
		CHECK_RET(lmonster_cpu_open(fx.h, 0, &c), 0);

		/* peek: computed, nothing released */
		fx_expect(&fx, 0, counts);
		CHECK(counts[0] == 50 && counts[1] == fx.slots && counts[2] == 0 && counts[3] == 10 &&
		      counts[4] == 2 && counts[14] == 1, "scenario counts");
		CHECK_RET(lmonster_cpu_process(c, LMONSTER_BATCH_PEEK, &b), 0);
		tensor = lmonster_cpu_tensor(c, &rows);
		CHECK(tensor && rows == 64, "tensor rows %u", rows);
		CHECK(check_batch(&fx, &b, tensor, counts, why, sizeof(why)), "seed %d peek: %s",
		      seed, why);
		CHECK(b.ring[14].pattern == 1, "ring 14 sums to 8080: no pattern seen");

		/* the real batch: same answer, then the rings are empty */
		CHECK_RET(lmonster_cpu_process(c, 0, &b2), 0);
		CHECK(check_batch(&fx, &b2, lmonster_cpu_tensor(c, NULL), counts, why, sizeof(why)),
		      "seed %d: %s", seed, why);
		fx_advance(&fx, counts);
		CHECK_RET(lmonster_stats(fx.h, &st), 0);
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			CHECK(st.ring[r].fill == 0 && st.ring[r].tail == fx.pushed[r],
			      "ring %u: tail %llu fill %llu after the batch", r,
			      (unsigned long long)st.ring[r].tail, (unsigned long long)st.ring[r].fill);
		CHECK(st.ring[1].dropped == 1, "ring 1 drop not counted");
		CHECK_RET(lmonster_cpu_process(c, 0, &b), 0);
		CHECK(b.records == 0 && b.rows == 0 && !b.pattern, "empty batch: %llu records",
		      (unsigned long long)b.records);

		/* a single crafted record alone: the whole tensor's sum is 8080 */
		{
			struct monster_sample s;

			memset(&s, 0, sizeof(s));
			s.pid = 8000;
			s.timestamp_ns = 80;
			CHECK_RET(fx_push(&fx, 14, &s), 0);
			s.timestamp_ns = 81;	/* 8081: no */
			CHECK_RET(fx_push(&fx, 14, &s), 0);
			fx_expect(&fx, 1, counts);
		}
		lmonster_cpu_close(c);
		c = NULL;
		CHECK_RET(lmonster_cpu_open(fx.h, 1, &c), 0);
		CHECK_RET(lmonster_cpu_process(c, 0, &b), 0);
		CHECK(check_batch(&fx, &b, lmonster_cpu_tensor(c, NULL), counts, why, sizeof(why)),
		      "8080 batch: %s", why);
		CHECK(b.pattern == 1 && b.ring[14].pattern == 1, "8080 alone: no pattern");
		fx_advance(&fx, counts);
		fx_expect(&fx, 1, counts);
		CHECK_RET(lmonster_cpu_process(c, 0, &b), 0);
		CHECK(check_batch(&fx, &b, lmonster_cpu_tensor(c, NULL), counts, why, sizeof(why)),
		      "8081 batch: %s", why);
		CHECK(b.pattern == 0 && b.ring[14].pattern == 0, "8081: a pattern");
		lmonster_cpu_close(c);
		c = NULL;
		fx_close(&fx);
	}
	CHECK(th_count_fds() == fds, "file descriptors leaked: %d -> %d", fds, th_count_fds());
	PASSED("3 seeds: wrapped, full (+1 dropped), empty, lapped and straddling ranges; tensor, "
	       "sums, anomalies and patterns equal the reference; tails released after the batch");
out:
	lmonster_cpu_close(c);
	fx_close(&fx);
}

static void t_cpu_capped(void)
{
	struct fixture fx;
	struct lmonster_cpu *c = NULL, *c2 = NULL;
	struct lmonster_batch b;
	unsigned int counts[MONSTER_NR_RINGS], batches = 0, r;
	uint64_t total = 0, left;
	char why[256];

	CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
	CHECK_RET(fx_scenario(&fx, 7), 0);
	CHECK_RET(lmonster_cpu_open(fx.h, 7, &c), 0);
	CHECK_RET(lmonster_cpu_open(fx.h, 65, &c2), -EINVAL);	/* more than a ring holds */
	CHECK(c2 == NULL, "out not cleared");
	for (;;) {
		fx_expect(&fx, 7, counts);
		CHECK_RET(lmonster_cpu_process(c, 0, &b), 0);
		CHECK(check_batch(&fx, &b, lmonster_cpu_tensor(c, NULL), counts, why, sizeof(why)),
		      "batch %u: %s", batches, why);
		fx_advance(&fx, counts);
		if (!b.records)
			break;
		CHECK(b.rows <= 7, "rows %u > 7", b.rows);
		total += b.records;
		batches++;
	}
	for (r = 0, left = 0; r < MONSTER_NR_RINGS; r++)
		left += fx.pushed[r] - fx.released[r];
	CHECK(left == 0 && batches == 10, "left %llu after %u batches (want 0 after 10)",
	      (unsigned long long)left, batches);
	PASSED("max 7 records per ring: %u batches, %llu records, every one equal to the reference",
	       batches, (unsigned long long)total);
out:
	lmonster_cpu_close(c);
	fx_close(&fx);
}

/* Rings of events alone, and events beside the crafted 8080 sample: all-zero rows, no more */
static void t_cpu_events(void)
{
	union {
		struct monster_sample s;
		struct monster_event e;
	} u;
	struct fixture fx;
	struct lmonster_cpu *c = NULL;
	struct lmonster_batch b;
	unsigned int counts[MONSTER_NR_RINGS], rows, k;
	const float *tensor;
	char why[256];

	CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
	/* ring 6: every event kind, the reserved one and an unknown one; large payload words */
	for (k = 0; k < 40; k++) {
		make_record(&u.s, 5000 + k);
		u.s.kind = k % 8 == 7 ? 250 : (uint8_t)(1 + k % 6);
		u.e.fork.parent_pid = 1000 + k;
		CHECK_RET(fx_push(&fx, 6, &u.s), 0);
	}
	CHECK_RET(lmonster_cpu_open(fx.h, 0, &c), 0);
	fx_expect(&fx, 0, counts);
	CHECK_RET(lmonster_cpu_process(c, 0, &b), 0);
	tensor = lmonster_cpu_tensor(c, &rows);
	CHECK(check_batch(&fx, &b, tensor, counts, why, sizeof(why)), "events alone: %s", why);
	CHECK(b.records == 40 && rows == 40 && b.ring[6].count == 40 && b.ring[6].events == 40 &&
	      !b.ring[6].sum.lo && !b.ring[6].sum.hi && !b.ring[6].anomalies &&
	      !b.ring[6].pattern && !b.pattern && !b.anomalies,
	      "40 events: records %llu, count %u, events %u, anomalies %u, pattern %u/%u",
	      (unsigned long long)b.records, b.ring[6].count, b.ring[6].events,
	      b.ring[6].anomalies, b.ring[6].pattern, b.pattern);
	for (k = 0; k < MONSTER_NR_RINGS * rows * 10; k++)
		CHECK(fbits(tensor[k]) == 0, "tensor element %u is %08x, not +0.0f", k,
		      fbits(tensor[k]));
	fx_advance(&fx, counts);

	/* events in the ring of a sample whose row sums to 8080: still the pattern */
	memset(&u, 0, sizeof(u));
	u.s.pid = 8000;
	u.s.timestamp_ns = 80;
	CHECK_RET(fx_push(&fx, 14, &u.s), 0);
	for (k = 0; k < 3; k++) {
		make_record(&u.s, 7000 + k);
		u.s.kind = MONSTER_KIND_EXIT;
		CHECK_RET(fx_push(&fx, 14, &u.s), 0);
	}
	fx_expect(&fx, 0, counts);
	CHECK_RET(lmonster_cpu_process(c, 0, &b), 0);
	CHECK(check_batch(&fx, &b, lmonster_cpu_tensor(c, NULL), counts, why, sizeof(why)),
	      "8080 and events: %s", why);
	CHECK(b.ring[14].count == 4 && b.ring[14].events == 3 && b.ring[14].pattern && b.pattern,
	      "8080 sample and 3 exits: count %u, events %u, pattern %u/%u", b.ring[14].count,
	      b.ring[14].events, b.ring[14].pattern, b.pattern);
	PASSED("a ring of 40 events (5 kinds, the reserved and an unknown kind): 40 all-zero "
	       "rows counted as events, no sums, anomalies or pattern; events beside the 8080 "
	       "sample leave its pattern");
out:
	lmonster_cpu_close(c);
	fx_close(&fx);
}

static void t_cpu_stream(void)
{
	struct fixture fx;
	struct lmonster_cpu *c = NULL;
	struct lmonster_batch b;
	unsigned int counts[MONSTER_NR_RINGS], round, rounds = (unsigned int)th_scale(300);
	unsigned int max, r;
	uint64_t total = 0, drops = 0, events = 0;
	char why[256];

	CHECK_RET(fx_open(&fx, NULL, 128, 1), 0);
	CHECK_RET(lmonster_cpu_open(fx.h, 0, &c), 0);
	for (round = 0; round < rounds; round++) {
		unsigned int n = (unsigned int)(th_mix(round) % 400), i;
		struct monster_sample s;
		int peek = th_mix(round + 5) % 4 == 0;

		for (i = 0; i < n; i++) {
			int ret;

			make_record(&s, fx.next_id++);
			ret = fx_push(&fx, LMONSTER_RING_AUTO, &s);
			if (ret == -ENOBUFS) {
				drops++;
				continue;
			}
			CHECK_RET(ret, 0);
			CHECK(fx.pushed[monster_shard(monster_record_combined(&s))] < FX_CAP - 400,
			      "fixture too small");
		}
		max = 128;
		if (th_mix(round + 9) % 3 == 0)
			max = (unsigned int)(th_mix(round + 11) % 128 + 1);
		lmonster_cpu_close(c);
		c = NULL;
		CHECK_RET(lmonster_cpu_open(fx.h, max, &c), 0);
		fx_expect(&fx, max, counts);
		CHECK_RET(lmonster_cpu_process(c, peek ? LMONSTER_BATCH_PEEK : 0, &b), 0);
		CHECK(check_batch(&fx, &b, lmonster_cpu_tensor(c, NULL), counts, why, sizeof(why)),
		      "round %u: %s", round, why);
		if (!peek) {
			fx_advance(&fx, counts);
			total += b.records;
			for (r = 0; r < MONSTER_NR_RINGS; r++)
				events += b.ring[r].events;
		}
		/* the reference keeps FX_CAP records per ring: start a fresh set before it fills */
		if (fx.pushed[0] > FX_CAP / 2) {
			lmonster_cpu_close(c);
			c = NULL;
			fx_close(&fx);
			CHECK_RET(fx_open(&fx, NULL, 128, 1), 0);
			CHECK_RET(lmonster_cpu_open(fx.h, 0, &c), 0);
		}
	}
	CHECK(events > 0 && events < total, "%llu of %llu records were events",
	      (unsigned long long)events, (unsigned long long)total);
	PASSED("%u rounds of sharded pushes and batches (random caps, peeks): %llu records "
	       "(%llu of them events) consumed, %llu dropped by the producer, all equal to the "
	       "reference", rounds, (unsigned long long)total, (unsigned long long)events,
	       (unsigned long long)drops);
out:
	lmonster_cpu_close(c);
	fx_close(&fx);
}

static void t_compute_args(void)
{
	struct lmonster_span sp[MONSTER_NR_RINGS];
	struct lmonster_batch b;
	struct fixture fx;
	float t[10];

	memset(sp, 0, sizeof(sp));
	CHECK_RET(lmonster_compute(sp, NULL, 0, &b), 0);
	CHECK(b.records == 0 && b.rows == 0 && !b.pattern, "empty compute");
	CHECK_RET(lmonster_compute(NULL, t, 1, &b), -EINVAL);
	CHECK_RET(lmonster_compute(sp, NULL, 1, &b), -EINVAL);
	sp[3].count = 2;
	CHECK_RET(lmonster_compute(sp, t, 1, &b), -EINVAL);	/* count > rows */
	sp[3].count = 1;
	CHECK_RET(lmonster_compute(sp, t, 1, &b), -EINVAL);	/* no base */
	CHECK_RET(lmonster_cpu_open(NULL, 0, NULL), -EINVAL);
	CHECK_RET(lmonster_cpu_process(NULL, 0, &b), -EINVAL);
	CHECK(lmonster_cpu_tensor(NULL, NULL) == NULL, "tensor of NULL");
	CHECK_RET(lmonster_ring_span(NULL, 0, 0, &sp[0]), -EINVAL);
	CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
	CHECK_RET(lmonster_ring_span(fx.h, 15, 0, &sp[0]), -EINVAL);
	CHECK_RET(fx_push_new(&fx, 2, 5), 0);
	CHECK_RET(lmonster_ring_span(fx.h, 2, 3, &sp[2]), 0);
	CHECK(sp[2].count == 3 && sp[2].first == 0 && sp[2].mask == 63, "span of ring 2");
	CHECK_RET(lmonster_ring_release(fx.h, 2, 5), 0);	/* span saw head 5 */
	fx_close(&fx);
	{
		struct lmonster *ctl = NULL;
		struct lmonster_cpu *c = NULL;

		CHECK_RET(fx_open(&fx, NULL, 64, 0), 0);
		CHECK_RET(lmonster_open_fd(lmonster_producer_fd(fx.p), LMONSTER_OPEN_CONTROL, &ctl), 0);
		CHECK_RET(lmonster_cpu_open(ctl, 0, &c), -EBADFD);
		CHECK_RET(lmonster_ring_span(ctl, 0, 0, &sp[0]), -EBADFD);
		lmonster_close(ctl);
	}
	PASSED("argument checks of compute, span and the CPU processor");
out:
	fx_close(&fx);
}

static int have_system_libcuda(void)
{
	void *d = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);

	if (!d)
		d = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
	if (d) {
		dlclose(d);
		return 1;
	}
	return 0;
}

static void t_fallback(void)
{
	struct fixture fx;
	struct lmonster_gpu *g = (struct lmonster_gpu *)&fx;	/* must be cleared */
	struct lmonster_batch b;
	const char *msg;
	char text[256];
	int fds, ret;

	CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
	fds = th_count_fds();
	unsetenv("LMONSTER_CUDA_LIBRARY");
	if (!lmonster_gpu_built()) {
		CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), LMONSTER_GPU_ENOCUDA);
		CHECK(g == NULL, "out not cleared");
		msg = lmonster_gpu_strerror(LMONSTER_GPU_ENOCUDA);
		CHECK(!strcmp(msg, "built without CUDA"), "message '%s'", msg);
		CHECK_RET(lmonster_gpu_process(NULL, 0, &b), -EINVAL);
		PASSED("built without CUDA: lmonster_gpu_open says \"%s\"", msg);
		goto out;
	}
	if (have_system_libcuda())	/* a real driver here: point at a missing one */
		setenv("LMONSTER_CUDA_LIBRARY", "/nonexistent/libcuda.so.1", 1);
	ret = lmonster_gpu_open(fx.h, 0, 0, &g);
	CHECK_RET(ret, LMONSTER_GPU_ENODRIVER);
	CHECK(g == NULL, "out not cleared");
	snprintf(text, sizeof(text), "%s", lmonster_gpu_strerror(ret));
	msg = text;
	if (getenv("LMONSTER_CUDA_LIBRARY"))
		CHECK(!strcmp(msg, "no CUDA driver (/nonexistent/libcuda.so.1 not found)"),
		      "message '%s'", msg);
	else
		CHECK(!strcmp(msg, "no CUDA driver (libcuda.so.1 not found)"), "message '%s'", msg);
	CHECK(th_count_fds() == fds, "fds leaked by the failed open");
	/* the generic text for the code, and an unrelated code keeps the library's */
	CHECK(!strcmp(lmonster_gpu_strerror(LMONSTER_GPU_ENODEV), "no CUDA device"),
	      "ENODEV text '%s'", lmonster_gpu_strerror(LMONSTER_GPU_ENODEV));
	CHECK(!strcmp(lmonster_gpu_strerror(-EBUSY), lmonster_strerror(-EBUSY)), "EBUSY text");
	CHECK_RET(lmonster_gpu_process(NULL, 0, &b), -EINVAL);
	CHECK(lmonster_gpu_tensor(NULL, NULL, 0, NULL) == -EINVAL, "tensor(NULL)");
	lmonster_gpu_close(NULL);
	unsetenv("LMONSTER_CUDA_LIBRARY");
	PASSED("no driver: %d \"%s\"; no descriptor or mapping left behind", ret, msg);
out:
	unsetenv("LMONSTER_CUDA_LIBRARY");
	fx_close(&fx);
}

static void t_numa(void)
{
	struct fixture fx;
	struct lmonster_numa nm;
	char p[128], buf[32];
	int node = -5, sysval = -1, fd;
	ssize_t n;

	CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
	CHECK_RET(fx_push_new(&fx, 0, 10), 0);
	CHECK_RET(lmonster_numa_ring_node(fx.h, &node), 0);
	CHECK(node >= 0 || node == LMONSTER_NUMA_UNKNOWN, "ring node %d", node);
	if (access("/sys/devices/system/node/node1", F_OK) != 0)	/* single node */
		CHECK(node == 0 || node == LMONSTER_NUMA_UNKNOWN, "single node machine: node %d",
		      node);
	/* a PCI device of this machine, spelled as the CUDA driver spells it */
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/0000:00:00.0/numa_node");
	fd = open(p, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		sysval = atoi(buf);
		CHECK_RET(lmonster_numa_pci_node("0000:00:00.0", &node), 0);
		CHECK(node == (sysval < 0 ? -1 : sysval), "pci node %d, sysfs %d", node, sysval);
		CHECK_RET(lmonster_numa_pci_node("00000000:00:00.0", &node), 0);
		CHECK(node == (sysval < 0 ? -1 : sysval), "8-digit domain");
	}
	CHECK_RET(lmonster_numa_pci_node("0000:FF:1F.7", &node), -ENOENT);
	CHECK_RET(lmonster_numa_pci_node("garbage", &node), -EINVAL);
	CHECK_RET(lmonster_numa_pci_node("0000:00:00.0x", &node), -EINVAL);
	CHECK_RET(lmonster_numa_pci_node(NULL, &node), -EINVAL);
	CHECK(node == LMONSTER_NUMA_UNKNOWN, "node not reset on error");
	CHECK_RET(lmonster_numa_bind(-1), 0);
	CHECK_RET(lmonster_numa_setup(fx.h, NULL, 1, &nm), 0);
	CHECK(nm.gpu_node == LMONSTER_NUMA_UNKNOWN && !nm.mismatch, "no GPU: gpu node %d",
	      nm.gpu_node);
	if (nm.nodes <= 1) {
		CHECK_RET(lmonster_numa_bind(0), 0);	/* a no-op */
		CHECK(nm.bound_node == LMONSTER_NUMA_UNKNOWN, "bound on a single node");
	}
	PASSED("NUMA %s, %d node(s): ring pages on node %d, PCI 0000:00:00.0 on node %d; "
	       "binding a no-op on one node", nm.available ? "available" : "unavailable",
	       nm.nodes, nm.ring_node, sysval);
out:
	fx_close(&fx);
}

/* ---------------------------------------------- the tool, end to end */

struct proc_out {
	int status;		/* exit code, or 128 + signal */
	char out[65536];
	char err[8192];
};

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* run argv with env assignments ("K=V", "K=" unsets), 30 s at most */
static int run_tool(const char *const *env, const char *const *argv, struct proc_out *po)
{
	char out_path[160], err_path[160];
	int status, i, ret;
	pid_t pid;

	snprintf(out_path, sizeof(out_path), "%s", th_path("tool.out"));
	snprintf(err_path, sizeof(err_path), "%s", th_path("tool.err"));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		for (i = 0; env && env[i]; i++) {
			char kv[512], *eq;

			snprintf(kv, sizeof(kv), "%s", env[i]);
			eq = strchr(kv, '=');
			if (!eq)
				continue;
			*eq = 0;
			if (eq[1])
				setenv(kv, eq + 1, 1);
			else
				unsetenv(kv);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ret = th_wait_child(pid, 30000, &status);
	if (ret && ret != -ETIMEDOUT)
		return ret;
	po->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	slurp(out_path, po->out, sizeof(po->out));
	slurp(err_path, po->err, sizeof(po->err));
	return 0;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* the number after "key": in s (0 if missing) */
static unsigned long long jnum(const char *s, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = s ? strstr(s, k) : NULL;
	return p ? strtoull(p + strlen(k), NULL, 10) : 0;
}

/* the JSON object of ring r in the tool's output */
static const char *jring(const char *s, unsigned int r)
{
	char k[32];

	snprintf(k, sizeof(k), "{\"ring\":%u,", r);
	return strstr(s, k);
}

/* what the tool must report for a file set: one batch holding everything */
struct expect {
	unsigned long long records, anomalies, events, ring_records[15], ring_anom[15];
	unsigned long long ring_pat[15], ring_events[15];
	u128 ring_sum[15];
};

static void expect_all(const struct fixture *fx, struct expect *e)
{
	unsigned int r, k, f;

	memset(e, 0, sizeof(*e));
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		for (k = (unsigned int)fx->released[r]; k < fx->pushed[r]; k++) {
			float row[10];

			ref_row(&fx->recs[r][k], monster_prime(r), row);
			for (f = 0; f < 10; f++)
				e->ring_sum[r] += ref_fix(row[f]);
			e->ring_anom[r] += ref_record_anomaly(&fx->recs[r][k], monster_prime(r));
			e->ring_events[r] += !ref_is_sample(&fx->recs[r][k]);
		}
		e->ring_records[r] = fx->pushed[r] - fx->released[r];
		e->ring_pat[r] = e->ring_records[r] > e->ring_events[r] &&
				 ref_pattern(e->ring_sum[r]);
		e->records += e->ring_records[r];
		e->anomalies += e->ring_anom[r];
		e->events += e->ring_events[r];
	}
}

static int check_json(const char *js, const struct expect *e, const char *path, char *why,
		      size_t len)
{
	char want[64];
	unsigned int r;

	snprintf(want, sizeof(want), "\"path\":\"%s\"", path);
	if (!strstr(js, want) || js[0] != '{' || lines(js) != 1) {
		snprintf(why, len, "not one JSON object with %s: %.300s", want, js);
		return 0;
	}
	if (jnum(js, "total_processed") != e->records || jnum(js, "anomalies") != e->anomalies ||
	    jnum(js, "events") != e->events) {
		snprintf(why, len, "total %llu anomalies %llu events %llu, expected %llu, %llu and "
			 "%llu", jnum(js, "total_processed"), jnum(js, "anomalies"),
			 jnum(js, "events"), e->records, e->anomalies, e->events);
		return 0;
	}
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const char *o = jring(js, r);
		char fxs[64];

		snprintf(fxs, sizeof(fxs), "\"sum_fx\":\"0x%016llx%016llx\"",
			 (unsigned long long)(e->ring_sum[r] >> 64),
			 (unsigned long long)e->ring_sum[r]);
		if (!o || jnum(o, "samples") != e->ring_records[r] - e->ring_events[r] ||
		    jnum(o, "events") != e->ring_events[r] ||
		    jnum(o, "anomalies") != e->ring_anom[r] ||
		    jnum(o, "patterns") != e->ring_pat[r] || !strstr(o, fxs) ||
		    (strchr(o, '}') && strstr(o, fxs) > strchr(o, '}'))) {
			snprintf(why, len, "ring %u: %.200s; expected samples %llu events %llu "
				 "anomalies %llu patterns %llu %s", r, o ? o : "(missing)",
				 e->ring_records[r] - e->ring_events[r], e->ring_events[r],
				 e->ring_anom[r], e->ring_pat[r], fxs);
			return 0;
		}
	}
	return 1;
}

/* a file set at path with the scenario's records, no consumer attached */
static int make_file_set(struct fixture *fx, const char *path, uint64_t seed)
{
	struct lmonster *h;
	int ret;

	unlink(path);
	ret = fx_open(fx, path, 64, 1);
	if (ret)
		return ret;
	ret = fx_scenario(fx, seed);	/* consumes some records through fx->h */
	h = fx->h;
	fx->h = NULL;
	lmonster_close(h);		/* drops the claims: the tool may consume */
	return ret;
}

static void t_consumer_cli(void)
{
	static struct proc_out po;
	struct fixture fx;
	struct expect e;
	char path[128], why[512];
	const char *no_cuda = "LMONSTER_CUDA_LIBRARY=/nonexistent/libcuda.so.1";
	int fell = 0;

	memset(&fx, 0, sizeof(fx));
	if (!tool_path) {
		th_test_fail(__FILE__, __LINE__, "--tool not given");
		return;
	}
	snprintf(path, sizeof(path), "%s", th_path("ringset"));

	/* --cpu: the reference's numbers, one JSON object */
	CHECK_RET(make_file_set(&fx, path, 11), 0);
	expect_all(&fx, &e);
	{
		const char *argv[] = { tool_path, "--cpu", "--device", path, "--seconds", "1",
				       "--json", NULL };
		const char *env[] = { no_cuda, NULL };

		CHECK_RET(run_tool(env, argv, &po), 0);
		CHECK(po.status == 0, "--cpu exit %d: %s", po.status, po.err);
		CHECK(check_json(po.out, &e, "cpu", why, sizeof(why)), "--cpu: %s", why);
		CHECK(strstr(po.out, "\"fallback_reason\":null"), "--cpu has a fallback reason");
	}

	/* no --cpu and no driver: falls back, says why in one line */
	fx_close(&fx);
	CHECK_RET(make_file_set(&fx, path, 11), 0);
	{
		const char *argv[] = { tool_path, "--device", path, "--seconds", "1", "--json", NULL };
		const char *env_missing[] = { no_cuda, NULL };
		const char *env_default[] = { "LMONSTER_CUDA_LIBRARY=", NULL };
		int sys = have_system_libcuda();

		CHECK_RET(run_tool(sys ? env_missing : env_default, argv, &po), 0);
		CHECK(po.status == 0, "fallback exit %d: %s", po.status, po.err);
		CHECK(check_json(po.out, &e, "cpu", why, sizeof(why)), "fallback: %s", why);
		if (lmonster_gpu_built()) {
			const char *want = sys ? "no CUDA driver (/nonexistent/libcuda.so.1 not found)"
					       : "no CUDA driver (libcuda.so.1 not found)";

			CHECK(strstr(po.err, want) && strstr(po.out, want), "reason '%s' missing: %s",
			      want, po.err);
		} else {
			CHECK(strstr(po.err, "built without CUDA"), "reason missing: %s", po.err);
		}
		CHECK(lines(po.err) == 1 && strstr(po.err, "using the CPU path"),
		      "not one line of reason on stderr: '%s'", po.err);
		fell = 1;
	}

	/* with the stand-in driver: the GPU path's plumbing, identical numbers */
	if (fake_path && lmonster_gpu_built()) {
		const char *argv[] = { tool_path, "--device", path, "--seconds", "1", "--json",
				       "--require-gpu", NULL };
		char envlib[300];
		const char *env[] = { envlib, NULL };

		snprintf(envlib, sizeof(envlib), "LMONSTER_CUDA_LIBRARY=%s", fake_path);
		fx_close(&fx);
		CHECK_RET(make_file_set(&fx, path, 11), 0);
		CHECK_RET(run_tool(env, argv, &po), 0);
		CHECK(po.status == 0, "fake GPU exit %d: %s", po.status, po.err);
		CHECK(check_json(po.out, &e, "gpu", why, sizeof(why)), "fake GPU: %s", why);
		CHECK(strstr(po.out, "\"name\":\"Fake CUDA Device\""), "GPU name missing");
		CHECK(po.err[0] == 0, "stderr not empty: %s", po.err);
	}

	/* the text report */
	fx_close(&fx);
	CHECK_RET(make_file_set(&fx, path, 12), 0);
	expect_all(&fx, &e);
	{
		const char *argv[] = { tool_path, "--cpu", "-d", path, "-s", "0.5", NULL };
		char want[128];
		unsigned int r;

		CHECK_RET(run_tool(NULL, argv, &po), 0);
		CHECK(po.status == 0, "text exit %d: %s", po.status, po.err);
		snprintf(want, sizeof(want), "Read %llu samples from ring set\n", e.records);
		CHECK(strstr(po.out, want), "'%s' missing: %s", want, po.out);
		snprintf(want, sizeof(want), "\nTotal processed: %llu\n", e.records);
		CHECK(strstr(po.out, "=== Monster GPU Consumer Statistics ===") &&
		      strstr(po.out, want) && strstr(po.out, "Elapsed time: ") &&
		      strstr(po.out, "Processing rate: "), "statistics missing: %s", po.out);
		for (r = 0; r < MONSTER_NR_RINGS; r++) {
			snprintf(want, sizeof(want), "Ring %u (prime %u): %llu samples in tensor, "
				 "%llu events as zero rows (", r, monster_prime(r),
				 e.ring_records[r] - e.ring_events[r], e.ring_events[r]);
			CHECK(strstr(po.out, want), "'%s' missing", want);
		}
		snprintf(want, sizeof(want), "\nEvents (zero rows): %llu\n", e.events);
		CHECK(strstr(po.out, want), "'%s' missing: %s", want, po.out);
		CHECK(strstr(po.out, "Summary: "), "no summary");
	}

	/* bad input: one line, non-zero */
	{
		static const char *const bad[][6] = {
			{ "--seconds", "abc" }, { "--seconds", "-1" }, { "--gpu", "x" },
			{ "--bogus" }, { "--cpu", "--gpu", "1" }, { "--interval", "0" },
			{ "--max-batch", "999999999" }, { "extra" }, { "--device" },
			{ "--device", "/nonexistent/ring" }, { "--max-batch", "65" },
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *argv[10] = { tool_path };
			int k, want = i == 9 ? 1 : 2;

			for (k = 0; k < 6 && bad[i][k]; k++)
				argv[k + 1] = bad[i][k];
			if (i == 10) {
				argv[k + 1] = "--device";
				argv[k + 2] = path;
			}
			CHECK_RET(run_tool(NULL, argv, &po), 0);
			CHECK(po.status == want && lines(po.err) == 1 && !po.out[0],
			      "%s %s: exit %d (want %d), stderr '%s', stdout '%.80s'", bad[i][0],
			      bad[i][1] ? bad[i][1] : "", po.status, want, po.err, po.out);
		}
	}
	{
		const char *argv_h[] = { tool_path, "--help", NULL };
		const char *argv_v[] = { tool_path, "--version", NULL };
		const char *argv_r[] = { tool_path, "--require-gpu", "--device", path, "-s", "0.2",
					 NULL };
		const char *env[] = { no_cuda, NULL };

		CHECK_RET(run_tool(NULL, argv_h, &po), 0);
		CHECK(po.status == 0 && strstr(po.out, "Usage:") && strstr(po.out, "--seconds"),
		      "--help");
		CHECK_RET(run_tool(NULL, argv_v, &po), 0);
		CHECK(po.status == 0 && strstr(po.out, "monster-gpu-consumer "), "--version");
		CHECK_RET(run_tool(env, argv_r, &po), 0);
		CHECK(po.status == 1 && lines(po.err) == 1, "--require-gpu without a GPU: exit %d '%s'",
		      po.status, po.err);
	}
	PASSED("--cpu JSON equals the reference%s%s; text report; 11 bad inputs rejected in one "
	       "line", fell ? "; automatic CPU fallback with its reason" : "",
	       fake_path && lmonster_gpu_built() ? "; GPU path (stand-in driver) identical" : "");
out:
	fx_close(&fx);
	unlink(path);
}

#ifdef LMONSTER_HAVE_CUDA
/* ---------------------------------------------- GPU plumbing (stand-in driver) */

struct fake_api {
	void *dl;
	void (*stats)(struct fake_cuda_stats *);
	void (*reset)(void);
	void (*set_check)(fake_cuda_launch_fn, void *);
};

static int fake_load(struct fake_api *f)
{
	memset(f, 0, sizeof(*f));
	if (!fake_path)
		return -ENOENT;
	f->dl = dlopen(fake_path, RTLD_NOW | RTLD_LOCAL);
	if (!f->dl)
		return -ENOENT;
	f->stats = (void (*)(struct fake_cuda_stats *))dlsym(f->dl, "fake_cuda_stats");
	f->reset = (void (*)(void))dlsym(f->dl, "fake_cuda_reset");
	f->set_check = (void (*)(fake_cuda_launch_fn, void *))dlsym(f->dl,
								     "fake_cuda_set_launch_check");
	if (!f->stats || !f->reset || !f->set_check)
		return -ENOENT;
	setenv("LMONSTER_CUDA_LIBRARY", fake_path, 1);
	f->reset();
	return 0;
}

static void fake_unload(struct fake_api *f)
{
	static const char *const vars[] = { "LMONSTER_CUDA_LIBRARY", "FAKE_CUDA_DEVICES",
					    "FAKE_CUDA_VERSION", "FAKE_CUDA_HIDE", "FAKE_CUDA_RO",
					    "FAKE_CUDA_FAIL_LAUNCH", "FAKE_CUDA_NO_BINARY" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	if (f->dl)
		dlclose(f->dl);
	memset(f, 0, sizeof(*f));
}

/* The stand-in driver in *f, or a FAIL that says it is missing: the fake tests need it. */
static bool fake_loaded(struct fake_api *f)
{
	if (fake_load(f) == 0)
		return true;
	if (fake_path)
		th_test_fail(__FILE__, __LINE__, "the stand-in driver %s did not load", fake_path);
	else
		th_test_fail(__FILE__, __LINE__, "no stand-in driver: --fake-cuda PATH not given "
			     "(gpu/run-tests.sh passes build/gpu/fake/libcuda.so.1)");
	fake_unload(f);
	return false;
}

/* the tails must not have moved when the kernel runs */
struct launch_check {
	struct lmonster *h;
	int calls, moved;
};

static void on_launch(const struct monster_kparams *kp, void *arg)
{
	struct launch_check *lc = arg;
	struct monster_stats st;
	unsigned int r;

	lc->calls++;
	if (lmonster_stats(lc->h, &st))
		return;
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		if (st.ring[r].tail != kp->ring[r].tail ||
		    st.ring[r].head - st.ring[r].tail < kp->ring[r].count)
			lc->moved++;
}

static void t_fake_errors(void)
{
	struct fake_api f;
	struct fixture fx;
	struct lmonster_gpu *g = NULL;
	struct fake_cuda_stats st;
	const char *m;
	int fds;

	memset(&fx, 0, sizeof(fx));
	if (!fake_loaded(&f))
		return;
	CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
	fds = th_count_fds();

	setenv("FAKE_CUDA_DEVICES", "0", 1);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), LMONSTER_GPU_ENODEV);
	CHECK(!strcmp(lmonster_gpu_strerror(LMONSTER_GPU_ENODEV), "no CUDA device"), "'%s'",
	      lmonster_gpu_strerror(LMONSTER_GPU_ENODEV));
	setenv("FAKE_CUDA_DEVICES", "1", 1);
	CHECK_RET(lmonster_gpu_open(fx.h, 3, 0, &g), LMONSTER_GPU_ENODEV);
	m = lmonster_gpu_strerror(LMONSTER_GPU_ENODEV);
	CHECK(strstr(m, "no CUDA device 3"), "'%s'", m);

	setenv("FAKE_CUDA_HIDE", "cuMemHostRegister", 1);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), LMONSTER_GPU_EDRIVER);
	m = lmonster_gpu_strerror(LMONSTER_GPU_EDRIVER);
	CHECK(strstr(m, "cuMemHostRegister") && strstr(m, "too old"), "'%s'", m);
	unsetenv("FAKE_CUDA_HIDE");

	setenv("FAKE_CUDA_RO", "0", 1);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), LMONSTER_GPU_ENOREG);
	m = lmonster_gpu_strerror(LMONSTER_GPU_ENOREG);
	CHECK(strstr(m, "read-only"), "'%s'", m);
	unsetenv("FAKE_CUDA_RO");

	setenv("FAKE_CUDA_NO_BINARY", "1", 1);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), LMONSTER_GPU_ECUDA);
	m = lmonster_gpu_strerror(LMONSTER_GPU_ECUDA);
	CHECK(strstr(m, "cuModuleLoadData") && strstr(m, "CUDA_ERROR_NO_BINARY_FOR_GPU") &&
	      strstr(m, "sm_90"), "'%s'", m);
	unsetenv("FAKE_CUDA_NO_BINARY");
	f.stats(&st);
	CHECK(st.live_registrations == 0 && st.live_allocs == 0 && st.live_modules == 0 &&
	      st.ctx_retains == 0 && st.no_context == 0,
	      "failed opens left: %d registrations, %d allocations, %d modules, %d contexts, "
	      "%d context-less calls", st.live_registrations, st.live_allocs, st.live_modules,
	      st.ctx_retains, st.no_context);
	CHECK(g == NULL, "out not cleared");
	CHECK(th_count_fds() == fds, "fds leaked");

	/* an older driver: entry points asked for at its version, not the headers' */
	setenv("FAKE_CUDA_VERSION", "12040", 1);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), 0);
	lmonster_gpu_close(g);
	g = NULL;
	unsetenv("FAKE_CUDA_VERSION");
	PASSED("no device, no device 3, a missing entry point, no read-only registration, no "
	       "kernel image: each its code and message, nothing left behind; a CUDA 12.4 "
	       "driver is served");
out:
	lmonster_gpu_close(g);
	fx_close(&fx);
	fake_unload(&f);
}

static void t_fake_gpu_batches(void)
{
	struct fake_api f;
	struct fixture fx;
	struct lmonster_gpu *g = NULL, *g2 = NULL;
	struct lmonster_cpu *c = NULL;
	struct lmonster_gpu_info gi;
	struct lmonster_batch bg, bc;
	struct fake_cuda_stats st;
	struct launch_check lc;
	unsigned int counts[MONSTER_NR_RINGS], rows, round, r, events = 0;
	float *tensor = NULL;
	size_t cap;
	char why[256];
	long n;

	memset(&fx, 0, sizeof(fx));
	if (!fake_loaded(&f))
		return;
	CHECK_RET(fx_open(&fx, NULL, 256, 1), 0);
	CHECK_RET(fx_scenario(&fx, 21), 0);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), 0);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g2), -EBUSY);
	CHECK_RET(lmonster_gpu_info(g, &gi), 0);
	f.stats(&st);
	CHECK(st.registers == 1 && st.last_register_flags == (CU_MEMHOSTREGISTER_DEVICEMAP |
	      CU_MEMHOSTREGISTER_READ_ONLY) && gi.read_only && gi.registered_bytes ==
	      15ull * fx.slots * sizeof(struct monster_sample) && st.last_register_bytes ==
	      gi.registered_bytes, "registration: %d, flags %#x, %llu bytes", st.registers,
	      st.last_register_flags, (unsigned long long)gi.registered_bytes);
	CHECK(!strcmp(gi.name, "Fake CUDA Device") && gi.cc_major == 9 && gi.driver_version == 13000 &&
	      !strcmp(gi.pci_bus_id, "0000:00:00.0"), "info: %s %d.%d %d %s", gi.name,
	      gi.cc_major, gi.cc_minor, gi.driver_version, gi.pci_bus_id);
	cap = (size_t)15 * fx.slots * 10;
	tensor = malloc(cap * sizeof(float));
	CHECK(tensor, "malloc");
	CHECK_RET(lmonster_cpu_open(fx.h, 0, &c), 0);

	lc.h = fx.h;
	lc.calls = lc.moved = 0;
	f.set_check(on_launch, &lc);
	for (round = 0; round < 12; round++) {
		unsigned int peek = round % 3 == 0;

		fx_expect(&fx, 0, counts);
		CHECK_RET(lmonster_gpu_process(g, LMONSTER_BATCH_PEEK, &bg), 0);
		n = lmonster_gpu_tensor(g, tensor, cap, &rows);
		CHECK(n == (long)(15 * rows * 10), "tensor copy %ld", n);
		CHECK(check_batch(&fx, &bg, tensor, counts, why, sizeof(why)), "round %u GPU: %s",
		      round, why);
		CHECK_RET(lmonster_cpu_process(c, LMONSTER_BATCH_PEEK, &bc), 0);
		CHECK(!memcmp(bg.ring, bc.ring, sizeof(bg.ring)) && bg.rows == bc.rows &&
		      bg.records == bc.records && from_l(bg.sum) == from_l(bc.sum) &&
		      (!rows || !memcmp(tensor, lmonster_cpu_tensor(c, NULL),
					(size_t)15 * rows * 10 * sizeof(float))),
		      "round %u: GPU and CPU batches differ", round);
		if (!peek) {
			CHECK_RET(lmonster_gpu_process(g, 0, &bg), 0);
			n = lmonster_gpu_tensor(g, tensor, cap, &rows);
			CHECK(n == (long)(15 * rows * 10), "tensor copy %ld", n);
			CHECK(check_batch(&fx, &bg, tensor, counts, why, sizeof(why)),
			      "round %u GPU release: %s", round, why);
			fx_advance(&fx, counts);
			for (r = 0; r < MONSTER_NR_RINGS; r++)
				events += bg.ring[r].events;
		}
		CHECK(lc.moved == 0, "round %u: a tail moved before the kernel ran", round);
		CHECK_RET(fx_push_auto(&fx, (unsigned int)(th_mix(round) % 90)), 0);
	}
	CHECK(events > 0, "no event among the records: the kinds went untested");
	f.stats(&st);
	CHECK(st.bad_launches == 0 && st.no_context == 0 && st.resolved_after_launch == 0 &&
	      st.launches == lc.calls && st.launches > 0, "driver saw: %d bad launches, %d "
	      "context-less calls, %d late resolutions, %d launches (%d checked): %s",
	      st.bad_launches, st.no_context, st.resolved_after_launch, st.launches, lc.calls,
	      st.last_error);

	/* a failing kernel: an error naming the call, and nothing released */
	setenv("FAKE_CUDA_FAIL_LAUNCH", "1", 1);
	CHECK_RET(fx_push_new(&fx, 5, 3), 0);
	fx_expect(&fx, 0, counts);
	CHECK_RET(lmonster_gpu_process(g, 0, &bg), LMONSTER_GPU_ECUDA);
	CHECK(strstr(lmonster_gpu_strerror(LMONSTER_GPU_ECUDA), "CUDA_ERROR_LAUNCH_FAILED"),
	      "'%s'", lmonster_gpu_strerror(LMONSTER_GPU_ECUDA));
	unsetenv("FAKE_CUDA_FAIL_LAUNCH");
	CHECK_RET(lmonster_cpu_process(c, 0, &bc), 0);	/* the CPU takes over the same records */
	CHECK(check_batch(&fx, &bc, lmonster_cpu_tensor(c, NULL), counts, why, sizeof(why)),
	      "CPU after the GPU failed: %s", why);
	fx_advance(&fx, counts);

	lmonster_gpu_close(g);
	g = NULL;
	f.stats(&st);
	CHECK(st.live_registrations == 0 && st.unregister_unmapped == 0 && st.live_allocs == 0 &&
	      st.live_modules == 0 && st.ctx_retains == 0, "after close: %d registrations, %d "
	      "allocations, %d modules, %d contexts", st.live_registrations, st.live_allocs,
	      st.live_modules, st.ctx_retains);
	PASSED("12 batches (wrapped, full, empty rings; samples, %u events and unknown kinds): "
	       "GPU path == reference == CPU path bit for bit; read-only device-mapped "
	       "registration; every tail published after the kernel ran; a failed kernel "
	       "releases nothing; close frees everything", events);
out:
	f.set_check(NULL, NULL);
	lmonster_gpu_close(g);
	lmonster_gpu_close(g2);
	lmonster_cpu_close(c);
	free(tensor);
	fx_close(&fx);
	fake_unload(&f);
}

/* lmonster_close() must unregister before it unmaps (the hook in lmonster_close) */
static void t_fake_close_hook(void)
{
	struct fake_api f;
	struct fixture fx;
	struct lmonster_gpu *g = NULL;
	struct lmonster_batch b;
	struct fake_cuda_stats st;
	float t[4];

	memset(&fx, 0, sizeof(fx));
	if (!fake_loaded(&f))
		return;
	/* the hook itself */
	CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
	CHECK_RET(fx_push_new(&fx, 2, 3), 0);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), 0);
	lm_handle_closing(fx.h);
	f.stats(&st);
	CHECK(st.unregisters == 1 && st.unregister_unmapped == 0, "hook: %d unregisters, %d "
	      "after unmap", st.unregisters, st.unregister_unmapped);
	CHECK_RET(lmonster_gpu_process(g, 0, &b), -EBADF);
	CHECK(lmonster_gpu_tensor(g, t, 4, NULL) >= 0, "tensor after the handle closed");
	lmonster_gpu_close(g);
	g = NULL;
	fx_close(&fx);
	f.stats(&st);
	CHECK(st.unregisters == 1 && st.live_registrations == 0, "double unregister");

	/* and lmonster_close() calling it: close the handle with the GPU processor open */
	f.reset();
	CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
	CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), 0);
	lmonster_close(fx.h);
	fx.h = NULL;
	f.stats(&st);
	CHECK(st.unregisters == 1 && st.unregister_unmapped == 0,
	      "lmonster_close() did not unregister the ring memory before unmapping it "
	      "(lmonster_close must run the close hooks, lm_handle_closing(h), first)");
	CHECK_RET(lmonster_gpu_process(g, 0, &b), -EBADF);
	lmonster_gpu_close(g);
	g = NULL;
	PASSED("lmonster_close() unregisters the ring memory while it is still mapped; the GPU "
	       "processor then fails with -EBADF and closes cleanly");
out:
	lmonster_gpu_close(g);
	fx_close(&fx);
	fake_unload(&f);
}

/* the embedded fatbin: sm_80 and sm_90 code, compute_90 PTX, 8-byte aligned */
static void t_fatbin(void)
{
	const unsigned char *p = lm_gpu_fatbin;
	size_t len = (size_t)(lm_gpu_fatbin_end - lm_gpu_fatbin), off;
	uint32_t magic;
	uint16_t hsize;
	uint64_t fsize;
	int elf80 = 0, elf90 = 0, ptx90 = 0, other = 0;

	CHECK(((uintptr_t)p & 7) == 0, "fatbin at %p is not 8-byte aligned", (const void *)p);
	CHECK(len >= 16, "fatbin is %zu bytes", len);
	memcpy(&magic, p, 4);
	memcpy(&hsize, p + 6, 2);
	memcpy(&fsize, p + 8, 8);
	CHECK(magic == 0xBA55ED50u && hsize + fsize <= len, "fatbin header: magic %#x", magic);
	for (off = hsize; off + 48 <= hsize + fsize;) {
		uint16_t kind;
		uint32_t ehs, arch;
		uint64_t payload;

		memcpy(&kind, p + off, 2);
		memcpy(&ehs, p + off + 4, 4);
		memcpy(&payload, p + off + 8, 8);
		memcpy(&arch, p + off + 28, 4);
		if (kind == 2 && arch == 80)
			elf80++;
		else if (kind == 2 && arch == 90)
			elf90++;
		else if (kind == 1 && arch == 90)
			ptx90++;
		else
			other++;
		CHECK(ehs >= 48 && payload, "fatbin entry at %zu", off);
		off += ehs + payload;
	}
	CHECK(elf80 == 1 && elf90 == 1 && ptx90 == 1 && !other,
	      "fatbin holds %d sm_80, %d sm_90, %d compute_90 PTX, %d others", elf80, elf90,
	      ptx90, other);
	PASSED("embedded fatbin (%zu bytes, 8-byte aligned): sm_80 and sm_90 code, compute_90 PTX",
	       len);
out:
	return;
}
#endif /* LMONSTER_HAVE_CUDA */

static void t_build_flavour(void)
{
#ifdef LMONSTER_HAVE_CUDA
	CHECK(lmonster_gpu_built() == 1, "library built without the kernels, test with");
	PASSED("built with CUDA: the kernels are embedded");
#else
	struct lmonster_gpu *g = NULL;

	CHECK(lmonster_gpu_built() == 0, "stub says it has kernels");
	CHECK_RET(lmonster_gpu_open(NULL, 0, 0, &g), LMONSTER_GPU_ENOCUDA);
	CHECK(!strcmp(lmonster_gpu_strerror(LMONSTER_GPU_ENOCUDA), "built without CUDA"),
	      "'%s'", lmonster_gpu_strerror(LMONSTER_GPU_ENOCUDA));
	PASSED("built without CUDA: GPU calls say \"built without CUDA\"");
#endif
out:
	return;
}

/* --------------------------------------------------------- check-gpu */

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* GPU vs CPU (and the reference) on the same records, then released by the GPU */
static int gpu_cpu_same(struct fixture *fx, struct lmonster_gpu *g, struct lmonster_cpu *c,
			unsigned int max, char *why, size_t len)
{
	struct lmonster_batch bg, bc;
	unsigned int counts[MONSTER_NR_RINGS], rows;
	size_t cap = (size_t)15 * fx->slots * 10;
	float *t = malloc(cap * sizeof(float));
	int ok = 0;
	long n;

	if (!t)
		return 0;
	fx_expect(fx, max, counts);
	if (lmonster_gpu_process(g, LMONSTER_BATCH_PEEK, &bg) ||
	    lmonster_cpu_process(c, LMONSTER_BATCH_PEEK, &bc)) {
		snprintf(why, len, "process: %s", lmonster_gpu_strerror(LMONSTER_GPU_ECUDA));
		goto out;
	}
	n = lmonster_gpu_tensor(g, t, cap, &rows);
	if (n < 0) {
		snprintf(why, len, "tensor: %s", lmonster_gpu_strerror((int)n));
		goto out;
	}
	if (!check_batch(fx, &bg, t, counts, why, len))
		goto out;
	if (memcmp(bg.ring, bc.ring, sizeof(bg.ring)) || bg.rows != bc.rows ||
	    (rows && memcmp(t, lmonster_cpu_tensor(c, NULL), (size_t)15 * rows * 10 * 4))) {
		snprintf(why, len, "GPU and CPU differ");
		goto out;
	}
	if (lmonster_gpu_process(g, 0, &bg)) {
		snprintf(why, len, "process: %s", lmonster_gpu_strerror(LMONSTER_GPU_ECUDA));
		goto out;
	}
	fx_advance(fx, counts);
	ok = 1;
out:
	free(t);
	return ok;
}

static void check_gpu_device(void)
{
	struct lmonster *h = NULL;
	struct lmonster_gpu *g = NULL;
	struct lmonster_batch b, bc;
	struct lmonster_span sp[MONSTER_NR_RINGS];
	struct monster_info info;
	float *tg = NULL, *tc = NULL;
	unsigned int r, rows, round;
	int ret = lmonster_open(NULL, 0, &h), ok = 0, started = 0;

	th_test_begin("check-gpu/device");
	if (ret) {
		th_test_skip("%s: %s", MONSTER_DEVICE_PATH, lmonster_strerror(ret));
		return;
	}
	started = lmonster_start(h) == 0;	/* -EBUSY: running already */
	CHECK_RET(lmonster_info(h, &info), 0);
	ret = lmonster_gpu_open(h, 0, 0, &g);
	CHECK(ret == 0, "registration of the device's rings: %s", lmonster_gpu_strerror(ret));
	tg = malloc((size_t)15 * info.ring_slots * 10 * 4);
	tc = malloc((size_t)15 * info.ring_slots * 10 * 4);
	CHECK(tg && tc, "malloc");
	for (round = 0; round < 5; round++) {
		th_sleep_ms(200);
		CHECK_RET(lmonster_gpu_process(g, LMONSTER_BATCH_PEEK, &b), 0);
		CHECK(lmonster_gpu_tensor(g, tg, (size_t)15 * info.ring_slots * 10, &rows) >= 0,
		      "tensor");
		/* the same records on the CPU: they stay put until released */
		for (r = 0; r < MONSTER_NR_RINGS; r++) {
			CHECK_RET(lmonster_ring_span(h, r, 0, &sp[r]), 0);
			CHECK(sp[r].first == b.ring[r].first, "ring %u moved", r);
			sp[r].count = b.ring[r].count;
		}
		CHECK_RET(lmonster_compute(sp, tc, rows, &bc), 0);
		CHECK(!memcmp(b.ring, bc.ring, sizeof(b.ring)) &&
		      !memcmp(tg, tc, (size_t)15 * rows * 10 * 4), "live batch %u: GPU != CPU", round);
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			CHECK_RET(lmonster_ring_release(h, r, b.ring[r].count), 0);
		ok += b.records > 0;
	}
	PASSED("the device's rings registered for GPU %s; 5 live batches (%d with records) equal "
	       "on GPU and CPU", "0", ok);
out:
	free(tg);
	free(tc);
	lmonster_gpu_close(g);
	if (started)
		lmonster_stop(h);
	lmonster_close(h);
}

static void check_gpu_main(void)
{
	struct fixture fx;
	struct lmonster_gpu *g = NULL;
	struct lmonster_cpu *c = NULL;
	struct lmonster_gpu_info gi;
	struct lmonster_batch b;
	char why[256];
	unsigned int i, slots = 65536, reps = 10;
	uint64_t t0, gpu_ns = 0, gpu_kernel_ns = 0, cpu_ns = 0, total;
	int ret;

	memset(&fx, 0, sizeof(fx));
	th_test_begin("check-gpu/register");
	if (fx_open(&fx, NULL, 64, 1)) {
		th_test_fail(__FILE__, __LINE__, "ring set");
		return;
	}
	ret = lmonster_gpu_open(fx.h, 0, 0, &g);
	if (ret == LMONSTER_GPU_ENODRIVER || ret == LMONSTER_GPU_ENODEV ||
	    ret == LMONSTER_GPU_ENOCUDA) {
		th_skip("check-gpu", "%s", lmonster_gpu_strerror(ret));
		fx_close(&fx);
		return;
	}
	CHECK(ret == 0, "lmonster_gpu_open: %s", lmonster_gpu_strerror(ret));
	CHECK_RET(lmonster_gpu_info(g, &gi), 0);
	PASSED("GPU %d: %s (sm_%d%d, %s, NUMA node %d, driver CUDA %d.%d): %llu bytes of "
	       "file-backed ring memory registered %s", gi.ordinal, gi.name, gi.cc_major,
	       gi.cc_minor, gi.pci_bus_id, gi.numa_node, gi.driver_version / 1000,
	       gi.driver_version % 1000 / 10, (unsigned long long)gi.registered_bytes,
	       gi.read_only ? "read-only" : "writable");

	th_test_begin("check-gpu/bit-identical");
	CHECK_RET(lmonster_cpu_open(fx.h, 0, &c), 0);
	for (i = 1; i <= 5; i++) {
		CHECK_RET(fx_scenario(&fx, i), 0);
		CHECK(gpu_cpu_same(&fx, g, c, 0, why, sizeof(why)), "scenario %u: %s", i, why);
		CHECK_RET(fx_push_auto(&fx, 500), 0);
		CHECK(gpu_cpu_same(&fx, g, c, 0, why, sizeof(why)), "stream %u: %s", i, why);
		CHECK_RET(lmonster_gpu_process(g, 0, &b), 0);
		CHECK(b.records == 0, "not drained");
		/* start each scenario from a fresh set (the reference's origin) */
		lmonster_gpu_close(g);
		lmonster_cpu_close(c);
		g = NULL;
		c = NULL;
		fx_close(&fx);
		CHECK_RET(fx_open(&fx, NULL, 64, 1), 0);
		CHECK_RET(lmonster_gpu_open(fx.h, 0, 0, &g), 0);
		CHECK_RET(lmonster_cpu_open(fx.h, 0, &c), 0);
	}
	PASSED("5 scenarios + sharded streams: GPU tensor, sums, anomalies, patterns == CPU path "
	       "== reference, bit for bit");
	lmonster_gpu_close(g);
	lmonster_cpu_close(c);
	g = NULL;
	c = NULL;
	fx_close(&fx);

	/* throughput on full rings, read in place */
	th_test_begin("check-gpu/throughput");
	{
		struct lmonster_producer *p = NULL;
		struct lmonster *h = NULL;
		struct monster_sample s;
		unsigned int r, k;

		CHECK_RET(lmonster_producer_create(NULL, slots, 0, &p), 0);
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			for (k = 0; k < slots; k++) {
				make_record(&s, (uint64_t)r * slots + k);
				CHECK_RET(lmonster_producer_push(p, (int)r, &s), 0);
			}
		CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), 0, &h), 0);
		ret = lmonster_gpu_open(h, 0, 0, &g);
		CHECK(ret == 0, "%s", lmonster_gpu_strerror(ret));
		CHECK_RET(lmonster_cpu_open(h, 0, &c), 0);
		CHECK_RET(lmonster_gpu_process(g, LMONSTER_BATCH_PEEK, &b), 0);	/* warm up */
		for (i = 0; i < reps; i++) {
			t0 = th_now_ns();
			CHECK_RET(lmonster_gpu_process(g, LMONSTER_BATCH_PEEK, &b), 0);
			gpu_ns += th_now_ns() - t0;
			gpu_kernel_ns += b.compute_ns;
		}
		for (i = 0; i < 2; i++) {
			t0 = th_now_ns();
			CHECK_RET(lmonster_cpu_process(c, LMONSTER_BATCH_PEEK, &b), 0);
			cpu_ns += th_now_ns() - t0;
		}
		total = b.records;
		CHECK(total == 15ull * slots, "records %llu", (unsigned long long)total);
		PASSED("%llu records (15 full rings of %u) per batch: GPU %.1f M records/s, %.1f GB/s "
		       "read in place (kernel only: %.1f M records/s, %.1f GB/s; batch %.2f ms); CPU "
		       "path %.1f M records/s",
		       (unsigned long long)total, slots, total * reps / secs(gpu_ns) / 1e6,
		       total * reps * 128.0 / secs(gpu_ns) / 1e9,
		       total * reps / secs(gpu_kernel_ns) / 1e6,
		       total * reps * 128.0 / secs(gpu_kernel_ns) / 1e9,
		       secs(gpu_ns) / reps * 1e3, total * 2 / secs(cpu_ns) / 1e6);
		lmonster_gpu_close(g);
		lmonster_cpu_close(c);
		g = NULL;
		c = NULL;
		lmonster_close(h);
		lmonster_producer_close(p);
	}

	/* the consumer tool on full rings */
	if (tool_path) {
		static struct proc_out po;
		struct lmonster_producer *p = NULL;
		struct monster_sample s;
		char path[128];
		unsigned int r, k;
		const char *argv[] = { tool_path, "--device", path, "--seconds", "2", "--json",
				       "--require-gpu", NULL };
		double cs;
		unsigned long long n;

		th_test_begin("check-gpu/consumer");
		snprintf(path, sizeof(path), "%s", th_path("full"));
		CHECK_RET(lmonster_producer_create(path, slots, 0, &p), 0);
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			for (k = 0; k < slots; k++) {
				make_record(&s, (uint64_t)r * slots + k);
				CHECK_RET(lmonster_producer_push(p, (int)r, &s), 0);
			}
		lmonster_producer_close(p);
		CHECK_RET(run_tool(NULL, argv, &po), 0);
		unlink(path);
		CHECK(po.status == 0 && strstr(po.out, "\"path\":\"gpu\""), "exit %d: %s %s",
		      po.status, po.err, po.out);
		n = jnum(po.out, "total_processed");
		cs = strtod(strstr(po.out, "\"compute_s\":") + 12, NULL);
		CHECK(n == 15ull * slots && cs > 0, "processed %llu, compute %.6f s", n, cs);
		PASSED("monster-gpu-consumer: %llu records, kernel %.3f ms: %.1f M records/s, %.1f "
		       "GB/s read in place", n, cs * 1e3, n / cs / 1e6, n * 128.0 / cs / 1e9);
	}
	check_gpu_device();
	return;
out:
	lmonster_gpu_close(g);
	lmonster_cpu_close(c);
	fx_close(&fx);
}

/* --------------------------------------------------------------- main */

static const struct th_test tests[] = {
	{ "gpu_build_flavour", t_build_flavour },
	{ "gpu_header_arith", t_header_arith },
	{ "gpu_cpu_scenarios", t_cpu_scenarios },
	{ "gpu_cpu_capped", t_cpu_capped },
	{ "gpu_cpu_events", t_cpu_events },
	{ "gpu_cpu_stream", t_cpu_stream },
	{ "gpu_compute_args", t_compute_args },
	{ "gpu_fallback_no_driver", t_fallback },
	{ "gpu_numa", t_numa },
#ifdef LMONSTER_HAVE_CUDA
	{ "gpu_fatbin", t_fatbin },
	{ "gpu_fake_errors", t_fake_errors },
	{ "gpu_fake_batches", t_fake_gpu_batches },
	{ "gpu_fake_close_hook", t_fake_close_hook },
#endif
	{ "gpu_consumer_cli", t_consumer_cli },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	int check_gpu = 0, i, nsel = 0;
	char *sel[32];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tool") && i + 1 < argc)
			tool_path = argv[++i];
		else if (!strcmp(argv[i], "--fake-cuda") && i + 1 < argc)
			fake_path = argv[++i];
		else if (!strcmp(argv[i], "--check-gpu"))
			check_gpu = 1;
		else if (nsel < 32)
			sel[nsel++] = argv[i];
	}
	if (th_begin_tests("test_gpu_cpu"))
		return 1;
	if (check_gpu)
		check_gpu_main();
	else
		th_run(tests, nsel, sel);
	return th_end();
}
