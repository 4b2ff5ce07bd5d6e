// SPDX-License-Identifier: GPL-2.0
/*
 * t_ring.c - the ring protocol through the library against the file-backed
 * ring set: lossless SPSC streaming with wrap-around, exact drop accounting
 * with a stalling consumer, garbage tails, for_each, waits, and a consumer
 * in another process.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#define SMALL_SLOTS 64u

static int open_pair(const char *path, unsigned int slots, struct lmonster_producer **p,
		     struct lmonster **h)
{
	int ret = lmonster_producer_create(path, slots, 0, p);

	if (ret)
		return ret;
	/* in-process: through the producer's mapping (same addresses: TSan sees it all) */
	ret = path ? lmonster_open(path, 0, h) : lmonster_producer_consumer(*p, 0, h);
	if (ret) {
		lmonster_producer_close(*p);
		*p = NULL;
	}
	return ret;
}

/* The consumer's bookkeeping, checked record by record. */
struct tally {
	uint64_t n;			/* records consumed */
	uint64_t next_seq[MONSTER_NR_RINGS];
	uint64_t last_id[MONSTER_NR_RINGS];
	uint64_t count[MONSTER_NR_RINGS];
	uint64_t gaps[MONSTER_NR_RINGS];	/* seq numbers skipped: drops */
	unsigned char *seen;		/* by record id */
	uint64_t nids;
	char err[200];
};

static int tally_init(struct tally *t, uint64_t nids)
{
	memset(t, 0, sizeof(*t));
	t->nids = nids;
	t->seen = calloc(nids, 1);
	memset(t->last_id, 0xff, sizeof(t->last_id));
	return t->seen ? 0 : -ENOMEM;
}

/* 0, or -1 with t->err set */
static int tally_rec(struct tally *t, unsigned int ring, const struct monster_sample *s)
{
	uint64_t id = s->rbx;

	if (!ut_record_ok(s) || s->shard != ring) {
		snprintf(t->err, sizeof(t->err), "ring %u: record seq %llu corrupt (shard %u)",
			 ring, (unsigned long long)s->seq, s->shard);
		return -1;
	}
	if (s->seq < t->next_seq[ring]) {
		snprintf(t->err, sizeof(t->err), "ring %u: seq %llu after %llu (duplicate/reorder)",
			 ring, (unsigned long long)s->seq, (unsigned long long)t->next_seq[ring]);
		return -1;
	}
	if (id >= t->nids || t->seen[id]) {
		snprintf(t->err, sizeof(t->err), "ring %u: id %llu seen twice or out of range",
			 ring, (unsigned long long)id);
		return -1;
	}
	if (t->last_id[ring] != UINT64_MAX && id <= t->last_id[ring]) {
		snprintf(t->err, sizeof(t->err), "ring %u: id %llu after %llu: order broken",
			 ring, (unsigned long long)id, (unsigned long long)t->last_id[ring]);
		return -1;
	}
	t->gaps[ring] += s->seq - t->next_seq[ring];
	t->next_seq[ring] = s->seq + 1;
	t->last_id[ring] = id;
	t->seen[id] = 1;
	t->count[ring]++;
	t->n++;
	return 0;
}

/* Consume what is ready on every ring, releasing in one or two steps. */
static int drain_once(struct lmonster *h, struct tally *t)
{
	const struct monster_sample *recs;
	unsigned int ring, i, n, half;
	int ret, got = 0;

	for (ring = 0; ring < MONSTER_NR_RINGS; ring++) {
		while ((ret = lmonster_ring_peek(h, ring, &recs, &n)) == 0 && n) {
			for (i = 0; i < n; i++)
				if (tally_rec(t, ring, &recs[i]))
					return -1;
			half = (recs[0].seq & 1) ? n / 2 : 0;	/* split some releases */
			ret = lmonster_ring_release(h, ring, half);
			if (!ret)
				ret = lmonster_ring_release(h, ring, n - half);
			if (ret)
				break;
			got += n;
		}
		if (ret) {
			snprintf(t->err, sizeof(t->err), "ring %u: %s", ring, lmonster_strerror(ret));
			return -1;
		}
	}
	return got;
}

