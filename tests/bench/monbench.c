// SPDX-License-Identifier: GPL-2.0
/*
 * monbench - the measurements of `make bench` that need liblmonster.
 *
 *   monbench device       [--key K] [--runs R] [--window-ms W] [--warmup-ms U] [--rates A,B]
 *                         [--lat-runs R] [--lat-ms L] [--lat-rate HZ] [--scope process|thread]
 *                         [--threads N] [--changed-only KEYFRAME]
 *       On /dev/monster (scope PROCESS unless --scope thread; --threads sets sweep_threads,
 *       default the driver's own choice; --changed-only turns changed-only sweeps on with that
 *       keyframe, 0 the driver's default). With a consumer thread releasing every record
 *       (so every sweep really writes its records), at each rate R windows of W ms:
 *         K.kernel.r<HZ>.ns_per_task   sum of sweep time / records generated (driver stats)
 *         K.kernel.r<HZ>.sweep_us      mean sweep time;  .tasks: records per sweep
 *         K.kernel.r<HZ>.share_stats   sum of sweep time / wall time (%)
 *         K.kernel.r<HZ>.share_sched   the sampler kthreads' on-CPU time (monster-sampler and
 *                                      every monster-sweep/N, /proc/PID/schedstat) / wall (%)
 *         K.kernel.r<HZ>.share_ticks   the same from /proc/PID/stat utime+stime (ticks) (%)
 *         K.kernel.r<HZ>.cpu_us        those threads' on-CPU time per sweep
 *         K.kernel.r<HZ>.outside_us    the same besides the sweep (only with one sweep thread)
 *         K.kernel.r<HZ>.unchanged     tasks a sweep skipped as unchanged (changed-only)
 *         K.kernel.r<HZ>.threads       threads the sweeps ran on
 *         K.kernel.r<HZ>.sweeps_per_s, .overruns_per_s, .dropped_per_s
 *       (each window starts and ends just after a sweep, so it holds whole sweeps)
 *       then, at --lat-rate (default 100) with that thread stopped, the wake-up latency:
 *       sweep_end_ns of the shared header to lmonster_wait() returning, per run
 *         K.wake.p50_us, K.wake.p99_us, K.wake.max_us, K.wake.samples, K.wake.early
 *       (early: returns caused by records a sweep published before it ended; busy: waits
 *       that would have started with records ready; neither is a sample), and K.clock_ns,
 *       what one clock read costs
 *
 *   monbench device-drain [--key K] [--runs R] [--fill-ms F] [--rate HZ]
 *       Stops consuming, lets the sampler fill the rings (until every ring drops or F ms),
 *       stops it, and times the drain of what the rings hold with lmonster_ring_peek/
 *       release, summing every 8-byte word of every record in place:
 *         K.drain.rec_per_s, K.drain.gb_per_s, K.drain.records, K.drain.fill_pct
 *       then this machine's memory speed over the same number of bytes:
 *         K.memcpy.gb_per_s (bytes copied / time), K.memread.gb_per_s (the drain's sum loop
 *         over a private buffer)
 *
 *   monbench events       --key K --events MASK
 *       The consumer beside evload's workloads: records the kinds in MASK (MONSTER_EVENT()
 *       bits; 0: samples only) with the sampler running at 100 Hz, reads every record in
 *       place as it arrives, and on SIGTERM stops and reports what the kernel produced:
 *         K.events.produced, K.events.dropped   event records (all rings, all event kinds)
 *
 *   monbench file-drain   [--key K] [--runs R] [--stream-ms S]
 *       The same on a file-backed ring set (memfd) with the library's producer API, the
 *       consumer on its own mapping (lmonster_open_fd):
 *         K.filedrain.*   a producer thread fills every ring, then the timed drain
 *         K.filepush.rec_per_s   the producer's fill rate
 *         K.filestream.*  producer thread and consumer running together for S ms
 *         K.memcpy.gb_per_s, K.memread.gb_per_s as above
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>

#include <lmonster.h>

#include "bench.h"

static const char *prog = "monbench";
static volatile uint64_t sink;	/* what the drains computed: keeps the reads alive */

