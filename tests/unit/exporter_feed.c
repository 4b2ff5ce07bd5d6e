// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_feed.c - a test helper: a known producer that writes sweeps into
 * a file-backed ring set in real time, for the exporter's tests.
 *
 *   exporter_feed PATH [--slots N] [--rate HZ] [--seconds S] [--tasks N] [--comms K]
 *                      [--churn] [--events]
 *
 * Every 1/HZ seconds one sweep: a keyframe record per task, timestamp_ns and
 * the counters taken from CLOCK_MONOTONIC, so rates are exact whatever the
 * scheduling. Each record goes to a ring picked by a hash of task and sweep:
 * every ring fills alike and, as with the kernel's shard rule, a task's
 * records scatter over the rings, so a consumer reads them out of order.
 *   tasks 0, 1     comm "busy": user 0.25 and system 0.1 CPU-seconds a second
 *                  each, 100 MiB resident, 1000 minor faults, 10 voluntary and
 *                  5 involuntary switches and 0.02 s run delay a second each
 *   task 2         comm "churn" (with --churn): 0.1 user CPU-s/s, and every
 *                  second it ends and a new task takes its pid (a new
 *                  start_time_ns) with counters from zero
 *   tasks 3..N-1   comm "comm-J", J = task mod K: 0.001 * (J + 1) user CPU-s/s,
 *                  (J + 1) MiB
 * --events adds a fork and an exit event for each churn (the exit with the
 * final totals). Runs S seconds (default: until SIGTERM or SIGINT), then
 * prints "exporter_feed: SWEEPS sweeps, RECORDS records, DROPPED dropped".
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lmonster.h"

#define NS	1000000000ULL
#define MIB	(1024ULL * 1024ULL)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

struct feed {
	struct lmonster_producer *p;
	unsigned long records, dropped;
};

static void push(struct feed *f, int ring, const struct monster_sample *rec)
{
	int ret = lmonster_producer_push(f->p, ring, rec);

	f->records++;
	if (ret == -ENOBUFS)
		f->dropped++;
	else if (ret) {
		fprintf(stderr, "exporter_feed: push: %s\n", lmonster_strerror(ret));
		exit(1);
	}
}

/* the ring of task k's record in sweep s (splitmix64 of both) */
static int ring_of(unsigned long k, unsigned long s)
{
	uint64_t x = ((uint64_t)k << 32 ^ s) + 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (int)((x ^ (x >> 31)) % MONSTER_NR_RINGS);
}

/* x CPU-seconds a second over life nanoseconds, in nanoseconds */
static uint64_t share(double x, uint64_t life)
{
	return (uint64_t)(x * (double)life);
}

static void churn_events(struct feed *f, uint32_t pid, uint64_t old_start, uint64_t new_start,
			 uint64_t life, uint64_t now)
{
	union {
		struct monster_sample s;
		struct monster_event e;
	} r;

	memset(&r, 0, sizeof(r));
	r.e.kind = MONSTER_KIND_EXIT;
	r.e.flags = MONSTER_EF_GROUP_EXIT;
	r.e.timestamp_ns = now;
	r.e.pid = r.e.tgid = pid;
	snprintf(r.e.comm, sizeof(r.e.comm), "churn");
	r.e.exit.utime_ns = share(0.1, life);
	r.e.exit.start_time_ns = old_start;
	push(f, LMONSTER_RING_AUTO, &r.s);
	memset(&r, 0, sizeof(r));
	r.e.kind = MONSTER_KIND_FORK;
	r.e.timestamp_ns = now;
	r.e.pid = r.e.tgid = pid;
	snprintf(r.e.comm, sizeof(r.e.comm), "churn");
	r.e.fork.child_start_ns = new_start;
	r.e.fork.parent_pid = r.e.fork.parent_tgid = 1;
	push(f, LMONSTER_RING_AUTO, &r.s);
}