struct prod_arg {
	struct lmonster_producer *p;
	uint64_t n;
	int lossless;
	uint64_t pushed[MONSTER_NR_RINGS];
	uint64_t dropped[MONSTER_NR_RINGS];
	unsigned char *dropped_id;	/* lossy mode: ids the producer was told it dropped */
	int err;
};

static void *producer_main(void *arg)
{
	struct prod_arg *a = arg;
	struct monster_sample s;
	uint64_t id;

	for (id = 0; id < a->n; id++) {
		unsigned int ring;
		int ret;

		ut_make_record(&s, id);
		ring = monster_shard(monster_sample_combined(&s));
		if (a->lossless) {
			unsigned int spins = 0;

			while ((ret = lmonster_producer_room(a->p, ring)) == 0)
				if (++spins % 64 == 0)
					sched_yield();
			if (ret < 0) {
				a->err = ret;
				return NULL;
			}
		}
		ret = lmonster_producer_push(a->p, LMONSTER_RING_AUTO, &s);
		a->pushed[ring]++;
		if (ret == -ENOBUFS && !a->lossless) {
			a->dropped[ring]++;
			a->dropped_id[id] = 1;
		} else if (ret) {
			a->err = ret;
			return NULL;
		}
	}
	return NULL;
}

static int consume_until(struct lmonster *h, struct tally *t, uint64_t total,
			 unsigned int stall_every)
{
	uint64_t last = 0;
	int idle = 0, ret;

	while (t->n < total) {
		ret = lmonster_wait(h, 2000);
		if (ret == -ETIMEDOUT) {
			if (++idle > 5) {
				snprintf(t->err, sizeof(t->err), "no records for 10 s at %llu/%llu",
					 (unsigned long long)t->n, (unsigned long long)total);
				return -1;
			}
			continue;
		}
		if (ret) {
			snprintf(t->err, sizeof(t->err), "wait: %s", lmonster_strerror(ret));
			return -1;
		}
		idle = 0;
		if (drain_once(h, t) < 0)
			return -1;
		if (stall_every && t->n - last >= stall_every) {
			last = t->n;
			th_sleep_ns(300000);	/* the producer runs into a full ring */
		}
	}
	return 0;
}

static void spsc_lossless(uint64_t n, int own_mapping)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	struct prod_arg pa;
	struct monster_stats st;
	struct tally t = { 0 };
	pthread_t th;
	int started = 0, ret;
	unsigned int r;
	uint64_t i, wraps = 0;

	memset(&pa, 0, sizeof(pa));
	CHECK(tally_init(&t, n) == 0, "out of memory");
	CHECK_RET(open_pair(NULL, SMALL_SLOTS, &p, &h), 0);
	if (own_mapping) {	/* a second mapping of the memfd, as another process has */
		lmonster_close(h);
		h = NULL;
		CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), 0, &h), 0);
	}
	pa.p = p;
	pa.n = n;
	pa.lossless = 1;
	CHECK(pthread_create(&th, NULL, producer_main, &pa) == 0, "pthread_create");
	started = 1;
	ret = consume_until(h, &t, n, 0);
	pthread_join(th, NULL);
	started = 0;
	CHECK(ret == 0, "%s", t.err);
	CHECK(pa.err == 0, "producer: %s", lmonster_strerror(pa.err));
	for (i = 0; i < n; i++)
		CHECK(t.seen[i], "record %llu lost", (unsigned long long)i);
	CHECK_RET(lmonster_stats(h, &st), 0);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		CHECK(st.ring[r].produced == pa.pushed[r] && st.ring[r].head == pa.pushed[r] &&
		      st.ring[r].dropped == 0 && t.count[r] == pa.pushed[r] && t.gaps[r] == 0,
		      "ring %u: produced %llu head %llu dropped %llu consumed %llu pushed %llu", r,
		      (unsigned long long)st.ring[r].produced, (unsigned long long)st.ring[r].head,
		      (unsigned long long)st.ring[r].dropped, (unsigned long long)t.count[r],
		      (unsigned long long)pa.pushed[r]);
		CHECK(st.ring[r].fill == 0 && st.ring[r].tail == st.ring[r].head && !st.ring[r].bad_tails,
		      "ring %u: fill %llu after drain", r, (unsigned long long)st.ring[r].fill);
		wraps += pa.pushed[r] / SMALL_SLOTS;
	}
	CHECK(st.tasks_sampled == n, "tasks_sampled %llu", (unsigned long long)st.tasks_sampled);
	PASSED("%llu records through 15 x %u-slot rings (%llu wraps, %s): none lost, none "
	       "duplicated, per-ring order and seq kept", (unsigned long long)n, SMALL_SLOTS,
	       (unsigned long long)wraps, own_mapping ? "consumer's own mapping" : "shared mapping");
