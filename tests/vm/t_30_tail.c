// SPDX-License-Identifier: GPL-2.0
/*
 * t_30_tail - the kernel never trusts the consumer's tail. With 64-slot rings
 * full: a tail past head, ~0, and a tail moved backwards are each ignored (the
 * last valid tail stays in force, bad_tails counts them), the ring still holds
 * at most its slots and none of its unread records is overwritten; a valid
 * tail afterwards is accepted again. RESET clears bad_tails only.
 */
#include "vmtest.h"

#include <stdlib.h>
#include <unistd.h>

#define SLOTS 64

static struct vt_dev d;
static uint64_t T0[MONSTER_NR_RINGS], S0[MONSTER_NR_RINGS], valid[MONSTER_NR_RINGS];
static uint64_t over_slots, stats_calls;
static char over_first[200];

static void stats(struct monster_stats *st)
{
	unsigned int r;

	vt_get_stats_or_bail(d.fd, st, "tail-stats");
	stats_calls++;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const struct monster_ring_stats *rs = &st->ring[r];

		if (rs->tail > rs->head || rs->head - rs->tail > SLOTS || rs->fill > SLOTS) {
			if (!over_slots++)
				snprintf(over_first, sizeof(over_first),
					 "ring %u: head %" PRIu64 " tail %" PRIu64 " fill %" PRIu64, r,
					 (uint64_t)rs->head, (uint64_t)rs->tail, (uint64_t)rs->fill);
		}
	}
}

static void sweeps(uint64_t n)
{
	vt_wait_sweeps(d.fd, n, 5000, NULL, NULL, NULL);
}

/* seq of the records of ring r in [from, to) */
static void snap(unsigned int r, uint64_t from, uint64_t to, uint64_t *out)
{
	uint64_t i;

	for (i = from; i < to; i++)
		out[i - from] = vt_rec(&d, r, i)->seq;
}

/*
 * After a bad tail was written to every ring: the valid tails still hold,
 * the rings hold at most SLOTS, ring R's records are untouched.
 */
static void check_ignored(const char *what, const char *name_ign, const char *name_cnt,
			  const char *name_keep, unsigned int R, const uint64_t *seq_before,
			  uint64_t bt_before)
{
	struct monster_stats st;
	uint64_t after[SLOTS];
	unsigned int r, moved = 0, overfull = 0;
	uint64_t head_r;
	char first[200] = "";

	sweeps(5);
	stats(&st);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		uint64_t head = vt_head(&d, r);

		if (st.ring[r].tail != valid[r]) {
			if (!moved++)
				snprintf(first, sizeof(first),
					 "ring %u: GET_STATS tail %" PRIu64 ", last valid %" PRIu64
					 ", written %" PRIu64, r, (uint64_t)st.ring[r].tail, valid[r],
					 (uint64_t)d.tails[r].tail);
		}
		if (head - valid[r] > SLOTS)
			overfull++;
	}
	th_check(moved == 0 && overfull == 0, name_ign,
		 "%s: %u rings moved their tail, %u hold more than %d records%s%s",
		 what, moved, overfull, SLOTS, moved ? "; first: " : "", first);
	th_check(st.ring[R].bad_tails == bt_before + 1, name_cnt,
		 "ring %u (full, 5 sweeps looked at the same bad tail): bad_tails %" PRIu64 " -> %" PRIu64
		 " (want exactly one count per value written)",
		 R, bt_before, (uint64_t)st.ring[R].bad_tails);
	head_r = vt_head(&d, R);
	snap(R, valid[R], valid[R] + SLOTS, after);
	th_check(head_r == valid[R] + SLOTS && memcmp(after, seq_before, sizeof(after)) == 0,
		 name_keep,
		 "ring %u: head %" PRIu64 " (want %" PRIu64 ": still full, nothing written), unread records unchanged: %d",
		 R, head_r, valid[R] + SLOTS, memcmp(after, seq_before, sizeof(after)) == 0);
}

