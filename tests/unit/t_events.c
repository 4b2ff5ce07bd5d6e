// SPDX-License-Identifier: GPL-2.0
/*
 * t_events.c - records of every kind through a file-backed ring set: the
 * producer shards them by monster_record_combined() and counts them per
 * kind, lmonster_event() views them in place, lmonster_for_each_kind()
 * hands on the kinds asked for and releases the rest, lmonster_kind_stats()
 * answers from the file, and a kind no one knows is carried but skipped.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#define UNKNOWN_KIND	77	/* a kind no release has defined */

/* One record seen as either type (the union makes the type pun well-defined). */
union rec {
	struct monster_sample s;
	struct monster_event e;
};

/* An event of kind whose every field follows from id (timestamp_ns = 1000 + id). */
static void make_event(union rec *u, unsigned int kind, uint64_t id)
{
	unsigned int w;

	memset(u, 0, sizeof(*u));
	u->e.kind = (__u8)kind;
	u->e.timestamp_ns = 1000 + id;
	u->e.pid = (__u32)(100 + id % 7);
	u->e.tgid = u->e.pid;
	u->e.cpu = (__u32)(id % 2);
	snprintf(u->e.comm, sizeof(u->e.comm), "ev%llu", (unsigned long long)id);
	switch (kind) {
	case MONSTER_KIND_FORK:
		u->e.flags = id % 3 ? 0 : MONSTER_EF_THREAD;
		u->e.fork.child_start_ns = th_mix(id);
		u->e.fork.parent_start_ns = id;
		u->e.fork.parent_pid = (__u32)(50 + id);
		u->e.fork.parent_tgid = 50;
		break;
	case MONSTER_KIND_EXEC:
		u->e.exec.old_pid = (__u32)id;
		snprintf(u->e.exec.filename, sizeof(u->e.exec.filename), "/usr/bin/prog-%llu",
			 (unsigned long long)id);
		break;
	case MONSTER_KIND_EXIT:
		u->e.exit.exit_code = id % 5 ? (__s32)(id % 256) : -1;
		u->e.exit.signal = id % 5 ? 0 : 9;
		u->e.exit.utime_ns = th_mix(id + 1);
		u->e.exit.runtime_ns = th_mix(id + 2);
		u->e.exit.peak_rss_bytes = id * 4096;
		break;
	case MONSTER_KIND_FAULT:
		u->e.fault.address = th_mix(id + 3);
		u->e.fault.ip = th_mix(id + 4);
		u->e.fault.error_code = id % 32;
		break;
	default:	/* reclaim, and kinds whose payload no one here knows */
		for (w = 0; w < 17; w++)
			u->e.words[w] = th_mix(id * 17 + w);
		break;
	}
}

/* An event as make_event() wrote it, sharded by the rule: 0, or -1 with why. */
static int event_ok(const struct monster_sample *rec, unsigned int ring, char *why, size_t len)
{
	const struct monster_event *e = lmonster_event(rec);
	__u64 c = monster_record_combined(rec);
	union rec want;

	if (!e || (const void *)e != (const void *)rec) {
		snprintf(why, len, "lmonster_event(%p) = %p for kind %u", (const void *)rec,
			 (const void *)e, rec->kind);
		return -1;
	}
	make_event(&want, e->kind, e->timestamp_ns - 1000);
	if (e->shard != ring || monster_shard(c) != ring || e->hecke != monster_hecke(c, ring)) {
		snprintf(why, len, "kind %u in ring %u: shard %u, hecke %u", e->kind, ring,
			 e->shard, e->hecke);
		return -1;
	}
	if (memcmp(e->words, want.e.words, sizeof(e->words)) || e->pid != want.e.pid ||
	    e->tgid != want.e.tgid || e->cpu != want.e.cpu || e->flags != want.e.flags ||
	    memcmp(e->comm, want.e.comm, sizeof(e->comm))) {
		snprintf(why, len, "kind %u event %llu: payload or header differs", e->kind,
			 (unsigned long long)(e->timestamp_ns - 1000));
		return -1;
	}
	return 0;
}