out:
	if (started)
		pthread_join(th, NULL);
	free(t.seen);
	lmonster_close(h);
	lmonster_producer_close(p);
}

static void test_ring_spsc_lossless(void)
{
	spsc_lossless(th_scale(3000000), 0);
}

static void test_ring_spsc_lossless_mapped(void)
{
	spsc_lossless(th_scale(1000000), 1);
}

static void test_ring_drops_concurrent(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	struct prod_arg pa;
	struct monster_stats st;
	struct tally t = { 0 };
	pthread_t th;
	int started = 0, ret;
	unsigned int r;
	uint64_t n = th_scale(1000000), i, drops = 0;

	memset(&pa, 0, sizeof(pa));
	CHECK(tally_init(&t, n) == 0, "out of memory");
	pa.dropped_id = calloc(n, 1);
	CHECK(pa.dropped_id, "out of memory");
	CHECK_RET(open_pair(NULL, SMALL_SLOTS, &p, &h), 0);
	pa.p = p;
	pa.n = n;
	CHECK(pthread_create(&th, NULL, producer_main, &pa) == 0, "pthread_create");
	started = 1;
	/* consume with stalls until the producer is done, then drain */
	ret = 0;
	for (;;) {
		if (drain_once(h, &t) < 0) {
			ret = -1;
			break;
		}
		if (pthread_tryjoin_np(th, NULL) == 0) {
			started = 0;
			break;
		}
		th_sleep_ns(200000);	/* the stall: the producer meets full rings */
	}
	CHECK(!ret, "%s", t.err);
	CHECK(drain_once(h, &t) >= 0, "%s", t.err);
	CHECK(pa.err == 0, "producer: %s", lmonster_strerror(pa.err));
	CHECK_RET(lmonster_stats(h, &st), 0);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		struct monster_ring_stats *rs = &st.ring[r];

		CHECK(rs->produced == pa.pushed[r] && rs->dropped == pa.dropped[r] &&
		      rs->produced == rs->head + rs->dropped && t.count[r] == rs->head &&
		      t.gaps[r] + (rs->produced - t.next_seq[r]) == rs->dropped && rs->fill == 0,
		      "ring %u: produced %llu (pushed %llu) dropped %llu (told %llu) head %llu "
		      "consumed %llu seq gaps %llu fill %llu", r,
		      (unsigned long long)rs->produced, (unsigned long long)pa.pushed[r],
		      (unsigned long long)rs->dropped, (unsigned long long)pa.dropped[r],
		      (unsigned long long)rs->head, (unsigned long long)t.count[r],
		      (unsigned long long)t.gaps[r], (unsigned long long)rs->fill);
		drops += rs->dropped;
	}
	for (i = 0; i < n; i++)
		CHECK(t.seen[i] + pa.dropped_id[i] == 1, "record %llu: consumed %d, dropped %d",
		      (unsigned long long)i, t.seen[i], pa.dropped_id[i]);
	CHECK(drops > 0, "the stalling consumer never caused a drop");
	PASSED("%llu records, consumer stalling: %llu consumed + %llu dropped, every drop a seq gap "
	       "(or after the last record), "
	       "per-ring produced = head + dropped", (unsigned long long)n,
	       (unsigned long long)t.n, (unsigned long long)drops);
out:
	if (started)
		pthread_join(th, NULL);
	free(t.seen);
	free(pa.dropped_id);
	lmonster_close(h);
	lmonster_producer_close(p);
}