/* ---- helpers -------------------------------------------------------------------------- */

static void check(int err, const char *what)
{
	if (err < 0)
		bench_die(prog, "%s: %s", what, lmonster_strerror(err));
}

/* Every 8-byte word of n records: the in-place read a consumer does. */
static uint64_t touch(const void *p, size_t bytes)
{
	const uint64_t *w = p;
	uint64_t a = 0, b = 0, c = 0, d = 0;
	size_t i, n = bytes / 8;

	for (i = 0; i + 4 <= n; i += 4) {
		a += w[i];
		b ^= w[i + 1];
		c += w[i + 2];
		d ^= w[i + 3];
	}
	for (; i < n; i++)
		a += w[i];
	return a ^ b ^ c ^ d;
}

/*
 * Drain every ring; with @sum, reading every byte of every record in place
 * into it, without, releasing unread. Returns the records released.
 */
static uint64_t drain_touch(struct lmonster *h, uint64_t *sum)
{
	uint64_t total = 0;
	unsigned int ring, n;

	for (ring = 0; ring < MONSTER_NR_RINGS; ring++) {
		const struct monster_sample *recs;

		while (lmonster_ring_peek(h, ring, &recs, &n) == 0 && n) {
			if (sum)
				*sum += touch(recs, (size_t)n * sizeof(*recs));
			lmonster_ring_release(h, ring, n);
			total += n;
		}
	}
	return total;
}

/* Release everything ready on every ring without reading it. */
static uint64_t release_all(struct lmonster *h)
{
	return drain_touch(h, NULL);
}

static int any_ready(struct lmonster *h)
{
	const struct monster_sample *recs;
	unsigned int ring, n;

	for (ring = 0; ring < MONSTER_NR_RINGS; ring++)
		if (lmonster_ring_peek(h, ring, &recs, &n) == 0 && n)
			return 1;
	return 0;
}

/* The headers region, mapped read-only next to the library's own mapping. */
static const struct monster_headers *map_headers(int fd, const struct monster_info *info)
{
	void *p = mmap(NULL, info->headers_size, PROT_READ, MAP_SHARED, fd,
		       (off_t)info->headers_offset);

	if (p == MAP_FAILED)
		bench_die(prog, "mmap headers: %s", strerror(errno));
	return p;
}

/*
 * The machine's memory speed beside a drain, over the same number of bytes of private
 * memory: memcpy (bytes copied / time) and the drain's own sum loop (bytes read / time).
 */
struct memref {
	unsigned char *src, *dst;
	size_t cap;
};

static void memref_init(struct memref *m, size_t cap)
{
	m->cap = cap;
	m->src = malloc(cap);
	m->dst = malloc(cap);
	if (!m->src || !m->dst)
		bench_die(prog, "out of memory for the memcpy reference (%zu bytes)", cap);
	memset(m->src, 0x5a, cap);	/* fault both in before timing */
	memset(m->dst, 0, cap);
	memcpy(m->dst, m->src, cap);
}

static void memref_run(struct memref *m, const char *key, size_t bytes)
{
	uint64_t t0, t1;

	if (bytes > m->cap)
		bytes = m->cap;
	if (!bytes)
		return;
	t0 = th_now_ns();
	memcpy(m->dst, m->src, bytes);
	t1 = th_now_ns();
	sink += m->dst[bytes / 2];
	bench_out((double)bytes / (double)(t1 - t0), "%s.memcpy.gb_per_s", key);

	t0 = th_now_ns();
	sink += touch(m->src, bytes);
	t1 = th_now_ns();
	bench_out((double)bytes / (double)(t1 - t0), "%s.memread.gb_per_s", key);
}

static void memref_free(struct memref *m)
{
	free(m->src);
	free(m->dst);
}

/* What one clock read costs here (a hypervisor-less emulator may lack a fast clock). */
static void clock_cost(const char *key)
{
	double d[201];
	size_t i;

	for (i = 0; i < 201; i++) {
		uint64_t t0 = th_now_ns();

		d[i] = (double)(th_now_ns() - t0);
	}
	bench_out(bench_quantile(d, 201, 0.5), "%s.clock_ns", key);
}