/* Record id of a mixed stream: a sample, an event of each kind, now and then an unknown one. */
static void make_mixed(union rec *u, uint64_t id)
{
	if (id % 50 == 49)
		make_event(u, UNKNOWN_KIND, id);
	else if (id % 4 == 0)
		ut_make_record(&u->s, id);
	else
		make_event(u, 1 + (unsigned int)(id % 5), id);
}

static int open_set(unsigned int slots, struct lmonster_producer **p, struct lmonster **h)
{
	int ret = lmonster_producer_create(NULL, slots, 0, p);

	if (!ret)
		ret = lmonster_producer_consumer(*p, 0, h);
	return ret;
}

/* n mixed records pushed by the shard rule, counted by kind (unknown as MONSTER_NR_KINDS). */
static int push_mixed(struct lmonster_producer *p, uint64_t first, uint64_t n,
		      uint64_t count[MONSTER_NR_KINDS + 1])
{
	union rec u;
	uint64_t id;
	int ret;

	for (id = first; id < first + n; id++) {
		make_mixed(&u, id);
		ret = lmonster_producer_push(p, LMONSTER_RING_AUTO, &u.s);
		if (ret)
			return ret;
		count[u.s.kind < MONSTER_NR_KINDS ? u.s.kind : MONSTER_NR_KINDS]++;
	}
	return 0;
}

static int all_drained(struct lmonster *h)
{
	struct monster_stats st;
	unsigned int r;

	if (lmonster_stats(h, &st))
		return 0;
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		if (st.ring[r].fill)
			return 0;
	return 1;
}

/* Every kind through the rings, read in place: shard rule, typed view, payloads intact. */
static void test_events_file_set(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	uint64_t pushed[MONSTER_NR_KINDS + 1] = { 0 }, seen[MONSTER_NR_KINDS + 1] = { 0 };
	const struct monster_sample *recs;
	struct monster_kind_stats ks;
	struct monster_info info;
	unsigned int r, i, n, k;
	char why[160];

	CHECK_RET(open_set(1024, &p, &h), 0);
	CHECK_RET(lmonster_info(h, &info), 0);
	CHECK(info.features & MONSTER_FEAT_EVENTS, "file features %#llx lack events",
	      (unsigned long long)info.features);
	CHECK_RET(push_mixed(p, 0, 600, pushed), 0);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		while (lmonster_ring_peek(h, r, &recs, &n) == 0 && n) {
			for (i = 0; i < n; i++) {
				const struct monster_sample *s = &recs[i];

				if (s->kind == MONSTER_KIND_SAMPLE) {
					CHECK(ut_record_ok(s) && s->shard == r &&
					      lmonster_event(s) == NULL,
					      "ring %u: sample %llu damaged or typed as an event", r,
					      (unsigned long long)s->rbx);
				} else {
					CHECK(event_ok(s, r, why, sizeof(why)) == 0, "%s", why);
				}
				seen[s->kind < MONSTER_NR_KINDS ? s->kind : MONSTER_NR_KINDS]++;
			}
			CHECK_RET(lmonster_ring_release(h, r, n), 0);
		}
	}
	CHECK_RET(lmonster_kind_stats(h, &ks), 0);
	for (k = 0; k <= MONSTER_NR_KINDS; k++) {
		uint64_t counted = 0;

		for (r = 0; k < MONSTER_NR_KINDS && r < MONSTER_NR_RINGS; r++)
			counted += ks.produced[k][r];
		CHECK(seen[k] == pushed[k] && (k == MONSTER_NR_KINDS || counted == pushed[k]),
		      "kind %u: %llu pushed, %llu read, %llu counted", k,
		      (unsigned long long)pushed[k], (unsigned long long)seen[k],
		      (unsigned long long)counted);
	}
	CHECK(lmonster_event(NULL) == NULL, "lmonster_event(NULL)");
	PASSED("600 records (%llu samples, %llu events of 5 kinds, %llu of an unknown kind) "
	       "sharded by monster_record_combined(), read in place: lmonster_event() NULL for "
	       "samples, the record itself for the rest, every payload intact",
	       (unsigned long long)pushed[0],
	       (unsigned long long)(600 - pushed[0] - pushed[MONSTER_NR_KINDS]),
	       (unsigned long long)pushed[MONSTER_NR_KINDS]);