/* Deterministic: fill a ring, overflow it by K, check every counter. */
static void test_ring_drops_exact(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	const struct monster_sample *recs;
	struct monster_sample s;
	struct monster_stats st;
	const unsigned int ring = 7, k = 37;
	unsigned int n, i, total = 0;

	CHECK_RET(open_pair(NULL, SMALL_SLOTS, &p, &h), 0);
	CHECK_RET(lmonster_claim(h, 1U << ring), 0);
	for (i = 0; i < SMALL_SLOTS + k; i++) {
		ut_make_record(&s, i);
		CHECK_RET(lmonster_producer_push(p, ring, &s), i < SMALL_SLOTS ? 0 : -ENOBUFS);
	}
	CHECK_RET(lmonster_producer_room(p, ring), 0);
	CHECK_RET(lmonster_stats(h, &st), 0);
	CHECK(st.ring[ring].produced == SMALL_SLOTS + k && st.ring[ring].dropped == k &&
	      st.ring[ring].head == SMALL_SLOTS && st.ring[ring].fill == SMALL_SLOTS,
	      "produced %llu dropped %llu head %llu fill %llu",
	      (unsigned long long)st.ring[ring].produced, (unsigned long long)st.ring[ring].dropped,
	      (unsigned long long)st.ring[ring].head, (unsigned long long)st.ring[ring].fill);
	/* what is in the ring is the first SLOTS records, untouched by the drops */
	CHECK_RET(lmonster_ring_peek(h, ring, &recs, &n), 0);
	CHECK(n == SMALL_SLOTS, "peek gave %u", n);
	for (i = 0; i < n; i++)
		CHECK(recs[i].seq == i && recs[i].rbx == i, "slot %u holds seq %llu id %llu", i,
		      (unsigned long long)recs[i].seq, (unsigned long long)recs[i].rbx);
	CHECK_RET(lmonster_ring_release(h, ring, n), 0);
	total += n;
	/* the next record's seq shows the gap */
	ut_make_record(&s, 1000);
	CHECK_RET(lmonster_producer_push(p, ring, &s), 0);
	CHECK_RET(lmonster_ring_peek(h, ring, &recs, &n), 0);
	CHECK(n == 1 && recs[0].seq == SMALL_SLOTS + k, "after the drops: %u records, seq %llu", n,
	      n ? (unsigned long long)recs[0].seq : 0ULL);
	CHECK_RET(lmonster_ring_release(h, ring, 1), 0);
	CHECK_RET(lmonster_stats(h, &st), 0);
	CHECK(st.ring[ring].produced == st.ring[ring].head + st.ring[ring].dropped &&
	      st.ring[ring].fill == 0, "produced != head + dropped");
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		CHECK(i == ring || st.ring[i].produced == 0, "ring %u touched", i);
	PASSED("%u slots + %u overflow: %u dropped, produced %u = head %u + dropped, next seq %u",
	       SMALL_SLOTS, k, k, SMALL_SLOTS + k + 1, SMALL_SLOTS + 1, SMALL_SLOTS + k);
out:
	lmonster_close(h);
	lmonster_producer_close(p);
}

/* peek hands out the run up to the wrap, then the rest from slot 0 */
static void test_ring_wrap_runs(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	const struct monster_sample *recs, *base = NULL;
	struct monster_sample s;
	unsigned int n, i;

	CHECK_RET(open_pair(NULL, SMALL_SLOTS, &p, &h), 0);
	for (i = 0; i < 60; i++) {
		ut_make_record(&s, i);
		CHECK_RET(lmonster_producer_push(p, 2, &s), 0);
	}
	CHECK_RET(lmonster_ring_peek(h, 2, &recs, &n), 0);
	CHECK(n == 60, "peek %u", n);
	base = recs;
	CHECK_RET(lmonster_ring_release(h, 2, 60), 0);
	for (i = 60; i < 70; i++) {
		ut_make_record(&s, i);
		CHECK_RET(lmonster_producer_push(p, 2, &s), 0);
	}
	CHECK_RET(lmonster_ring_peek(h, 2, &recs, &n), 0);
	CHECK(n == 4 && recs == base + 60 && recs[0].seq == 60, "first run %u at slot %td", n,
	      recs - base);
	/* releasing more than the run but no more than ready is allowed */
	CHECK_RET(lmonster_ring_release(h, 2, 11), -EINVAL);
	CHECK_RET(lmonster_ring_release(h, 2, 4), 0);
	CHECK_RET(lmonster_ring_peek(h, 2, &recs, &n), 0);
	CHECK(n == 6 && recs == base && recs[0].seq == 64 && recs[5].seq == 69,
	      "second run %u at slot %td seq %llu", n, recs - base, (unsigned long long)recs[0].seq);
	CHECK_RET(lmonster_ring_release(h, 2, 6), 0);
	CHECK_RET(lmonster_ring_peek(h, 2, &recs, &n), 0);
	CHECK(n == 0, "empty ring peeked %u", n);
	PASSED("60 consumed, 10 more: runs of 4 (slots 60..63) then 6 (slots 0..5)");
out:
	lmonster_close(h);
	lmonster_producer_close(p);
}