static void out_drain(const char *key, const char *what, uint64_t recs, uint64_t ns)
{
	if (!ns)
		ns = 1;
	bench_out((double)recs * 1e9 / (double)ns, "%s.%s.rec_per_s", key, what);
	bench_out((double)recs * sizeof(struct monster_sample) / (double)ns, "%s.%s.gb_per_s",
		  key, what);
	bench_out((double)recs, "%s.%s.records", key, what);
}

/* ---- the sampler kthread -------------------------------------------------------------- */

/* The sampler's kthreads: monster-sampler and its sweep helpers monster-sweep/N. */
#define MAX_KTHREADS (MONSTER_SWEEP_THREADS_MAX + 1)

static int is_sampler_comm(const char *comm)
{
	return !strcmp(comm, "monster-sampler\n") || !strncmp(comm, "monster-sweep/", 14);
}

static unsigned int find_kthreads(pid_t *pids)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned int n = 0;

	if (!d)
		return 0;
	while (n < MAX_KTHREADS && (e = readdir(d))) {
		char path[64], comm[32] = "";
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%lu/comm", strtoul(e->d_name, NULL, 10));
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && is_sampler_comm(comm))
			pids[n++] = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return n;
}

/* On-CPU ns (schedstat) and utime+stime ticks (stat) of a task; 0 when unreadable. */
static void task_cpu(pid_t pid, uint64_t *sched_ns, uint64_t *ticks)
{
	char path[64], buf[1024], *p;
	FILE *f;
	int field;

	*sched_ns = 0;
	*ticks = 0;
	if (!pid)
		return;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f) {
		unsigned long long v;

		if (fscanf(f, "%llu", &v) == 1)
			*sched_ns = v;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
		p += 3;	/* ") " and the state letter */
		for (field = 4; field <= 15 && *p; field++) {
			unsigned long long v = strtoull(p, &p, 10);

			if (field == 14 || field == 15)
				*ticks += v;
		}
	}
	fclose(f);
}

struct kthreads {
	pid_t pid[MAX_KTHREADS];
	unsigned int n;
};

struct snap {
	struct monster_stats st;
	uint64_t t, sched_ns, ticks, dropped;
};

static void take_snap(struct lmonster *h, const struct kthreads *kt, struct snap *s)
{
	unsigned int i;

	check(lmonster_stats(h, &s->st), "stats");
	s->sched_ns = 0;
	s->ticks = 0;
	for (i = 0; i < kt->n; i++) {
		uint64_t ns, ticks;

		task_cpu(kt->pid[i], &ns, &ticks);
		s->sched_ns += ns;
		s->ticks += ticks;
	}
	s->t = th_now_ns();
	s->dropped = 0;
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		s->dropped += s->st.ring[i].dropped;
}

/* ---- device: sweep cost, sampler overhead, wake-up latency ------------------------------ */

struct drainer {
	struct lmonster *h;
	volatile int stop;
	uint64_t records;
};

static void *drainer_main(void *arg)
{
	struct drainer *d = arg;

	while (!d->stop) {
		int rc = lmonster_wait(d->h, 20);

		if (rc && rc != -ETIMEDOUT && rc != -EINTR)
			break;
		d->records += release_all(d->h);
	}
	return NULL;
}

/*
 * Return just after the next sweep ends (the shared header's sweep count moves), so that a
 * window holds whole sweeps: the driver adds a sweep's time when it ends, the kthread's
 * schedstat grows while it runs, and a window cut mid-sweep would set the two apart.
 */
static void wait_sweep_end(const struct monster_headers *hdrs, unsigned int max_ms)
{
	uint64_t s0 = __atomic_load_n(&hdrs->shared.sweeps, __ATOMIC_ACQUIRE);
	uint64_t end = th_now_ns() + (uint64_t)max_ms * 1000000ull;

	while (__atomic_load_n(&hdrs->shared.sweeps, __ATOMIC_ACQUIRE) == s0 &&
	       th_now_ns() < end)
		th_sleep_ns(100000);
}

