// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * span.c - the ready records of a ring as one span, [tail, head) with the
 * wrap-around left to the reader, and the spans of all rings at once for a
 * batch consumer (the CPU path, the GPU processor) with their release.
 */
#include <errno.h>
#include <string.h>

#include "lm_internal.h"

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

int lm_batch_spans(struct lmonster *h, unsigned int max,
		   struct lmonster_span spans[MONSTER_NR_RINGS], unsigned int *rows)
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

int lm_batch_end(struct lmonster *h, const struct lmonster_span spans[MONSTER_NR_RINGS],
		 unsigned int flags, __u64 t0, struct lmonster_batch *b)
{
	unsigned int r;
	int ret;

	/* one release store of each ring's tail */
	for (r = 0; r < MONSTER_NR_RINGS && !(flags & LMONSTER_BATCH_PEEK); r++) {
		ret = lmonster_ring_release(h, r, spans[r].count);
		if (ret)
			return ret;
	}
	b->batch_ns = lm_now_ns() - t0;
	return 0;
}
