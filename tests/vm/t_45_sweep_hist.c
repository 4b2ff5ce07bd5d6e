// SPDX-License-Identifier: GPL-2.0
/*
 * t_45_sweep_hist - MONSTER_IOC_GET_SWEEP_HIST (ABI 1.1, MONSTER_FEAT_SWEEP_HIST):
 * the driver says it has the feature, the histogram agrees with GET_STATS
 * (sweeps, total time, the buckets of the shortest and longest sweep), it
 * is one consistent snapshot while the sampler runs, RESET clears it, a
 * read-only opener may read it and a bad pointer gets EFAULT.
 */
#include "vmtest.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

static uint64_t hist_sum(const struct monster_sweep_hist *h, unsigned int *lo, unsigned int *hi)
{
	uint64_t sum = 0;
	unsigned int b;

	*lo = MONSTER_HIST_BUCKETS;
	*hi = 0;
	for (b = 0; b < MONSTER_HIST_BUCKETS; b++) {
		if (!h->count[b])
			continue;
		sum += h->count[b];
		if (*lo == MONSTER_HIST_BUCKETS)
			*lo = b;
		*hi = b;
	}
	return sum;
}

/* Stopped, so GET_STATS and the histogram describe the same sweeps. */
static void check_against_stats(struct vt_dev *d)
{
	struct monster_sweep_hist h;
	struct monster_stats st;
	unsigned int lo, hi;
	uint64_t sum;
	int err;

	vt_start(d->fd);
	vt_wait_sweeps(d->fd, 20, 10000, NULL, NULL, NULL);
	vt_stop(d->fd);
	vt_get_stats_or_bail(d->fd, &st, "hist-stats");
	err = vt_ioctl(d->fd, MONSTER_IOC_GET_SWEEP_HIST, &h);
	if (!th_check(err == 0, "hist-ioctl", "GET_SWEEP_HIST: %s", err ? strerror(err) : "ok"))
		return;
	sum = hist_sum(&h, &lo, &hi);
	th_check(h.sweeps == st.sweeps && sum == st.sweeps && st.sweeps >= 20, "hist-sweeps",
		 "hist sweeps %" PRIu64 ", sum of buckets %" PRIu64 ", GET_STATS sweeps %" PRIu64
		 " (want all equal, >= 20)", (uint64_t)h.sweeps, sum, (uint64_t)st.sweeps);
	th_check(h.total_ns == st.total_sweep_ns, "hist-total",
		 "total_ns %" PRIu64 ", GET_STATS total_sweep_ns %" PRIu64, (uint64_t)h.total_ns,
		 (uint64_t)st.total_sweep_ns);
	/* the longest sweep is in the highest bucket; the mean lies within the used ones */
	th_check(hi == monster_hist_bucket(st.max_sweep_ns) &&
		 lo <= monster_hist_bucket(st.total_sweep_ns / st.sweeps) &&
		 monster_hist_bucket(st.total_sweep_ns / st.sweeps) <= hi,
		 "hist-buckets", "buckets %u..%u used; max sweep %" PRIu64 " ns is bucket %u, "
		 "mean %" PRIu64 " ns bucket %u", lo, hi, (uint64_t)st.max_sweep_ns,
		 monster_hist_bucket(st.max_sweep_ns), (uint64_t)(st.total_sweep_ns / st.sweeps),
		 monster_hist_bucket(st.total_sweep_ns / st.sweeps));
	th_check(vt_all_zero(h.__reserved, sizeof(h.__reserved)), "hist-reserved-zero",
		 "__reserved %s", vt_all_zero(h.__reserved, sizeof(h.__reserved)) ? "zero" : "NOT zero");
}