static void device_window(struct lmonster *h, const struct monster_headers *hdrs,
			  const char *key, unsigned int rate, const struct kthreads *kt,
			  unsigned int window_ms)
{
	struct snap a, b;
	double wall, sweeps, tasks, sweep_ns;

	wait_sweep_end(hdrs, 2000);
	take_snap(h, kt, &a);
	th_sleep_ms(window_ms);
	wait_sweep_end(hdrs, 2000);
	take_snap(h, kt, &b);
	wall = (double)(b.t - a.t);
	sweeps = (double)(b.st.sweeps - a.st.sweeps);
	tasks = (double)(b.st.tasks_sampled - a.st.tasks_sampled);
	sweep_ns = (double)(b.st.total_sweep_ns - a.st.total_sweep_ns);
	if (sweeps < 1) {
		fprintf(stderr, "%s: %s at %u Hz: no sweep finished in %u ms\n", prog, key, rate,
			window_ms);
		return;
	}
	/* no tasks: a sweep that walks nothing (debugfs sweep_steps 0), the period alone */
	if (tasks >= 1)
		bench_out(sweep_ns / tasks, "%s.kernel.r%u.ns_per_task", key, rate);
	bench_out(sweep_ns / sweeps / 1e3, "%s.kernel.r%u.sweep_us", key, rate);
	bench_out(tasks / sweeps, "%s.kernel.r%u.tasks", key, rate);
	bench_out(100.0 * sweep_ns / wall, "%s.kernel.r%u.share_stats", key, rate);
	bench_out((double)(b.st.tasks_unchanged - a.st.tasks_unchanged) / sweeps,
		  "%s.kernel.r%u.unchanged", key, rate);
	bench_out((double)b.st.last_sweep_threads, "%s.kernel.r%u.threads", key, rate);
	if (kt->n && b.sched_ns >= a.sched_ns) {
		double on_cpu = (double)(b.sched_ns - a.sched_ns);

		bench_out(100.0 * on_cpu / wall, "%s.kernel.r%u.share_sched", key, rate);
		bench_out(on_cpu / sweeps / 1e3, "%s.kernel.r%u.cpu_us", key, rate);
		/* what the thread spends per period besides the sweep: timer, wake-ups, switches */
		if (b.st.last_sweep_threads <= 1)
			bench_out((on_cpu - sweep_ns) / sweeps / 1e3, "%s.kernel.r%u.outside_us",
				  key, rate);
	}
	if (kt->n)
		bench_out(100.0 * (double)(b.ticks - a.ticks) * 1e9 / (double)sysconf(_SC_CLK_TCK) /
			  wall, "%s.kernel.r%u.share_ticks", key, rate);
	bench_out(sweeps * 1e9 / wall, "%s.kernel.r%u.sweeps_per_s", key, rate);
	bench_out((double)(b.st.overruns - a.st.overruns) * 1e9 / wall,
		  "%s.kernel.r%u.overruns_per_s", key, rate);
	bench_out((double)(b.dropped - a.dropped) * 1e9 / wall, "%s.kernel.r%u.dropped_per_s",
		  key, rate);
}