out:
	lmonster_close(h);
	lmonster_producer_close(p);
}

struct kind_tally {
	unsigned int want;		/* MONSTER_EVENT() bits fn may see */
	uint64_t seen[MONSTER_NR_KINDS + 1];
	uint64_t total;
	int rc;				/* what fn returns */
	char err[160];
};

static int tally_kind(unsigned int ring, const struct monster_sample *s, void *arg)
{
	struct kind_tally *t = arg;

	if (!t->err[0] && (s->kind >= MONSTER_NR_KINDS || !(t->want & MONSTER_EVENT(s->kind))))
		snprintf(t->err, sizeof(t->err), "ring %u: kind %u handed on", ring, s->kind);
	else if (!t->err[0] && s->kind != MONSTER_KIND_SAMPLE)
		event_ok(s, ring, t->err, sizeof(t->err));
	t->seen[s->kind < MONSTER_NR_KINDS ? s->kind : MONSTER_NR_KINDS]++;
	t->total++;
	return t->rc;
}

static int first_kind(struct lmonster *h, unsigned int ring)
{
	const struct monster_sample *recs;
	unsigned int n;

	if (lmonster_ring_peek(h, ring, &recs, &n) || !n)
		return -1;
	return recs[0].kind;
}

/* The kind filter: only what was asked for reaches fn, the rest goes as the walk passes. */
static void test_events_filter(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	uint64_t pushed[MONSTER_NR_KINDS + 1] = { 0 }, samples;
	struct kind_tally t, t2;
	union rec u;
	int ret;

	CHECK_RET(open_set(1024, &p, &h), 0);
	/* forks and exits only: the rings empty, the rest released unseen */
	CHECK_RET(push_mixed(p, 0, 500, pushed), 0);
	memset(&t, 0, sizeof(t));
	t.want = MONSTER_EVENT(MONSTER_KIND_FORK) | MONSTER_EVENT(MONSTER_KIND_EXIT);
	ret = lmonster_for_each_kind(h, t.want, tally_kind, &t, 0);
	CHECK(!t.err[0], "%s", t.err);
	CHECK(ret == (int)(pushed[MONSTER_KIND_FORK] + pushed[MONSTER_KIND_EXIT]) &&
	      t.seen[MONSTER_KIND_FORK] == pushed[MONSTER_KIND_FORK] &&
	      t.seen[MONSTER_KIND_EXIT] == pushed[MONSTER_KIND_EXIT],
	      "forks and exits: returned %d, saw %llu and %llu of %llu and %llu", ret,
	      (unsigned long long)t.seen[MONSTER_KIND_FORK],
	      (unsigned long long)t.seen[MONSTER_KIND_EXIT],
	      (unsigned long long)pushed[MONSTER_KIND_FORK],
	      (unsigned long long)pushed[MONSTER_KIND_EXIT]);
	CHECK(all_drained(h), "records of other kinds were left in the rings");

	/* a cap counts what fn got; what it did not reach stays for the next walk */
	memset(pushed, 0, sizeof(pushed));
	CHECK_RET(push_mixed(p, 1000, 500, pushed), 0);
	memset(&t, 0, sizeof(t));
	t.want = MONSTER_EVENT(MONSTER_KIND_SAMPLE);
	CHECK_RET(lmonster_for_each_kind(h, t.want, tally_kind, &t, 5), 5);
	memset(&t2, 0, sizeof(t2));
	t2.want = LMONSTER_KINDS_ALL;
	ret = lmonster_for_each_kind(h, LMONSTER_KINDS_ALL, tally_kind, &t2, 0);
	CHECK(!t.err[0] && !t2.err[0], "%s%s", t.err, t2.err);
	samples = t.seen[MONSTER_KIND_SAMPLE] + t2.seen[MONSTER_KIND_SAMPLE];
	CHECK(t.total == 5 && samples == pushed[MONSTER_KIND_SAMPLE] && ret == (int)t2.total &&
	      t2.seen[MONSTER_NR_KINDS] == 0 && t2.total <= 500 - 5 - pushed[MONSTER_NR_KINDS],
	      "capped walk: %llu samples, then %d more records (%llu samples): %llu of %llu "
	      "samples in all", (unsigned long long)t.total, ret,
	      (unsigned long long)t2.seen[MONSTER_KIND_SAMPLE], (unsigned long long)samples,
	      (unsigned long long)pushed[MONSTER_KIND_SAMPLE]);
	CHECK(all_drained(h), "records left after the walk of every kind");

	/* the unknown kind: only lmonster_for_each() hands it on */
	make_event(&u, UNKNOWN_KIND, 1);
	CHECK_RET(lmonster_producer_push(p, 3, &u.s), 0);
	CHECK_RET(lmonster_producer_push(p, 3, &u.s), 0);
	memset(&t, 0, sizeof(t));
	t.want = LMONSTER_KINDS_ALL;
	CHECK_RET(lmonster_for_each_kind(h, LMONSTER_KINDS_ALL, tally_kind, &t, 0), 0);
	CHECK(t.total == 0 && all_drained(h), "unknown kind: %llu handed on",
	      (unsigned long long)t.total);
	CHECK_RET(lmonster_producer_push(p, 3, &u.s), 0);
	ut_make_record(&u.s, 7);
	CHECK_RET(lmonster_producer_push(p, 3, &u.s), 0);
	memset(&t, 0, sizeof(t));
	t.want = ~0U;
	CHECK_RET(lmonster_for_each(h, tally_kind, &t, 0), 2);
	CHECK(t.seen[MONSTER_NR_KINDS] == 1 && t.seen[MONSTER_KIND_SAMPLE] == 1,
	      "for_each: %llu unknown, %llu samples", (unsigned long long)t.seen[MONSTER_NR_KINDS],
	      (unsigned long long)t.seen[MONSTER_KIND_SAMPLE]);

	/* fn's verdicts: < 0 leaves the record (those passed before it go), > 0 takes it */
	ut_make_record(&u.s, 8);
	CHECK_RET(lmonster_producer_push(p, 3, &u.s), 0);
	make_event(&u, MONSTER_KIND_FORK, 9);
	CHECK_RET(lmonster_producer_push(p, 3, &u.s), 0);
	ut_make_record(&u.s, 10);
	CHECK_RET(lmonster_producer_push(p, 3, &u.s), 0);
	memset(&t, 0, sizeof(t));
	t.want = MONSTER_EVENT(MONSTER_KIND_FORK);
	t.rc = -EAGAIN;
	CHECK_RET(lmonster_for_each_kind(h, t.want, tally_kind, &t, 0), -EAGAIN);
	CHECK(first_kind(h, 3) == MONSTER_KIND_FORK, "after -EAGAIN ring 3 starts with kind %d",
	      first_kind(h, 3));
	t.rc = 1;
	CHECK_RET(lmonster_for_each_kind(h, t.want, tally_kind, &t, 0), 1);
	CHECK(first_kind(h, 3) == MONSTER_KIND_SAMPLE && t.total == 2,
	      "after 1 ring 3 starts with kind %d (%llu calls)", first_kind(h, 3),
	      (unsigned long long)t.total);

	CHECK_RET(lmonster_for_each_kind(h, 0, tally_kind, &t, 0), -EINVAL);
	CHECK_RET(lmonster_for_each_kind(h, LMONSTER_KINDS_ALL + 1, tally_kind, &t, 0), -EINVAL);
	CHECK_RET(lmonster_for_each_kind(h, 1, NULL, &t, 0), -EINVAL);
	CHECK_RET(lmonster_for_each_kind(NULL, 1, tally_kind, &t, 0), -EINVAL);
	PASSED("forks and exits of 500 mixed records: exactly those handed on, the rest released "
	       "unseen; a cap of 5 samples, then the rest; an unknown kind skipped by the filter, "
	       "handed on by lmonster_for_each(); fn's < 0 and > 0 as for lmonster_for_each()");
out:
	lmonster_close(h);
	lmonster_producer_close(p);
}

