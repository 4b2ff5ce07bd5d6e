// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * cpu_path.c - the GPU consumer's computation on the CPU: the same
 * per-record code as the CUDA kernel (gpu/monster_features.h), the same
 * exact fixed-point sums, hence the same tensor and aggregates bit for bit:
 * samples give their features, records of other kinds zero rows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lm_internal.h"
#include "monster_features.h"

MONSTER_STATIC_ASSERT(sizeof(struct lmonster_u128) == sizeof(struct monster_u128), "u128 twins");
MONSTER_STATIC_ASSERT(LMONSTER_NR_FEATURES == MONSTER_NR_FEATURES, "feature count");

struct lmonster_cpu {
	struct lmonster *h;
	unsigned int max_rows;
	unsigned int rows;	/* of the last batch */
	float *tensor;		/* float[15][max_rows][10] capacity */
};

static struct monster_u128 lm_u(struct lmonster_u128 x)
{
	struct monster_u128 r = { x.lo, x.hi };

	return r;
}

static struct lmonster_u128 lm_l(struct monster_u128 x)
{
	struct lmonster_u128 r = { x.lo, x.hi };

	return r;
}

/* Shared by both paths: everything derived from the per-ring sums and counts. */
void lm_batch_finish(struct lmonster_batch *b)
{
	struct monster_u128 total = { 0, 0 };
	__u64 samples = 0;
	unsigned int r, f;

	b->records = 0;
	b->anomalies = 0;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		struct lmonster_ring_batch *rb = &b->ring[r];
		struct monster_u128 s = { 0, 0 };

		for (f = 0; f < MONSTER_NR_FEATURES; f++)
			s = monster_u128_add(s, lm_u(rb->feature_sum[f]));
		rb->sum = lm_l(s);
		/* tested only where samples are: zero rows of events alone sum to 0 */
		rb->pattern = rb->count > rb->events && monster_pattern_hit(s);
		total = monster_u128_add(total, s);
		b->records += rb->count;
		samples += rb->count - rb->events;
		b->anomalies += rb->anomalies;
	}
	b->sum = lm_l(total);
	b->pattern = samples > 0 && monster_pattern_hit(total);
}

LMONSTER_API int lmonster_compute(const struct lmonster_span spans[MONSTER_NR_RINGS],
				  float *tensor, unsigned int rows, struct lmonster_batch *b)
{
	unsigned int r;

	if (!spans || !b || (rows && !tensor))
		return -EINVAL;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const struct lmonster_span *sp = &spans[r];

		if (sp->count > rows || (sp->count && !sp->base) ||
		    (sp->mask & (sp->mask + 1)) || sp->count > (__u64)sp->mask + 1)
			return -EINVAL;
	}
	memset(b, 0, sizeof(*b));
	b->rows = rows;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const struct lmonster_span *sp = &spans[r];
		struct lmonster_ring_batch *rb = &b->ring[r];
		const __u32 prime = monster_prime(r);
		struct monster_u128 fsum[MONSTER_NR_FEATURES];
		float *row = tensor ? tensor + (size_t)r * rows * MONSTER_NR_FEATURES : NULL;
		unsigned int k, f, anomalies = 0, events = 0;

		memset(fsum, 0, sizeof(fsum));
		for (k = 0; k < sp->count; k++, row += MONSTER_NR_FEATURES) {
			const struct monster_sample *s = &sp->base[(sp->first + k) & sp->mask];
			__u64 raw[MONSTER_NR_FEATURES];

			monster_raw_features(s, raw);
			anomalies += monster_row(raw, s->kind, prime, row);
			events += s->kind != MONSTER_KIND_SAMPLE;
			for (f = 0; f < MONSTER_NR_FEATURES; f++)
				fsum[f] = monster_u128_add(fsum[f], monster_fix_from_float(row[f]));
		}
		if (rows > sp->count)	/* padding rows: +0.0f is all-zero bits */
			memset(row, 0, (size_t)(rows - sp->count) * MONSTER_NR_FEATURES * sizeof(float));
		rb->first = sp->first;
		rb->count = sp->count;
		rb->anomalies = anomalies;
		rb->events = events;
		for (f = 0; f < MONSTER_NR_FEATURES; f++)
			rb->feature_sum[f] = lm_l(fsum[f]);
	}
	lm_batch_finish(b);
	return 0;
}

LMONSTER_API int lmonster_cpu_open(struct lmonster *h, unsigned int max_rows,
				   struct lmonster_cpu **out)
{
	struct monster_info info;
	struct lmonster_cpu *c;
	size_t bytes;
	int flags, ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!h)
		return -EINVAL;
	flags = lmonster_flags(h);
	if (flags < 0)
		return flags;
	if (flags & LMONSTER_OPEN_CONTROL)
		return -EBADFD;
	ret = lmonster_info(h, &info);
	if (ret)
		return ret;
	if (!max_rows)
		max_rows = info.ring_slots;
	if (max_rows > info.ring_slots)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	bytes = (size_t)MONSTER_NR_RINGS * max_rows * MONSTER_NR_FEATURES * sizeof(float);
	c->tensor = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	if (!c->tensor) {
		free(c);
		return -ENOMEM;
	}
	c->h = h;
	c->max_rows = max_rows;
	*out = c;
	return 0;
}

LMONSTER_API int lmonster_cpu_process(struct lmonster_cpu *c, unsigned int flags,
				      struct lmonster_batch *b)
{
	struct lmonster_span spans[MONSTER_NR_RINGS];
	__u64 t0 = lm_now_ns(), t1;
	unsigned int rows;
	int ret;

	if (!c || !b || (flags & ~LMONSTER_BATCH_PEEK))
		return -EINVAL;
	ret = lm_batch_spans(c->h, c->max_rows, spans, &rows);
	if (ret)
		return ret;
	t1 = lm_now_ns();
	ret = lmonster_compute(spans, c->tensor, rows, b);
	if (ret)
		return ret;
	c->rows = rows;
	b->compute_ns = lm_now_ns() - t1;
	/* the records are no longer read: hand them back to the producer */
	return lm_batch_end(c->h, spans, flags, t0, b);
}

LMONSTER_API const float *lmonster_cpu_tensor(const struct lmonster_cpu *c, unsigned int *rows)
{
	if (!c)
		return NULL;
	if (rows)
		*rows = c->rows;
	return c->tensor;
}

LMONSTER_API void lmonster_cpu_close(struct lmonster_cpu *c)
{
	if (!c)
		return;
	free(c->tensor);
	free(c);
}