static void wake_latency(struct lmonster *h, const struct monster_headers *hdrs,
			 const char *key, unsigned long runs, unsigned int run_ms)
{
	const volatile struct monster_shared_header *sh = &hdrs->shared;
	size_t cap = (size_t)run_ms + 64;	/* at most one sample per sweep; rate <= 1000 */
	double *lat = malloc(cap * sizeof(*lat));
	unsigned long r;

	if (!lat)
		bench_die(prog, "out of memory");
	for (r = 0; r < runs; r++) {
		uint64_t end_at = th_now_ns() + (uint64_t)run_ms * 1000000ull;
		uint64_t last = __atomic_load_n(&sh->sweeps, __ATOMIC_ACQUIRE);
		size_t n = 0;
		unsigned int early = 0, busy = 0;
		double mx;

		release_all(h);
		while (th_now_ns() < end_at && n < cap) {
			uint64_t t, s, e;
			int rc;

			/* a sample is a wait that starts with nothing ready */
			if (any_ready(h)) {
				busy++;
				last = __atomic_load_n(&sh->sweeps, __ATOMIC_ACQUIRE);
				release_all(h);
				continue;
			}
			rc = lmonster_wait(h, 1000);
			t = th_now_ns();
			/* the driver stores sweep_end_ns, then sweeps */
			s = __atomic_load_n(&sh->sweeps, __ATOMIC_ACQUIRE);
			e = __atomic_load_n(&sh->sweep_end_ns, __ATOMIC_ACQUIRE);
			if (rc == -ETIMEDOUT)
				continue;
			check(rc, "wait");
			if (s == last)
				early++;	/* records of a sweep still running */
			else if (t >= e)
				lat[n++] = (double)(t - e) / 1e3;
			last = s;
			release_all(h);
		}
		if (!n) {
			fprintf(stderr, "%s: %s: no wake-up sample in %u ms\n", prog, key, run_ms);
			continue;
		}
		mx = bench_quantile(lat, n, 1.0);
		bench_out(bench_quantile(lat, n, 0.50), "%s.wake.p50_us", key);
		bench_out(bench_quantile(lat, n, 0.99), "%s.wake.p99_us", key);
		bench_out(mx, "%s.wake.max_us", key);
		bench_out((double)n, "%s.wake.samples", key);
		bench_out((double)early, "%s.wake.early", key);
		bench_out((double)busy, "%s.wake.busy", key);
	}
	free(lat);
}