/* Counts per kind from the file, drops included; unknown kinds carried, not counted. */
static void test_events_kind_stats(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL, *c = NULL;
	uint64_t want_prod[MONSTER_NR_KINDS] = { 0 }, want_drop[MONSTER_NR_KINDS] = { 0 };
	static const __u64 zero[sizeof(((struct monster_kind_stats *)0)->__reserved) / 8];
	struct monster_kind_stats ks, kc;
	struct monster_stats st;
	char path[160];
	uint64_t sum_p, sum_d;
	unsigned int i, k, r;
	union rec u;
	int ret;

	snprintf(path, sizeof(path), "%s", th_path("kinds"));
	CHECK_RET(lmonster_producer_create(path, 64, LMONSTER_CREATE_REPLACE, &p), 0);
	for (i = 0; i < 100; i++) {	/* 64 fit, 36 are dropped */
		k = i % MONSTER_NR_KINDS;
		if (k == MONSTER_KIND_SAMPLE)
			ut_make_record(&u.s, i);
		else
			make_event(&u, k, i);
		ret = lmonster_producer_push(p, 2, &u.s);
		CHECK(ret == (i < 64 ? 0 : -ENOBUFS), "push %u: %d", i, ret);
		want_prod[k]++;
		want_drop[k] += i >= 64;
	}
	for (i = 0; i < 10; i++) {
		make_event(&u, UNKNOWN_KIND, i);
		CHECK_RET(lmonster_producer_push(p, 5, &u.s), 0);
	}
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	CHECK_RET(lmonster_open(path, LMONSTER_OPEN_CONTROL, &c), 0);
	CHECK_RET(lmonster_kind_stats(h, &ks), 0);
	CHECK_RET(lmonster_kind_stats(c, &kc), 0);
	CHECK_RET(lmonster_stats(h, &st), 0);
	CHECK(!memcmp(&ks, &kc, sizeof(ks)), "a control handle reads other counts");
	for (k = 0; k < MONSTER_NR_KINDS; k++)
		CHECK(ks.produced[k][2] == want_prod[k] && ks.dropped[k][2] == want_drop[k],
		      "kind %u in ring 2: produced %llu dropped %llu, pushed %llu dropped %llu", k,
		      (unsigned long long)ks.produced[k][2], (unsigned long long)ks.dropped[k][2],
		      (unsigned long long)want_prod[k], (unsigned long long)want_drop[k]);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		for (k = 0, sum_p = sum_d = 0; k < MONSTER_NR_KINDS; k++) {
			sum_p += ks.produced[k][r];
			sum_d += ks.dropped[k][r];
		}
		CHECK(r == 5 ? sum_p == 0 && st.ring[r].produced == 10 :
		      sum_p == st.ring[r].produced && sum_d == st.ring[r].dropped,
		      "ring %u: kinds add up to %llu produced, %llu dropped; stats say %llu, %llu", r,
		      (unsigned long long)sum_p, (unsigned long long)sum_d,
		      (unsigned long long)st.ring[r].produced, (unsigned long long)st.ring[r].dropped);
	}
	CHECK(!ks.faults_seen && !ks.faults_filtered && !ks.events_available && !ks.events &&
	      !memcmp(ks.__reserved, zero, sizeof(ks.__reserved)),
	      "a file has no event sources: faults %llu/%llu, kinds %#x/%#x",
	      (unsigned long long)ks.faults_seen, (unsigned long long)ks.faults_filtered,
	      ks.events_available, ks.events);
	CHECK_RET(lmonster_kind_stats(h, NULL), -EINVAL);
	CHECK_RET(lmonster_kind_stats(NULL, &ks), -EINVAL);
	PASSED("100 records of 7 kinds into a 64-slot ring: produced and dropped per kind as "
	       "pushed, adding up to the ring's; 10 of an unknown kind carried, not counted; "
	       "the same through a control handle");