/* A consumer's garbage tail never lets the producer overwrite unreleased records. */
static void test_ring_garbage_tail(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	struct monster_ring_tail *tails = MAP_FAILED;
	const struct monster_sample *recs;
	struct monster_sample s;
	struct monster_stats st;
	struct monster_info info;
	/* backwards, past head, far past head, backwards again */
	const uint64_t bad[] = { 2, 1000, UINT64_MAX, 3 };
	const unsigned int ring = 4;
	unsigned int i, n, b;
	uint64_t id = 0;

	CHECK_RET(open_pair(NULL, SMALL_SLOTS, &p, &h), 0);
	CHECK_RET(lmonster_info(h, &info), 0);
	/* a second, raw view of the tails page: what a buggy consumer writes */
	tails = mmap(NULL, info.tails_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     lmonster_producer_fd(p), (off_t)info.tails_offset);
	CHECK(tails != MAP_FAILED, "mmap tails: %s", strerror(errno));
	for (i = 0; i < 10; i++, id++) {
		ut_make_record(&s, id);
		CHECK_RET(lmonster_producer_push(p, ring, &s), 0);
	}
	CHECK_RET(lmonster_ring_peek(h, ring, &recs, &n), 0);
	CHECK_RET(lmonster_ring_release(h, ring, 4), 0);	/* tail 4 */
	ut_make_record(&s, id++);
	CHECK_RET(lmonster_producer_push(p, ring, &s), 0);	/* producer accepts 4 */

	for (b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		__atomic_store_n(&tails[ring].tail, bad[b], __ATOMIC_RELEASE);
		ut_make_record(&s, id++);
		CHECK_RET(lmonster_producer_push(p, ring, &s), 0);
		CHECK_RET(lmonster_stats(h, &st), 0);
		CHECK(st.ring[ring].bad_tails == b + 1 && st.ring[ring].tail == 4,
		      "tail %#llx: bad_tails %llu, tail in force %llu", (unsigned long long)bad[b],
		      (unsigned long long)st.ring[ring].bad_tails, (unsigned long long)st.ring[ring].tail);
	}
	/* head 15, tail in force 4: room is exactly SLOTS - 11 */
	CHECK_RET(lmonster_producer_room(p, ring), (int)SMALL_SLOTS - 11);
	while (lmonster_producer_room(p, ring) > 0) {
		ut_make_record(&s, id++);
		CHECK_RET(lmonster_producer_push(p, ring, &s), 0);
	}
	ut_make_record(&s, id++);
	CHECK_RET(lmonster_producer_push(p, ring, &s), -ENOBUFS);
	/* a new consumer resumes at the tail in force, not at the garbage */
	lmonster_close(h);
	h = NULL;
	CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), 0, &h), 0);
	CHECK_RET(lmonster_claim(h, 1U << ring), 0);
	CHECK(__atomic_load_n(&tails[ring].tail, __ATOMIC_ACQUIRE) == 4,
	      "claim did not repair the garbage tail (%llu)",
	      (unsigned long long)__atomic_load_n(&tails[ring].tail, __ATOMIC_ACQUIRE));
	CHECK_RET(lmonster_ring_peek(h, ring, &recs, &n), 0);
	CHECK(n == SMALL_SLOTS - 4 && recs[0].seq == 4, "resumed with %u records at seq %llu", n,
	      n ? (unsigned long long)recs[0].seq : 0ULL);
	for (i = 0; i < n; i++)
		CHECK(recs[i].seq == 4 + i && recs[i].rbx == 4 + i && recs[i].rcx == th_mix(4 + i),
		      "record %u overwritten (seq %llu id %llu)", i, (unsigned long long)recs[i].seq,
		      (unsigned long long)recs[i].rbx);
	CHECK_RET(lmonster_ring_release(h, ring, n), 0);
	CHECK_RET(lmonster_producer_room(p, ring), (int)SMALL_SLOTS - 4);
	PASSED("tails 2, 3 (backwards), 1000, 2^64-1 (past head) ignored and counted; "
	       "unreleased records intact; a new consumer resumes at tail 4");