static int cmd_device(int argc, char **argv)
{
	unsigned long runs = 5, window_ms = 1000, warmup_ms = 300, lat_runs = 5, lat_ms = 2000;
	unsigned long lat_rate = 100, threads = ~0ul, keyframe = ~0ul;
	const char *key = "vm", *rates_s = "100,1000", *scope = "process";
	struct lmonster *h;
	struct monster_config cfg;
	struct monster_info info;
	struct drainer dr = { 0 };
	const struct monster_headers *hdrs;
	pthread_t th;
	struct kthreads kt;
	char rates[64], *tok, *save;
	int ai;

	for (ai = 2; ai < argc; ai++) {
		if (bench_opt_uint(argc, argv, &ai, "--runs", &runs) ||
		    bench_opt_uint(argc, argv, &ai, "--window-ms", &window_ms) ||
		    bench_opt_uint(argc, argv, &ai, "--warmup-ms", &warmup_ms) ||
		    bench_opt_uint(argc, argv, &ai, "--lat-runs", &lat_runs) ||
		    bench_opt_uint(argc, argv, &ai, "--lat-ms", &lat_ms) ||
		    bench_opt_uint(argc, argv, &ai, "--lat-rate", &lat_rate) ||
		    bench_opt_uint(argc, argv, &ai, "--threads", &threads) ||
		    bench_opt_uint(argc, argv, &ai, "--changed-only", &keyframe) ||
		    bench_opt_str(argc, argv, &ai, "--scope", &scope) ||
		    bench_opt_str(argc, argv, &ai, "--rates", &rates_s) ||
		    bench_opt_str(argc, argv, &ai, "--key", &key))
			continue;
		bench_die(prog, "device: unknown option %s", argv[ai]);
	}
	if (strcmp(scope, "process") && strcmp(scope, "thread"))
		bench_die(prog, "device: --scope is process or thread, not '%s'", scope);

	clock_cost(key);
	check(lmonster_open(NULL, 0, &h), "open " MONSTER_DEVICE_PATH);
	check(lmonster_stop(h), "stop");
	check(lmonster_info(h, &info), "info");
	check(lmonster_get_config(h, &cfg), "get_config");
	cfg.scope = strcmp(scope, "thread") ? MONSTER_SCOPE_PROCESS : MONSTER_SCOPE_THREAD;
	cfg.rate_hz = 100;
	if (threads != ~0ul)
		cfg.sweep_threads = (__u32)threads;
	cfg.flags &= ~MONSTER_CF_CHANGED_ONLY;
	if (keyframe != ~0ul) {
		cfg.flags |= MONSTER_CF_CHANGED_ONLY;
		cfg.keyframe = (__u32)keyframe;
	}
	check(lmonster_set_config(h, &cfg), "set_config");
	check(lmonster_claim(h, LMONSTER_ALL_RINGS), "claim");
	release_all(h);
	hdrs = map_headers(lmonster_fd(h), &info);

	dr.h = h;
	if (pthread_create(&th, NULL, drainer_main, &dr))
		bench_die(prog, "pthread_create failed");
	check(lmonster_start(h), "start");
	th_sleep_ms(50);
	kt.n = find_kthreads(kt.pid);
	if (!kt.n)
		fprintf(stderr, "%s: no monster-sampler kthread found: no kthread cross-check\n", prog);

	snprintf(rates, sizeof(rates), "%s", rates_s);
	for (tok = strtok_r(rates, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int rate = (unsigned int)strtoul(tok, NULL, 10);
		unsigned long r;

		check(lmonster_set_rate(h, rate), "set_rate");
		th_sleep_ms((unsigned int)warmup_ms);
		for (r = 0; r < runs; r++)
			device_window(h, hdrs, key, rate, &kt, (unsigned int)window_ms);
	}
	dr.stop = 1;
	pthread_join(th, NULL);

	if (lat_runs) {
		check(lmonster_set_rate(h, (unsigned int)lat_rate), "set_rate");
		th_sleep_ms((unsigned int)warmup_ms);
		wake_latency(h, hdrs, key, lat_runs, (unsigned int)lat_ms);
	}
	munmap((void *)hdrs, info.headers_size);
	check(lmonster_stop(h), "stop");
	release_all(h);
	lmonster_close(h);
	return 0;
}

/* ---- device-drain: the rings' drain rate on the real device ------------------------------ */

static int cmd_device_drain(int argc, char **argv)
{
	unsigned long runs = 5, fill_ms = 8000, rate = 1000, r;
	const char *key = "vm";
	struct lmonster *h;
	struct monster_info info;
	struct memref mr;
	uint64_t capacity, sum = 0;
	int ai;

	for (ai = 2; ai < argc; ai++) {
		if (bench_opt_uint(argc, argv, &ai, "--runs", &runs) ||
		    bench_opt_uint(argc, argv, &ai, "--fill-ms", &fill_ms) ||
		    bench_opt_uint(argc, argv, &ai, "--rate", &rate) ||
		    bench_opt_str(argc, argv, &ai, "--key", &key))
			continue;
		bench_die(prog, "device-drain: unknown option %s", argv[ai]);
	}

	check(lmonster_open(NULL, 0, &h), "open " MONSTER_DEVICE_PATH);
	check(lmonster_stop(h), "stop");
	check(lmonster_info(h, &info), "info");
	check(lmonster_claim(h, LMONSTER_ALL_RINGS), "claim");
	check(lmonster_set_rate(h, (unsigned int)rate), "set_rate");
	capacity = (uint64_t)info.nr_rings * info.ring_slots;
	memref_init(&mr, (size_t)capacity * sizeof(struct monster_sample));

	for (r = 0; r < runs; r++) {
		struct monster_stats st0, st;
		uint64_t t0, t1, got, fill = 0, last_fill = 0, deadline;
		unsigned int i, full, still = 0;

		release_all(h);
		check(lmonster_stats(h, &st0), "stats");
		check(lmonster_start(h), "start");
		deadline = th_now_ns() + (uint64_t)fill_ms * 1000000ull;
		/* until every ring drops, or the rings that get records are all full */
		do {
			th_sleep_ms(50);
			check(lmonster_stats(h, &st), "stats");
			for (i = 0, full = 0, fill = 0; i < MONSTER_NR_RINGS; i++) {
				fill += st.ring[i].fill;
				full += st.ring[i].dropped > st0.ring[i].dropped;
			}
			still = (fill && fill == last_fill) ? still + 1 : 0;
			last_fill = fill;
		} while (full < MONSTER_NR_RINGS && still < 6 && th_now_ns() < deadline);
		check(lmonster_stop(h), "stop");
		check(lmonster_stats(h, &st), "stats");
		for (i = 0, fill = 0; i < MONSTER_NR_RINGS; i++)
			fill += st.ring[i].fill;

		t0 = th_now_ns();
		got = drain_touch(h, &sum);
		t1 = th_now_ns();
		out_drain(key, "drain", got, t1 - t0);
		bench_out(100.0 * (double)fill / (double)capacity, "%s.drain.fill_pct", key);
		memref_run(&mr, key, (size_t)got * sizeof(struct monster_sample));
		fprintf(stderr, "%s: run %lu: %u of 15 rings full, %llu records (%.0f%%) drained in "
			"%.2f ms\n", prog, r + 1, full, (unsigned long long)got,
			100.0 * (double)fill / (double)capacity, (double)(t1 - t0) / 1e6);
	}
	sink += sum;
	memref_free(&mr);
	lmonster_close(h);
	return 0;
}

/* ---- events: the consumer of evload's runs ------------------------------------------------ */

static volatile sig_atomic_t events_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	events_stop = 1;
}