out:
	lmonster_close(c);
	lmonster_close(h);
	lmonster_producer_close(p);
	unlink(path);
}

struct stream {
	struct lmonster_producer *p;
	uint64_t n;
	uint64_t events;	/* events pushed */
	int err;		/* both threads: __atomic */
	int done;		/* the producer has pushed all: __atomic */
};

static void *stream_producer(void *arg)
{
	struct stream *a = arg;
	union rec u;
	uint64_t id;

	for (id = 0; id < a->n && !__atomic_load_n(&a->err, __ATOMIC_RELAXED); id++) {
		unsigned int ring, spins = 0;
		int ret;

		make_mixed(&u, id);
		ring = monster_shard(monster_record_combined(&u.s));
		while ((ret = lmonster_producer_room(a->p, ring)) == 0 &&	/* lossless */
		       !__atomic_load_n(&a->err, __ATOMIC_RELAXED))
			if (++spins % 64 == 0)
				sched_yield();
		if (ret > 0)
			ret = lmonster_producer_push(a->p, LMONSTER_RING_AUTO, &u.s);
		if (ret)
			__atomic_store_n(&a->err, ret, __ATOMIC_RELAXED);
		a->events += u.s.kind != MONSTER_KIND_SAMPLE && u.s.kind < MONSTER_NR_KINDS;
	}
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct order {
	uint64_t last[MONSTER_NR_RINGS];	/* timestamp of the ring's last event + 1 */
	uint64_t n;
	char err[160];
};

static int check_order(unsigned int ring, const struct monster_sample *s, void *arg)
{
	struct order *o = arg;

	if (o->err[0] || event_ok(s, ring, o->err, sizeof(o->err)))
		return -EBADMSG;
	if (s->timestamp_ns < o->last[ring]) {
		snprintf(o->err, sizeof(o->err), "ring %u: event %llu after %llu", ring,
			 (unsigned long long)s->timestamp_ns, (unsigned long long)o->last[ring]);
		return -EBADMSG;
	}
	o->last[ring] = s->timestamp_ns + 1;
	o->n++;
	return 0;
}

/* A producer thread against a filtering consumer: every event, in order, none twice. */
static void test_events_stream(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL;
	struct stream a = { 0 };
	struct order o;
	pthread_t th;
	int started = 0, idle = 0, done = 0, ret = 0;
	unsigned int events = LMONSTER_KINDS_ALL & ~MONSTER_EVENT(MONSTER_KIND_SAMPLE);

	memset(&o, 0, sizeof(o));
	CHECK_RET(open_set(64, &p, &h), 0);
	a.p = p;
	a.n = th_scale(200000);
	CHECK(pthread_create(&th, NULL, stream_producer, &a) == 0, "pthread_create");
	started = 1;
	/* until the producer is done and a last walk found the rings empty */
	while (!done || !all_drained(h)) {
		done = __atomic_load_n(&a.done, __ATOMIC_ACQUIRE);
		ret = lmonster_wait(h, 200);
		CHECK(ret == 0 || ret == -ETIMEDOUT, "wait: %s", lmonster_strerror(ret));
		idle = ret ? idle + 1 : 0;
		CHECK(idle < 50, "no records for 10 s (%llu events so far)",
		      (unsigned long long)o.n);
		ret = lmonster_for_each_kind(h, events, check_order, &o, 0);
		CHECK(ret >= 0, "walk: %s %s", lmonster_strerror(ret), o.err);
	}
	pthread_join(th, NULL);
	started = 0;
	CHECK_RET(a.err, 0);
	CHECK(o.n == a.events, "%llu events pushed, %llu handed on",
	      (unsigned long long)a.events, (unsigned long long)o.n);
	PASSED("%llu mixed records from a producer thread through 64-slot rings: all %llu events "
	       "handed on in ring order, samples and unknown kinds released unseen",
	       (unsigned long long)a.n, (unsigned long long)o.n);
out:
	if (started) {
		__atomic_store_n(&a.err, -ECANCELED, __ATOMIC_RELAXED);
		pthread_join(th, NULL);
	}
	lmonster_close(h);
	lmonster_producer_close(p);
}

const struct th_test event_tests[] = {
	{ "events_file_set", test_events_file_set },
	{ "events_filter", test_events_filter },
	{ "events_kind_stats", test_events_kind_stats },
	{ "events_stream", test_events_stream },
	{ NULL, NULL },
};