out:
	if (tails != MAP_FAILED)
		munmap(tails, info.tails_size);
	lmonster_close(h);
	lmonster_producer_close(p);
}

struct fe_arg {
	unsigned int calls, consumed, stop_at;
	int stop_ret, bad;
	uint64_t next[MONSTER_NR_RINGS];
};

static int fe_cb(unsigned int ring, const struct monster_sample *rec, void *arg)
{
	struct fe_arg *a = arg;
	int stop = a->stop_at && ++a->calls == a->stop_at;

	if (stop && a->stop_ret < 0)
		return a->stop_ret;		/* refused: stays in the ring */
	if (rec->seq != a->next[ring] || !ut_record_ok(rec))
		a->bad = 1;
	a->next[ring]++;
	a->consumed++;
	return stop ? a->stop_ret : 0;
}

static void test_ring_for_each(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	struct monster_sample s;
	struct monster_stats st;
	struct fe_arg a;
	unsigned int i, r;
	const unsigned int total = 500;
	int ret;

	memset(&a, 0, sizeof(a));
	CHECK_RET(open_pair(NULL, SMALL_SLOTS, &p, &h), 0);
	for (i = 0; i < total; i++) {
		ut_make_record(&s, i);
		lmonster_producer_push(p, LMONSTER_RING_AUTO, &s);	/* drops are fine here */
	}
	CHECK_RET(lmonster_stats(h, &st), 0);
	/* max caps the count */
	ret = lmonster_for_each(h, fe_cb, &a, 10);
	CHECK(ret == 10 && a.consumed == 10 && !a.bad, "for_each(max 10) = %d, %u consumed", ret,
	      a.consumed);
	/* a negative callback return stops before the record */
	a.calls = 0;
	a.stop_at = 3;
	a.stop_ret = -42;
	ret = lmonster_for_each(h, fe_cb, &a, 0);
	CHECK(ret == -42 && a.consumed == 12 && !a.bad, "for_each stop-before = %d", ret);
	/* a positive one stops after it */
	a.calls = 0;
	a.stop_at = 2;
	a.stop_ret = 1;
	ret = lmonster_for_each(h, fe_cb, &a, 0);
	CHECK(ret == 2 && a.consumed == 14 && !a.bad, "for_each stop-after = %d", ret);
	a.stop_at = 0;
	ret = lmonster_for_each(h, fe_cb, &a, 0);
	CHECK(ret >= 0 && !a.bad, "for_each rest = %d (%s)", ret, lmonster_strerror(ret));
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		CHECK(a.next[r] == st.ring[r].head, "ring %u: consumed up to %llu, head %llu", r,
		      (unsigned long long)a.next[r], (unsigned long long)st.ring[r].head);
	CHECK_RET(lmonster_for_each(h, fe_cb, &a, 0), 0);
	CHECK_RET(lmonster_for_each(h, NULL, &a, 0), -EINVAL);
	PASSED("max, stop-before (<0) and stop-after (>0) honoured; every ring drained in seq order");
out:
	lmonster_close(h);
	lmonster_producer_close(p);
}

struct late_arg {
	struct lmonster_producer *p;
	unsigned int delay_ms;
};

static void *late_push(void *arg)
{
	struct late_arg *a = arg;
	struct monster_sample s;

	th_sleep_ms(a->delay_ms);
	ut_make_record(&s, 1);
	lmonster_producer_push(a->p, 9, &s);
	return NULL;
}