/* Running at a high rate: every snapshot still adds up. */
static void check_consistent_running(struct vt_dev *d)
{
	struct monster_config saved;
	unsigned int i, bad = 0, lo, hi;
	uint64_t prev = 0, first_sweeps = UINT64_MAX, backwards = 0, deadline;
	char first[160] = "";

	if (vt_get_config(d->fd, &saved) || vt_set_rate_scope(d->fd, 2000, saved.scope)) {
		th_fail("hist-running", "cannot set 2000 Hz");
		return;
	}
	vt_start(d->fd);
	/* until 200 sweeps went by while we read (or 5 s) */
	deadline = th_now_ns() + 5000000000ULL;
	for (i = 0; first_sweeps == UINT64_MAX || prev < first_sweeps + 200; i++) {
		struct monster_sweep_hist h;
		uint64_t sum;

		if (vt_ioctl(d->fd, MONSTER_IOC_GET_SWEEP_HIST, &h)) {
			bad++;
			continue;
		}
		sum = hist_sum(&h, &lo, &hi);
		if (sum != h.sweeps && !bad++)
			snprintf(first, sizeof(first), "snapshot %u: sweeps %" PRIu64
				 ", buckets sum %" PRIu64, i, (uint64_t)h.sweeps, sum);
		backwards += h.sweeps < prev;
		prev = h.sweeps;
		if (first_sweeps == UINT64_MAX)
			first_sweeps = h.sweeps;
		if (th_now_ns() > deadline)
			break;
	}
	vt_stop(d->fd);
	vt_set_rate_scope(d->fd, saved.rate_hz, saved.scope);
	th_check(!bad && !backwards && first_sweeps != UINT64_MAX && prev >= first_sweeps + 200,
		 "hist-running", "%u snapshots at 2000 Hz over %" PRIu64 " sweeps: %u inconsistent, %"
		 PRIu64 " went backwards%s%s", i, prev - first_sweeps, bad, backwards,
		 first[0] ? "; " : "", first);
}

static void check_reset_and_access(struct vt_dev *d)
{
	struct monster_sweep_hist h;
	unsigned int lo, hi;
	int err, ro;

	err = vt_ioctl(d->fd, MONSTER_IOC_RESET, NULL);
	memset(&h, 0xa5, sizeof(h));
	if (!err)
		err = vt_ioctl(d->fd, MONSTER_IOC_GET_SWEEP_HIST, &h);
	th_check(!err && h.sweeps == 0 && h.total_ns == 0 && hist_sum(&h, &lo, &hi) == 0,
		 "hist-reset", "after RESET: %s, sweeps %" PRIu64 ", total_ns %" PRIu64,
		 err ? strerror(err) : "ok", (uint64_t)h.sweeps, (uint64_t)h.total_ns);

	ro = open(MONSTER_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	err = ro < 0 ? errno : vt_ioctl(ro, MONSTER_IOC_GET_SWEEP_HIST, &h);
	th_check(err == 0, "hist-readonly-fd", "GET_SWEEP_HIST on an O_RDONLY fd: %s",
		 err ? strerror(err) : "ok");
	err = ro < 0 ? errno : vt_ioctl(ro, MONSTER_IOC_GET_SWEEP_HIST, (void *)16);
	th_check(err == EFAULT, "hist-efault", "GET_SWEEP_HIST to address 16: %s (want EFAULT)",
		 err ? strerror(err) : "success");
	if (ro >= 0)
		close(ro);
}

int main(void)
{
	struct vt_dev d;

	vt_begin("t_45_sweep_hist");
	vt_open_or_bail(&d, "hist-open");
	th_check((d.info.features & MONSTER_FEAT_SWEEP_HIST) && d.info.abi_minor >= 1,
		 "hist-feature", "GET_INFO: ABI %u.%u, features %#llx (want the sweep_hist bit, "
		 "minor >= 1)", d.info.abi_major, d.info.abi_minor,
		 (unsigned long long)d.info.features);
	check_against_stats(&d);
	check_consistent_running(&d);
	check_reset_and_access(&d);
	vt_close(&d);
	return vt_end();
}