int main(void)
{
	struct monster_stats st, st2;
	uint64_t seq_before[SLOTS];
	uint32_t orig_slots;
	unsigned int r, R = MONSTER_NR_RINGS;
	struct vt_seq q;
	int err;

	vt_begin("t_30_tail");
	vt_open_or_bail(&d, "tail-open");
	vt_stop(d.fd);
	orig_slots = d.info.ring_slots;
	err = vt_set_rate_scope(d.fd, 100, MONSTER_SCOPE_PROCESS);
	if (!err)
		err = vt_resize(&d, SLOTS);
	if (err)
		vt_bail("tail-setup", "SET_CONFIG rate 100, %d slots: %s", SLOTS, strerror(err));
	vt_map_or_bail(&d, "tail-map");
	vt_spawn_variety(6);
	err = vt_ioctl(d.fd, MONSTER_IOC_RESET, NULL);
	if (err)
		vt_bail("tail-setup", "RESET: %s", strerror(err));

	vt_drain(&d);
	vt_get_stats_or_bail(d.fd, &st, "tail-stats");
	vt_seq_init(&q);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		T0[r] = valid[r] = vt_head(&d, r);
		S0[r] = st.ring[r].produced;
	}
	err = vt_start(d.fd);
	if (err)
		vt_bail("tail-start", "START: %s", strerror(err));

	/* wait for a full ring */
	{
		uint64_t end = th_now_ns() + 10000000000ULL;

		sweeps(5);
		while (th_now_ns() < end) {
			for (r = 0; r < MONSTER_NR_RINGS && R == MONSTER_NR_RINGS; r++)
				if (vt_head(&d, r) - T0[r] == SLOTS)
					R = r;
			if (R < MONSTER_NR_RINGS)
				break;
			th_sleep_ms(10);
		}
		if (R == MONSTER_NR_RINGS)
			vt_bail("tail-full-ring", "no ring filled its %d slots within 10 s", SLOTS);
		/* one that keeps getting records: the kernel reads its tail each sweep */
		sweeps(3);
	}
	th_note("ring %u (prime %u) is full", R, monster_prime(R));

	/* a valid tail: release 32 records */
	{
		uint64_t n = vt_consume(&d, R, 32, NULL, NULL), end, head;

		valid[R] = T0[R] + n;
		end = th_now_ns() + 5000000000ULL;
		while (vt_head(&d, R) < valid[R] + SLOTS && th_now_ns() < end)
			th_sleep_ms(5);
		sweeps(1);
		stats(&st);
		head = vt_head(&d, R);
		th_check(n == 32 && st.ring[R].tail == valid[R], "tail-valid-accepted",
			 "ring %u: released %" PRIu64 " records, tail %" PRIu64 "; GET_STATS tail %" PRIu64,
			 R, n, valid[R], (uint64_t)st.ring[R].tail);
		th_check(head == valid[R] + SLOTS, "tail-refill-to-slots",
			 "ring %u refilled to head %" PRIu64 " = tail %" PRIu64 " + %d slots (want exactly full)",
			 R, head, valid[R], SLOTS);
	}
	snap(R, valid[R], valid[R] + SLOTS, seq_before);
	{
		uint64_t k;
		unsigned int bad = 0;

		for (k = 0; k < SLOTS - 32; k++)
			if (seq_before[k] != S0[R] + 32 + k)
				bad++;
		th_check(bad == 0, "tail-first-records-intact",
			 "ring %u's records 32..63 after the stall carry seq %" PRIu64 "..%" PRIu64 ": %u differ",
			 R, S0[R] + 32, S0[R] + SLOTS - 1, bad);
	}

	/* garbage: past head */
	stats(&st);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		vt_write_tail(&d, r, vt_head(&d, r) + 1000);
	check_ignored("head + 1000 written to every ring", "tail-ahead-ignored", "tail-ahead-counted", "tail-ahead-no-overwrite",
		      R, seq_before, st.ring[R].bad_tails);

	/* garbage: ~0 */
	stats(&st);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		vt_write_tail(&d, r, ~0ULL);
	check_ignored("~0 written to every ring", "tail-max-ignored", "tail-max-counted", "tail-max-no-overwrite", R,
		      seq_before, st.ring[R].bad_tails);

	/* garbage: backwards (valid everywhere else) */
	stats(&st);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		vt_write_tail(&d, r, valid[r]);
	vt_write_tail(&d, R, valid[R] - 16);
	check_ignored("the full ring's tail moved back by 16", "tail-backwards-ignored", "tail-backwards-counted",
		      "tail-backwards-no-overwrite", R, seq_before, st.ring[R].bad_tails);

	/* valid again: read everything, the ring takes records again */
	{
		uint64_t k, n, end;
		unsigned int bad = 0;

		for (k = 0; k < SLOTS; k++) {
			vt_seq_add(&q, R, vt_rec(&d, R, valid[R] + k)->seq);
			if (k < SLOTS - 32 && vt_rec(&d, R, valid[R] + k)->seq != S0[R] + 32 + k)
				bad++;
		}
		n = vt_consume(&d, R, UINT64_MAX, NULL, NULL);
		valid[R] = d.ctail[R];
		stats(&st);
		th_check(n == SLOTS && st.ring[R].tail == valid[R] && bad == 0 && q.backwards[R] == 0,
			 "tail-valid-again-accepted",
			 "after the garbage: read %" PRIu64 " records (seq in order: %d), wrote tail %" PRIu64
			 "; GET_STATS tail %" PRIu64, n, bad == 0 && q.backwards[R] == 0, valid[R],
			 (uint64_t)st.ring[R].tail);
		end = th_now_ns() + 5000000000ULL;
		while (vt_head(&d, R) == valid[R] && th_now_ns() < end)
			th_sleep_ms(5);
		th_check(vt_head(&d, R) > valid[R], "tail-ring-flows-again",
			 "ring %u: head %" PRIu64 " after the tail %" PRIu64 " was accepted", R,
			 vt_head(&d, R), valid[R]);
	}

	/* RESET clears bad_tails and leaves the rings alone */
	vt_stop(d.fd);
	vt_drain(&d);
	stats(&st);
	err = vt_ioctl(d.fd, MONSTER_IOC_RESET, NULL);
	stats(&st2);
	{
		unsigned int bad_bt = 0, moved = 0;

		for (r = 0; r < MONSTER_NR_RINGS; r++) {
			if (st2.ring[r].bad_tails)
				bad_bt++;
			if (st2.ring[r].head != st.ring[r].head ||
			    st2.ring[r].produced != st.ring[r].produced ||
			    st2.ring[r].dropped != st.ring[r].dropped || st2.ring[r].tail != st.ring[r].tail)
				moved++;
		}
		th_check(!err && bad_bt == 0 && st.ring[R].bad_tails > 0 && moved == 0,
			 "tail-reset-clears-bad-tails",
			 "RESET: %s; ring %u bad_tails %" PRIu64 " -> %" PRIu64 ", %u rings with bad_tails left, %u rings whose head/produced/dropped/tail changed",
			 err ? strerror(err) : "ok", R, (uint64_t)st.ring[R].bad_tails,
			 (uint64_t)st2.ring[R].bad_tails, bad_bt, moved);
	}
	/*
	 * Stopped, so no sweep reads the tails: GET_STATS itself must honour
	 * the drained tails, and garbage written afterwards cannot make the
	 * kernel fall back to an older tail (that would re-deliver records).
	 */
	{
		unsigned int behind = 0;
		uint64_t head_r = vt_head(&d, R);

		for (r = 0; r < MONSTER_NR_RINGS; r++)
			if (st2.ring[r].tail != vt_head(&d, r))
				behind++;
		vt_write_tail(&d, R, head_r + 1000);
		stats(&st);
		vt_write_tail(&d, R, d.ctail[R]);
		th_check(behind == 0 && st.ring[R].tail == head_r, "tail-stopped-drain-honoured",
			 "sampler stopped: %u rings' GET_STATS tail behind the drained head; ring %u tail "
			 "after garbage %" PRIu64 " (want the drained head %" PRIu64 ")",
			 behind, R, (uint64_t)st.ring[R].tail, head_r);
	}
	th_check(over_slots == 0, "tail-stats-never-overfull",
		 "%" PRIu64 " GET_STATS calls: %" PRIu64 " showed a tail past head or more than %d records in a ring%s%s",
		 stats_calls, over_slots, SLOTS, over_slots ? "; first: " : "", over_first);

	vt_kill_children();
	vt_unmap(&d);
	err = vt_resize(&d, orig_slots);
	if (err)
		th_fail("tail-resize-back", "SET_CONFIG ring_slots %u: %s", orig_slots, strerror(err));
	vt_close(&d);
	return vt_end();
}