int main(int argc, char **argv)
{
	unsigned long slots = 16384, rate = 100, tasks = 10, comms = 5;
	double seconds = 0;
	int churn = 0, events = 0, i, ret;
	uint64_t t0, churn_start, next, period, end = 0;
	unsigned long sweeps = 0;
	struct feed f = { 0 };

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: exporter_feed PATH [--slots N] [--rate HZ] [--seconds S] "
			"[--tasks N] [--comms K] [--churn] [--events]\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(argv[i], "--churn"))
			churn = 1;
		else if (!strcmp(argv[i], "--events"))
			events = 1;
		else if (!strcmp(argv[i], "--slots") && *v)
			slots = strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--rate") && *v)
			rate = strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--seconds") && *v)
			seconds = strtod(v, NULL), i++;
		else if (!strcmp(argv[i], "--tasks") && *v)
			tasks = strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--comms") && *v)
			comms = strtoul(v, NULL, 0), i++;
		else
			return fprintf(stderr, "exporter_feed: bad option %s\n", argv[i]), 2;
	}
	if (!rate || tasks < 3 || !comms)
		return fprintf(stderr, "exporter_feed: --rate > 0, --tasks >= 3, --comms > 0\n"), 2;
	ret = lmonster_producer_create(argv[1], (unsigned int)slots, LMONSTER_CREATE_REPLACE,
				       &f.p);
	if (ret)
		return fprintf(stderr, "exporter_feed: %s: %s\n", argv[1], lmonster_strerror(ret)), 1;
	lmonster_producer_set_config(f.p, (unsigned int)rate, MONSTER_SCOPE_PROCESS);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	t0 = churn_start = next = mono_ns();
	period = NS / rate;
	if (seconds > 0)
		end = t0 + (uint64_t)(seconds * (double)NS);
	while (!stop && (!end || next < end)) {
		uint64_t now = mono_ns(), life = now - t0;
		struct monster_sample s;
		unsigned long k;

		if (churn && now - churn_start >= NS) {
			if (events)
				churn_events(&f, 1002, churn_start, now, now - churn_start, now);
			churn_start = now;
		}
		for (k = 0; k < tasks; k++) {
			memset(&s, 0, sizeof(s));
			s.timestamp_ns = now;
			s.pid = s.tgid = (uint32_t)(1000 + k);
			s.flags = MONSTER_SF_KEYFRAME;
			s.nr_threads = 1;
			s.start_time_ns = 1000 + k;
			if (k < 2) {
				snprintf(s.comm, sizeof(s.comm), "busy");
				s.utime_ns = share(0.25, life);
				s.stime_ns = share(0.1, life);
				s.mem_bytes = 100 * MIB;
				s.min_flt = share(1000, life) / NS;
				s.nvcsw = share(10, life) / NS;
				s.nivcsw = share(5, life) / NS;
				s.run_delay_ns = share(0.02, life);
			} else if (k == 2 && churn) {
				snprintf(s.comm, sizeof(s.comm), "churn");
				s.start_time_ns = churn_start;
				s.utime_ns = share(0.1, now - churn_start);
				s.mem_bytes = MIB;
			} else {
				unsigned long j = k % comms;

				snprintf(s.comm, sizeof(s.comm), "comm-%u", (unsigned int)(j % 1000000));
				s.utime_ns = share(0.001 * (double)(j + 1), life);
				s.mem_bytes = (j + 1) * MIB;
			}
			s.cpu_time_ns = s.utime_ns + s.stime_ns;
			s.runtime_ns = s.cpu_time_ns;
			push(&f, ring_of(k, sweeps), &s);
		}
		lmonster_producer_sweep(f.p);
		sweeps++;
		next += period;
		now = mono_ns();
		if (next > now) {
			struct timespec d = { (time_t)((next - now) / NS), (long)((next - now) % NS) };

			nanosleep(&d, NULL);
		}
	}
	lmonster_producer_close(f.p);
	printf("exporter_feed: %lu sweeps, %lu records, %lu dropped\n", sweeps, f.records,
	       f.dropped);
	return 0;
}
