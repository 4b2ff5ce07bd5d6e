// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * ring.c - the consumer side of the ring protocol: claim a ring, peek at
 * its ready records in place, release them with one release store.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lm_internal.h"

static inline int lm_claimed(const struct lmonster *h, unsigned int ring)
{
	return (__atomic_load_n(&h->claimed, __ATOMIC_ACQUIRE) >> ring) & 1;
}

/* A write lock on byte <ring> of the open file; conflicts across open files. */
static int lm_lock(struct lmonster *h, unsigned int ring, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = ring;
	fl.l_len = 1;
	if (fcntl(h->fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return lm_err(-EBUSY, "ring %u is claimed by another consumer", ring);
	return lm_err(-errno, "ring %u: F_OFD_SETLK: %s", ring, strerror(errno));
}

LMONSTER_API int lmonster_claim(struct lmonster *h, unsigned int ring_mask)
{
	struct monster_stats st;
	unsigned int want, got = 0, i;
	int ret;

	if (!h || (ring_mask & ~LMONSTER_ALL_RINGS))
		return -EINVAL;
	if ((h->flags & LMONSTER_OPEN_CONTROL) || !lm_mapped(h))
		return -EBADFD;
	want = ring_mask & ~__atomic_load_n(&h->claimed, __ATOMIC_ACQUIRE);
	if (!want)
		return 0;

	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		if (!(want >> i & 1))
			continue;
		ret = lm_lock(h, i, F_WRLCK);
		if (ret)
			goto undo;
		got |= 1U << i;
	}

	/* start where the last consumer left off: the tail in force */
	if (!lm_is_file(h)) {
		do {
			ret = ioctl(h->fd, MONSTER_IOC_GET_STATS, &st);
		} while (ret && errno == EINTR);
		if (ret) {
			ret = lm_err(-errno, "claim: GET_STATS: %s", strerror(errno));
			goto undo;
		}
	}
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		struct lm_ring *r = &h->ring[i];
		__u64 raw, acc, head, t;

		if (!(want >> i & 1))
			continue;
		acc = lm_is_file(h) ? __atomic_load_n(&h->fh->accepted_tail[i], __ATOMIC_RELAXED)
				    : st.ring[i].tail;
		head = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE);
		raw = __atomic_load_n(&r->tailp->tail, __ATOMIC_RELAXED);
		t = monster_tail_in_force(raw, acc, head);
		r->tail = t;
		r->head = t;
		if (raw != t)	/* repair a garbage tail left behind */
			__atomic_store_n(&r->tailp->tail, t, __ATOMIC_RELEASE);
	}
	__atomic_fetch_or(&h->claimed, want, __ATOMIC_RELEASE);
	return 0;

undo:
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		if (got >> i & 1)
			lm_lock(h, i, F_UNLCK);
	return ret;
}

LMONSTER_API int lmonster_unclaim(struct lmonster *h, unsigned int ring_mask)
{
	unsigned int have, i;
	int ret = 0, err;

	if (!h || (ring_mask & ~LMONSTER_ALL_RINGS))
		return -EINVAL;
	have = ring_mask & __atomic_load_n(&h->claimed, __ATOMIC_ACQUIRE);
	__atomic_fetch_and(&h->claimed, ~have, __ATOMIC_RELEASE);
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		if (!(have >> i & 1))
			continue;
		err = lm_lock(h, i, F_UNLCK);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/*
 * The records of @ring ready to read: claims the ring if this handle has not,
 * acquire-loads head (the records before it are complete: pairs with the
 * producer's release), checks it against the tail and notes it as what
 * lmonster_ring_release() may release.
 */
int lm_ring_ready(struct lmonster *h, unsigned int ring, struct lm_ring **rp, __u64 *avail)
{
	struct lm_ring *r;
	__u64 head;
	int ret;

	if (!lm_claimed(h, ring)) {
		ret = lmonster_claim(h, 1U << ring);
		if (ret)
			return ret;
	}
	r = &h->ring[ring];
	head = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE);
	if (head - r->tail > (__u64)r->mask + 1)
		return lm_err(-EBADMSG, "ring %u: head %llu is not within %u slots of tail %llu",
			      ring, (unsigned long long)head, r->mask + 1,
			      (unsigned long long)r->tail);
	r->head = head;
	*rp = r;
	*avail = head - r->tail;
	return 0;
}

LMONSTER_API int lmonster_ring_peek(struct lmonster *h, unsigned int ring,
				    const struct monster_sample **recs, unsigned int *count)
{
	struct lm_ring *r;
	__u64 avail, idx, run;
	int ret;

	if (!h || !recs || !count || ring >= MONSTER_NR_RINGS)
		return -EINVAL;
	*recs = NULL;
	*count = 0;
	ret = lm_ring_ready(h, ring, &r, &avail);
	if (ret)
		return ret;
	idx = r->tail & r->mask;
	run = (__u64)r->mask + 1 - idx;	/* the run stops at the wrap */
	if (run > avail)
		run = avail;
	*recs = r->recs + idx;
	*count = (unsigned int)run;
	return 0;
}

LMONSTER_API int lmonster_ring_release(struct lmonster *h, unsigned int ring, unsigned int n)
{
	struct lm_ring *r;

	if (!h || ring >= MONSTER_NR_RINGS)
		return -EINVAL;
	if ((h->flags & LMONSTER_OPEN_CONTROL) || !lm_mapped(h))
		return -EBADFD;
	if (!lm_claimed(h, ring))
		return lm_err(-EINVAL, "release: ring %u is not claimed by this handle", ring);
	r = &h->ring[ring];
	if (n > r->head - r->tail)
		return lm_err(-EINVAL, "release: %u records of ring %u, only %llu were ready",
			      n, ring, (unsigned long long)(r->head - r->tail));
	if (!n)
		return 0;
	r->tail += n;
	__atomic_store_n(&r->tailp->tail, r->tail, __ATOMIC_RELEASE);
	return 0;
}

/* Whether a ring this handle waits on (claimed ones, else all) has records. */
int lm_any_ready(struct lmonster *h)
{
	unsigned int mask = __atomic_load_n(&h->claimed, __ATOMIC_ACQUIRE);
	unsigned int i;

	if (!lm_mapped(h))
		return 0;
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		const struct lm_ring *r = &h->ring[i];
		__u64 head, tail;

		if (mask && !(mask >> i & 1))
			continue;
		/*
		 * The released tail, not r->tail: another thread may own the ring.
		 * seq_cst pairs with the file producer's seq_cst head store and
		 * waiters load (no lost wake-up); a plain load on x86.
		 */
		tail = __atomic_load_n(&r->tailp->tail, __ATOMIC_RELAXED);
		head = __atomic_load_n(&r->hdr->head, __ATOMIC_SEQ_CST);
		if (head != tail)
			return 1;
	}
	return 0;
}