static int cmd_events(int argc, char **argv)
{
	unsigned long mask = ~0ul;
	const char *key = NULL;
	struct monster_config cfg;
	struct monster_kind_stats k0, k1;
	struct sigaction sa;
	struct lmonster *h;
	uint64_t sum = 0, produced = 0, dropped = 0;
	unsigned int kind, ring;
	int ai;

	for (ai = 2; ai < argc; ai++) {
		if (bench_opt_uint(argc, argv, &ai, "--events", &mask) ||
		    bench_opt_str(argc, argv, &ai, "--key", &key))
			continue;
		bench_die(prog, "events: unknown option %s", argv[ai]);
	}
	if (!key || mask == ~0ul)
		bench_die(prog, "events: --key K and --events MASK are needed");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	check(lmonster_open(NULL, 0, &h), "open " MONSTER_DEVICE_PATH);
	check(lmonster_stop(h), "stop");
	check(lmonster_get_config(h, &cfg), "get_config");
	cfg.scope = MONSTER_SCOPE_PROCESS;
	cfg.rate_hz = 100;
	cfg.events = (__u32)mask;
	check(lmonster_set_config(h, &cfg), "set_config");
	check(lmonster_claim(h, LMONSTER_ALL_RINGS), "claim");
	release_all(h);
	check(lmonster_kind_stats(h, &k0), "kind_stats");
	check(lmonster_start(h), "start");
	while (!events_stop) {
		int rc = lmonster_wait(h, 100);

		if (rc && rc != -ETIMEDOUT && rc != -EINTR)
			check(rc, "wait");
		drain_touch(h, &sum);
	}
	check(lmonster_stop(h), "stop");
	drain_touch(h, &sum);
	check(lmonster_kind_stats(h, &k1), "kind_stats");
	for (kind = MONSTER_KIND_SAMPLE + 1; kind < MONSTER_NR_KINDS; kind++)
		for (ring = 0; ring < MONSTER_NR_RINGS; ring++) {
			produced += k1.produced[kind][ring] - k0.produced[kind][ring];
			dropped += k1.dropped[kind][ring] - k0.dropped[kind][ring];
		}
	bench_out((double)produced, "%s.events.produced", key);
	bench_out((double)dropped, "%s.events.dropped", key);
	cfg.events = 0;
	check(lmonster_set_config(h, &cfg), "set_config");
	sink += sum;
	lmonster_close(h);
	return 0;
}

/* ---- file-drain: the same on a file-backed ring set, natively ---------------------------- */

struct producer {
	struct lmonster_producer *p;
	struct monster_sample rec;
	volatile int stop;
	int fill_once;
	uint64_t pushed;
};

static void *producer_main(void *arg)
{
	struct producer *pr = arg;

	do {
		unsigned int ring;

		for (ring = 0; ring < MONSTER_NR_RINGS; ring++) {
			int room = lmonster_producer_room(pr->p, ring), k;

			if (!pr->fill_once && room > 64)
				room = 64;
			for (k = 0; k < room; k++) {
				pr->rec.pid = (__u32)pr->pushed;
				pr->rec.timestamp_ns = pr->pushed;
				if (lmonster_producer_push(pr->p, (int)ring, &pr->rec) == 0)
					pr->pushed++;
			}
		}
	} while (!pr->fill_once && !pr->stop);
	return NULL;
}