static void test_ring_wait(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	struct late_arg la;
	pthread_t th;
	int started = 0;
	uint64_t t0;
	double dt;

	CHECK_RET(open_pair(NULL, SMALL_SLOTS, &p, &h), 0);
	CHECK_RET(lmonster_wait(h, 0), -ETIMEDOUT);
	t0 = th_now_ns();
	CHECK_RET(lmonster_wait(h, 60), -ETIMEDOUT);
	dt = (double)(th_now_ns() - t0) / 1e6;
	CHECK(dt >= 55 && dt < 1000, "a 60 ms timeout took %.1f ms", dt);
	la.p = p;
	la.delay_ms = 50;
	CHECK(pthread_create(&th, NULL, late_push, &la) == 0, "pthread_create");
	started = 1;
	t0 = th_now_ns();
	CHECK_RET(lmonster_wait(h, 5000), 0);
	dt = (double)(th_now_ns() - t0) / 1e6;
	CHECK(dt < 2000, "woken after %.1f ms for a record pushed at 50 ms", dt);
	pthread_join(th, NULL);
	started = 0;
	CHECK_RET(lmonster_wait(h, -1), 0);	/* ready: returns at once */
	CHECK_RET(lmonster_fd(h), -EOPNOTSUPP);
	PASSED("timeout after %.0f ms; woken by the producer's futex %.1f ms after waiting", 60.0, dt);
out:
	if (started)
		pthread_join(th, NULL);
	lmonster_close(h);
	lmonster_producer_close(p);
}

/* The consumer in another process: futex wake-ups and claims across processes. */
static void test_ring_cross_process(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h2 = NULL;
	struct monster_sample s;
	const uint64_t n = th_scale(200000);
	char path[160], c;
	int ready[2] = { -1, -1 }, status = 0;
	pid_t pid = -1;
	uint64_t id;

	snprintf(path, sizeof(path), "%s", th_path("xproc"));
	CHECK_RET(lmonster_producer_create(path, SMALL_SLOTS, 0, &p), 0);
	CHECK(pipe(ready) == 0, "pipe");
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct lmonster *h = NULL;
		struct tally t;
		int rc = 1;

		close(ready[0]);
		if (tally_init(&t, n) || lmonster_open(path, 0, &h) ||
		    lmonster_claim(h, LMONSTER_ALL_RINGS))
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		if (consume_until(h, &t, n, 5000) == 0)
			rc = 0;
		else
			fprintf(stderr, "child: %s\n", t.err);
		lmonster_close(h);
		free(t.seen);
		_exit(rc);
	}
	close(ready[1]);
	ready[1] = -1;
	CHECK(read(ready[0], &c, 1) == 1, "child failed before claiming");
	CHECK_RET(lmonster_open(path, 0, &h2), 0);
	CHECK_RET(lmonster_claim(h2, 1U << 5), -EBUSY);
	for (id = 0; id < n; id++) {
		unsigned int ring;

		ut_make_record(&s, id);
		ring = monster_shard(monster_sample_combined(&s));
		while (lmonster_producer_room(p, ring) == 0)
			sched_yield();
		CHECK_RET(lmonster_producer_push(p, LMONSTER_RING_AUTO, &s), 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	pid = -1;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "consumer process failed (status %#x)",
	      status);
	/* its claims died with it */
	CHECK_RET(lmonster_claim(h2, LMONSTER_ALL_RINGS), 0);
	PASSED("%llu records to a consumer process (stalling every 5000) over a path; "
	       "its claim excluded this process, and died with it", (unsigned long long)n);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (ready[0] >= 0)
		close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	lmonster_close(h2);
	lmonster_producer_close(p);
	unlink(path);
}

const struct th_test ring_tests[] = {
	{ "ring_spsc_lossless", test_ring_spsc_lossless },
	{ "ring_spsc_lossless_mapped", test_ring_spsc_lossless_mapped },
	{ "ring_drops_exact", test_ring_drops_exact },
	{ "ring_drops_concurrent", test_ring_drops_concurrent },
	{ "ring_wrap_runs", test_ring_wrap_runs },
	{ "ring_garbage_tail", test_ring_garbage_tail },
	{ "ring_for_each", test_ring_for_each },
	{ "ring_wait", test_ring_wait },
	{ "ring_cross_process", test_ring_cross_process },
	{ NULL, NULL },
};
