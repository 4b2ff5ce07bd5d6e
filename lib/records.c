// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * records.c - the rings record by record: lmonster_for_each() and its kind
 * filter, each handing records to a callback in place and releasing them as
 * it goes, and the view of a record that is not a sample as an event.
 */
#include <errno.h>

#include "lm_internal.h"

#define LM_EVERY_KIND	(~0U)	/* lmonster_for_each(): kinds this library does not know too */

static inline int lm_kind_in(unsigned int kinds, __u8 kind)
{
	return kinds == LM_EVERY_KIND || (kind < MONSTER_NR_KINDS && ((kinds >> kind) & 1));
}

LMONSTER_API const struct monster_event *lmonster_event(const struct monster_sample *rec)
{
	if (!rec || rec->kind == MONSTER_KIND_SAMPLE)
		return NULL;
	/* the same 192 bytes: uapi/monster.h asserts the two layouts agree */
	return (const struct monster_event *)rec;
}

/*
 * Claim all rings and walk them, ring 0 first: the records of kinds go to
 * fn, the others are passed over; a run is released once walked. Returns
 * the records given to fn, or fn's or the protocol's negative errno.
 */
static int lm_walk(struct lmonster *h, unsigned int kinds, lmonster_record_fn fn, void *arg,
		   unsigned int max)
{
	unsigned int ring, total = 0;
	int ret;

	ret = lmonster_claim(h, LMONSTER_ALL_RINGS);
	if (ret)
		return ret;
	for (ring = 0; ring < MONSTER_NR_RINGS; ring++) {
		/* one ring's worth at most, so a fast producer cannot keep us here */
		unsigned int budget = h->info.ring_slots;

		while (budget) {
			const struct monster_sample *recs;
			unsigned int n, i;

			ret = lmonster_ring_peek(h, ring, &recs, &n);
			if (ret)
				return ret;
			if (n > budget)
				n = budget;
			if (!n)
				break;
			for (i = 0; i < n; i++) {
				int rc;

				if (!lm_kind_in(kinds, recs[i].kind))
					continue;
				rc = fn(ring, &recs[i], arg);
				if (rc < 0) {
					lmonster_ring_release(h, ring, i);
					return rc;
				}
				if (rc > 0 || (max && total + 1 == max)) {
					lmonster_ring_release(h, ring, i + 1);
					return (int)(total + 1);
				}
				total++;
			}
			lmonster_ring_release(h, ring, n);
			budget -= n;
		}
	}
	return (int)total;
}

LMONSTER_API int lmonster_for_each(struct lmonster *h, lmonster_record_fn fn, void *arg,
				   unsigned int max)
{
	if (!h || !fn)
		return -EINVAL;
	return lm_walk(h, LM_EVERY_KIND, fn, arg, max);
}

LMONSTER_API int lmonster_for_each_kind(struct lmonster *h, unsigned int kinds,
					lmonster_record_fn fn, void *arg, unsigned int max)
{
	if (!h || !fn)
		return -EINVAL;
	if (!kinds || (kinds & ~LMONSTER_KINDS_ALL))
		return lm_err(-EINVAL, "for_each_kind: kinds %#x: not MONSTER_EVENT() bits of "
			      "kinds 0..%u", kinds, MONSTER_NR_KINDS - 1);
	return lm_walk(h, kinds, fn, arg, max);
}