static void template_record(struct monster_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = 4242;
	s->tgid = 4242;
	s->nr_threads = 1;
	snprintf(s->comm, sizeof(s->comm), "bench");
	s->rip = 0x401000;
	s->rsp = 0x7ffc0000;
	s->rax = (__u64)-38;
	s->mem_bytes = 1 << 20;
	s->cpu_time_ns = 12345678;
	s->utime_ns = 10000000;
	s->stime_ns = 2345678;
	s->runtime_ns = 12345678;
}

static int cmd_file_drain(int argc, char **argv)
{
	unsigned long runs = 5, stream_ms = 1000, r;
	const char *key = "native";
	struct lmonster_producer *p;
	struct lmonster *h;
	struct monster_info info;
	struct producer pr = { 0 };
	struct memref mr;
	uint64_t capacity, sum = 0;
	pthread_t th;
	int ai;

	for (ai = 2; ai < argc; ai++) {
		if (bench_opt_uint(argc, argv, &ai, "--runs", &runs) ||
		    bench_opt_uint(argc, argv, &ai, "--stream-ms", &stream_ms) ||
		    bench_opt_str(argc, argv, &ai, "--key", &key))
			continue;
		bench_die(prog, "file-drain: unknown option %s", argv[ai]);
	}

	check(lmonster_producer_create(NULL, 0, 0, &p), "producer_create");
	check(lmonster_producer_set_config(p, 100, MONSTER_SCOPE_PROCESS), "producer_set_config");
	check(lmonster_open_fd(lmonster_producer_fd(p), 0, &h), "open_fd");
	check(lmonster_info(h, &info), "info");
	check(lmonster_claim(h, LMONSTER_ALL_RINGS), "claim");
	capacity = (uint64_t)info.nr_rings * info.ring_slots;
	pr.p = p;
	template_record(&pr.rec);

	memref_init(&mr, (size_t)capacity * sizeof(struct monster_sample));
	/* fill every ring with a producer thread, then time the drain; run 0 warms up */
	for (r = 0; r <= runs; r++) {
		uint64_t t0, t1, t2, got;

		pr.fill_once = 1;
		pr.pushed = 0;
		t0 = th_now_ns();
		if (pthread_create(&th, NULL, producer_main, &pr))
			bench_die(prog, "pthread_create failed");
		pthread_join(th, NULL);
		t1 = th_now_ns();
		got = drain_touch(h, &sum);
		t2 = th_now_ns();
		if (!r)
			continue;
		out_drain(key, "filedrain", got, t2 - t1);
		bench_out((double)pr.pushed * 1e9 / (double)(t1 - t0), "%s.filepush.rec_per_s", key);
		memref_run(&mr, key, (size_t)got * sizeof(struct monster_sample));
		if (got != capacity)
			fprintf(stderr, "%s: file-drain run %lu: drained %llu of %llu\n", prog, r + 1,
				(unsigned long long)got, (unsigned long long)capacity);
	}

	/* producer and consumer at once */
	for (r = 0; r < runs; r++) {
		uint64_t t0, t1, got = 0, end;

		pr.fill_once = 0;
		pr.stop = 0;
		if (pthread_create(&th, NULL, producer_main, &pr))
			bench_die(prog, "pthread_create failed");
		t0 = th_now_ns();
		end = t0 + (uint64_t)stream_ms * 1000000ull;
		while (th_now_ns() < end)
			got += drain_touch(h, &sum);
		t1 = th_now_ns();
		pr.stop = 1;
		pthread_join(th, NULL);
		drain_touch(h, &sum);
		out_drain(key, "filestream", got, t1 - t0);
	}
	sink += sum;
	memref_free(&mr);
	lmonster_close(h);
	lmonster_producer_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "device"))
		return cmd_device(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "device-drain"))
		return cmd_device_drain(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "events"))
		return cmd_events(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "file-drain"))
		return cmd_file_drain(argc, argv);
	fprintf(stderr, "usage: %s device|device-drain|events|file-drain [options] (see the source)\n",
		prog);
	return 2;
}
