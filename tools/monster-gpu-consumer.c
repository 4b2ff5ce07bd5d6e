// SPDX-License-Identifier: GPL-2.0
/*
 * monster-gpu-consumer - reads the 15 Monster rings (the device, or a
 * file-backed ring set), turns each batch into the [15, N, 10] Hecke-scaled
 * tensor on the GPU (records read in place from the registered ring memory)
 * or, without a usable GPU, on the CPU with identical results, counts the
 * "8080 walk" patterns and Hecke anomalies, and prints the totals as text or
 * one JSON object. Records of other kinds than samples (events) are consumed
 * as all-zero rows and counted per ring.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json_writer.h"
#include "lmonster.h"
#include "lmonster_gpu.h"
#include "monster_features.h"
#include "parse_num.h"

#ifndef MONSTER_VERSION
#define MONSTER_VERSION "unknown"
#endif

static const char *prog = "monster-gpu-consumer";
static volatile sig_atomic_t stop_flag;

struct opts {
	const char *device;
	double seconds;		/* 0: until interrupted */
	int gpu;
	int gpu_given;
	int cpu;
	int require_gpu;
	int json;
	int quiet;
	int bind;
	int verbose;
	unsigned int interval_ms;
	unsigned int max_rows;
};

struct totals {
	unsigned long long records, batches, anomalies, patterns, compute_ns, busy_ns, events;
	unsigned long long ring_records[MONSTER_NR_RINGS];
	unsigned long long ring_events[MONSTER_NR_RINGS];
	unsigned long long ring_anomalies[MONSTER_NR_RINGS];
	unsigned long long ring_patterns[MONSTER_NR_RINGS];
	struct lmonster_u128 ring_sum[MONSTER_NR_RINGS];	/* exact, mod 2^128 */
	unsigned int max_rows_seen;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTION]...\n"
"Consume the Monster rings and process them as one [15, N, 10] tensor:\n"
"every feature (pid, timestamp, rip, rsp, rax, rbx, rcx, rdx, memory, CPU time)\n"
"scaled by prime/71, on the GPU (records read in place, zero copy) or on the CPU\n"
"with bit-identical results; count 8080 walk patterns and Hecke anomalies.\n"
"Records of other kinds (fork, exec, exit, fault, reclaim events) are consumed as\n"
"all-zero rows and counted per ring.\n"
"\n"
"  -d, --device PATH     the device (default " MONSTER_DEVICE_PATH ") or a file-backed ring set\n"
"  -s, --seconds S       stop after S seconds (default 0: run until Ctrl-C)\n"
"  -g, --gpu N           CUDA device N (default 0)\n"
"  -c, --cpu             use the CPU path (otherwise the CPU is used only when no\n"
"                        GPU can be used, with the reason printed)\n"
"      --require-gpu     fail instead of falling back to the CPU\n"
"  -i, --interval MS     at most one batch per MS milliseconds (default 100: 10 Hz)\n"
"  -b, --max-batch N     records per ring per batch (default: the ring size)\n"
"  -j, --json            print one JSON object at the end instead of the text report\n"
"  -q, --quiet           no per-batch lines\n"
"      --no-numa-bind    do not move this thread to the GPU's (or rings') NUMA node\n"
"  -v, --verbose         print the library's diagnostics on stderr\n"
"  -h, --help            this help\n"
"  -V, --version         the version\n"
"\n"
"Exit status: 0 done, 1 runtime error (no device, permission, processing), 2 bad usage.\n"
"Environment: LMONSTER_CUDA_LIBRARY names the CUDA driver library (default libcuda.so.1).\n",
		prog);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void lib_log(int level, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s: lib(%d): %s\n", prog, level, msg);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void sleep_ns(unsigned long long ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);	/* a signal cuts it short: the loop looks at stop_flag */
}

__attribute__((format(printf, 1, 2)))
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try --help)\n");
	return 2;
}

/* An option that takes a value: 0, or the usage exit status. */
static int value_option(int c, const char *arg, struct opts *o)
{
	unsigned long v;

	switch (c) {
	case 'd':
		if (!*arg)
			return bad_usage("--device: empty path");
		o->device = arg;
		break;
	case 's':
		if (parse_double(arg, 0, 1e9, &o->seconds))
			return bad_usage("--seconds: '%s' is not a number of seconds >= 0", arg);
		break;
	case 'g':
		if (parse_ulong(arg, 0, 1023, &v))
			return bad_usage("--gpu: '%s' is not a CUDA device number (0..1023)", arg);
		o->gpu = (int)v;
		o->gpu_given = 1;
		break;
	case 'i':
		if (parse_ulong(arg, 1, 60000, &v))
			return bad_usage("--interval: '%s' is not a number of milliseconds "
					 "(1..60000)", arg);
		o->interval_ms = (unsigned int)v;
		break;
	case 'b':
		if (parse_ulong(arg, 1, MONSTER_SLOTS_MAX, &v))
			return bad_usage("--max-batch: '%s' is not a record count (1..%u)", arg,
					 MONSTER_SLOTS_MAX);
		o->max_rows = (unsigned int)v;
		break;
	}
	return 0;
}

/* Any other option, or what getopt could not parse: 0, or the usage exit status. */
static int flag_option(int c, char **argv, struct opts *o)
{
	switch (c) {
	case 'c':
		o->cpu = 1;
		break;
	case 'R':
		o->require_gpu = 1;
		break;
	case 'j':
		o->json = 1;
		break;
	case 'q':
		o->quiet = 1;
		break;
	case 'N':
		o->bind = 0;
		break;
	case 'v':
		o->verbose = 1;
		break;
	case 'h':
		usage(stdout);
		exit(0);
	case 'V':
		printf("%s %s (liblmonster %s, %s)\n", prog, MONSTER_VERSION, lmonster_version(),
		       lmonster_gpu_built() ? "CUDA kernels built in" : "built without CUDA");
		exit(0);
	case ':':
		return bad_usage("%s needs a value", argv[optind - 1]);
	default:
		if (optopt)
			return bad_usage("unknown option '-%c'", optopt);
		return bad_usage("unknown option '%s'", argv[optind - 1]);
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const char optstring[] = ":d:s:g:ci:b:jqvhV";
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "gpu", required_argument, NULL, 'g' },
		{ "cpu", no_argument, NULL, 'c' },
		{ "require-gpu", no_argument, NULL, 'R' },
		{ "interval", required_argument, NULL, 'i' },
		{ "max-batch", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-numa-bind", no_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->interval_ms = 100;
	o->bind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		const char *spec = c == ':' ? NULL : strchr(optstring, c);

		if (spec && spec[1] == ':')
			ret = value_option(c, optarg, o);
		else
			ret = flag_option(c, argv, o);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (o->cpu && (o->gpu_given || o->require_gpu))
		return bad_usage("--cpu cannot be combined with --gpu or --require-gpu");
	return 0;
}

static struct lmonster_u128 u128_add(struct lmonster_u128 a, struct lmonster_u128 b)
{
	struct lmonster_u128 r;

	r.lo = a.lo + b.lo;
	r.hi = a.hi + b.hi + (r.lo < a.lo);
	return r;
}

static void account(struct totals *t, const struct lmonster_batch *b)
{
	unsigned int r;

	t->batches++;
	t->records += b->records;
	t->anomalies += b->anomalies;
	t->patterns += b->pattern;
	t->compute_ns += b->compute_ns;
	t->busy_ns += b->batch_ns;
	if (b->rows > t->max_rows_seen)
		t->max_rows_seen = b->rows;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		t->ring_records[r] += b->ring[r].count;
		t->ring_events[r] += b->ring[r].events;
		t->events += b->ring[r].events;
		t->ring_anomalies[r] += b->ring[r].anomalies;
		t->ring_patterns[r] += b->ring[r].pattern;
		t->ring_sum[r] = u128_add(t->ring_sum[r], b->ring[r].sum);
	}
}

struct run {
	struct opts o;
	struct lmonster *h;
	struct lmonster_gpu *g;
	struct lmonster_cpu *c;
	struct lmonster_gpu_info gi;
	struct lmonster_numa numa;
	int numa_ok;
	char reason[300];	/* why the CPU path, when not asked for */
	const char *source;	/* "kernel" or "ring set" */
	unsigned int batch_rows;	/* records per ring per batch at most */
	struct totals t;
	double elapsed;
	struct monster_stats st;
	int have_stats;
};

static double per_second(unsigned long long n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0;
}

/*
 * Bytes the computation reads where they lie: of each record only its
 * first MONSTER_FEATURE_PREFIX bytes, the ten features' fields in whole
 * cache lines (gpu/monster_features.h); the rest is never fetched.
 */
static double gigabytes_read(unsigned long long records)
{
	return (double)records * MONSTER_FEATURE_PREFIX / 1e9;
}

static void report_rings_text(const struct run *R)
{
	const struct totals *t = &R->t;
	unsigned long long slices = 0, dropped = 0;
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		printf("Ring %u (prime %u): %llu samples in tensor, %llu events as zero rows "
		       "(anomalies %llu, walk patterns %llu)\n", r, monster_prime(r),
		       t->ring_records[r] - t->ring_events[r], t->ring_events[r],
		       t->ring_anomalies[r], t->ring_patterns[r]);
		slices += t->ring_patterns[r];
		dropped += R->st.ring[r].dropped;
	}
	printf("\n8080 walk pattern: %llu of %llu batches (whole tensor), %llu ring slices\n",
	       t->patterns, t->batches, slices);
	printf("Hecke anomalies: %llu (%.2f%% of the samples)\n", t->anomalies,
	       t->records > t->events ?
	       100.0 * (double)t->anomalies / (double)(t->records - t->events) : 0.0);
	printf("Events (zero rows): %llu\n", t->events);
	if (R->have_stats)
		printf("Dropped by the producer (rings full): %llu\n", dropped);
}

static void report_text(const struct run *R)
{
	const struct totals *t = &R->t;
	double rate = per_second(t->records, R->elapsed);
	double cs = (double)t->compute_ns / 1e9;

	printf("\n=== Monster GPU Consumer Statistics ===\n");
	printf("Total processed: %llu\n", t->records);
	printf("Elapsed time: %.2fs\n", R->elapsed);
	printf("Processing rate: %.0f samples/sec\n", rate);
	printf("Batches: %llu (largest tensor [15, %u, 10])\n", t->batches, t->max_rows_seen);
	if (cs > 0)
		printf("%s time: %.3f ms, %.0f samples/sec, %.2f GB/s read in place\n",
		       R->g ? "GPU kernel" : "CPU compute", cs * 1e3, (double)t->records / cs,
		       gigabytes_read(t->records) / cs);
	printf("\n");
	report_rings_text(R);
	if (R->g)
		printf("Summary: %llu samples in %llu batches on GPU %d (%s), %.0f samples/sec, "
		       "%llu anomalies, %llu walk patterns\n", t->records, t->batches,
		       R->gi.ordinal, R->gi.name, rate, t->anomalies, t->patterns);
	else
		printf("Summary: %llu samples in %llu batches on the CPU%s%s%s, %.0f samples/sec, "
		       "%llu anomalies, %llu walk patterns\n", t->records, t->batches,
		       R->reason[0] ? " (" : "", R->reason, R->reason[0] ? ")" : "", rate,
		       t->anomalies, t->patterns);
}

static void json_gpu(struct jsonw *w, const struct lmonster_gpu_info *gi)
{
	jsonw_start_object(w, "gpu");
	jsonw_int(w, "ordinal", gi->ordinal);
	jsonw_string(w, "name", gi->name);
	jsonw_string(w, "pci_bus_id", gi->pci_bus_id);
	jsonw_stringf(w, "compute_capability", "%d.%d", gi->cc_major, gi->cc_minor);
	jsonw_int(w, "driver_version", gi->driver_version);
	jsonw_bool(w, "read_only_registration", gi->read_only);
	jsonw_uint(w, "registered_bytes", gi->registered_bytes);
	jsonw_int(w, "numa_node", gi->numa_node);
	jsonw_end(w);
}

static void json_numa(struct jsonw *w, const struct lmonster_numa *numa)
{
	jsonw_start_object(w, "numa");
	jsonw_bool(w, "available", numa->available);
	jsonw_int(w, "nodes", numa->nodes);
	jsonw_int(w, "ring_node", numa->ring_node);
	jsonw_int(w, "gpu_node", numa->gpu_node);
	jsonw_int(w, "bound_node", numa->bound_node);
	jsonw_bool(w, "mismatch", numa->mismatch);
	jsonw_end(w);
}

static void json_rings(struct jsonw *w, const struct run *R)
{
	const struct totals *t = &R->t;
	unsigned int r;

	jsonw_start_array(w, "rings");
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		jsonw_start_object(w, NULL);
		jsonw_uint(w, "ring", r);
		jsonw_uint(w, "prime", monster_prime(r));
		jsonw_uint(w, "samples", t->ring_records[r] - t->ring_events[r]);
		jsonw_uint(w, "events", t->ring_events[r]);
		jsonw_uint(w, "anomalies", t->ring_anomalies[r]);
		jsonw_uint(w, "patterns", t->ring_patterns[r]);
		jsonw_fixed(w, "sum", lmonster_fix_to_double(t->ring_sum[r]), 6);
		jsonw_stringf(w, "sum_fx", "0x%016llx%016llx",
			      (unsigned long long)t->ring_sum[r].hi,
			      (unsigned long long)t->ring_sum[r].lo);
		if (R->have_stats)
			jsonw_uint(w, "dropped", R->st.ring[r].dropped);
		jsonw_end(w);
	}
	jsonw_end(w);
}

static int report_json(const struct run *R)
{
	const struct totals *t = &R->t;
	struct jsonw w;

	jsonw_init(&w, stdout);
	jsonw_start_object(&w, NULL);
	jsonw_string(&w, "version", MONSTER_VERSION);
	jsonw_string(&w, "device", R->o.device ? R->o.device : MONSTER_DEVICE_PATH);
	jsonw_string(&w, "source", R->source);
	jsonw_string(&w, "path", R->g ? "gpu" : "cpu");
	jsonw_string(&w, "fallback_reason", R->reason[0] ? R->reason : NULL);
	if (R->g)
		json_gpu(&w, &R->gi);
	else
		jsonw_null(&w, "gpu");
	if (R->numa_ok)
		json_numa(&w, &R->numa);
	else
		jsonw_null(&w, "numa");
	jsonw_uint(&w, "total_processed", t->records);
	jsonw_fixed(&w, "elapsed_s", R->elapsed, 6);
	jsonw_fixed(&w, "rate", per_second(t->records, R->elapsed), 3);
	jsonw_uint(&w, "batches", t->batches);
	jsonw_uint(&w, "max_rows", t->max_rows_seen);
	jsonw_fixed(&w, "compute_s", (double)t->compute_ns / 1e9, 9);
	jsonw_uint(&w, "bytes_read", t->records * MONSTER_FEATURE_PREFIX);	/* gigabytes_read() */
	jsonw_uint(&w, "events", t->events);
	jsonw_uint(&w, "anomalies", t->anomalies);
	jsonw_uint(&w, "patterns", t->patterns);
	json_rings(&w, R);
	return jsonw_end(&w);
}

/* Pick the processor: the GPU unless --cpu, the CPU with a reason otherwise. */
static int choose_path(struct run *R)
{
	int ret;

	if (!R->o.cpu) {
		ret = lmonster_gpu_open(R->h, R->o.gpu, R->o.max_rows, &R->g);
		if (!ret) {
			lmonster_gpu_info(R->g, &R->gi);
			return 0;
		}
		snprintf(R->reason, sizeof(R->reason), "%s", lmonster_gpu_strerror(ret));
		if (R->o.require_gpu) {
			fprintf(stderr, "%s: GPU %d unavailable: %s\n", prog, R->o.gpu, R->reason);
			return 1;
		}
		fprintf(stderr, "%s: GPU unavailable: %s; using the CPU path\n", prog, R->reason);
	}
	ret = lmonster_cpu_open(R->h, R->o.max_rows, &R->c);
	if (ret) {
		fprintf(stderr, "%s: CPU path: %s\n", prog, lmonster_strerror(ret));
		return 1;
	}
	return 0;
}

static int process(struct run *R, struct lmonster_batch *b)
{
	int ret;

	if (!R->g)
		return lmonster_cpu_process(R->c, 0, b);
	ret = lmonster_gpu_process(R->g, 0, b);
	if (!ret || R->o.require_gpu)
		return ret;
	/* the GPU failed mid-run: nothing was released, the CPU takes over the same records */
	snprintf(R->reason, sizeof(R->reason), "GPU failed: %s", lmonster_gpu_strerror(ret));
	fprintf(stderr, "%s: %s; continuing on the CPU path\n", prog, R->reason);
	lmonster_gpu_close(R->g);
	R->g = NULL;
	ret = lmonster_cpu_open(R->h, R->o.max_rows, &R->c);
	if (ret)
		return ret;
	return lmonster_cpu_process(R->c, 0, b);
}

static int run_loop(struct run *R)
{
	unsigned long long start = now_ns(), deadline = 0, next = start;
	struct lmonster_batch b;
	int ret;

	if (R->o.seconds > 0)
		deadline = start + (unsigned long long)(R->o.seconds * 1e9);
	while (!stop_flag) {
		unsigned long long n = now_ns(), t0;
		unsigned int r, full = 0;
		int tmo = 1000;

		if (deadline && n >= deadline)
			break;
		if (n < next) {		/* pace the batches: one per --interval */
			unsigned long long until = deadline && deadline < next ? deadline : next;

			sleep_ns(until - n);
			continue;
		}
		if (deadline && (deadline - n) / 1000000 < (unsigned long long)tmo)
			tmo = (int)((deadline - n) / 1000000) + 1;
		ret = lmonster_wait(R->h, tmo);
		if (ret == -ETIMEDOUT || ret == -EINTR)
			continue;
		if (ret) {
			fprintf(stderr, "%s: wait: %s\n", prog, lmonster_strerror(ret));
			return 1;
		}
		t0 = now_ns();
		ret = process(R, &b);
		if (ret) {
			fprintf(stderr, "%s: batch: %s\n", prog, lmonster_gpu_strerror(ret));
			return 1;
		}
		account(&R->t, &b);
		if (b.records && !R->o.json && !R->o.quiet)
			printf("Read %llu samples from %s\n", (unsigned long long)b.records, R->source);
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			full |= b.ring[r].count == R->batch_rows;
		/* a batch that took all it may (or a full ring) leaves records behind: no pause */
		next = full ? now_ns() : t0 + (unsigned long long)R->o.interval_ms * 1000000ull;
	}
	R->elapsed = (double)(now_ns() - start) / 1e9;
	return 0;
}

/* Open the rings and size the batches: 0, or the exit status (the reason printed). */
static int open_rings(struct run *R)
{
	struct monster_info info;
	int ret = lmonster_open(R->o.device, 0, &R->h);
	int flags;

	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog,
			R->o.device ? R->o.device : MONSTER_DEVICE_PATH, lmonster_strerror(ret));
		return 1;
	}
	flags = lmonster_flags(R->h);
	R->source = flags >= 0 && (flags & LMONSTER_F_FILE) ? "ring set" : "kernel";
	ret = lmonster_info(R->h, &info);
	if (ret) {
		fprintf(stderr, "%s: info: %s\n", prog, lmonster_strerror(ret));
		return 1;
	}
	if (R->o.max_rows > info.ring_slots) {
		fprintf(stderr, "%s: --max-batch %u exceeds the ring size %u (try --help)\n",
			prog, R->o.max_rows, info.ring_slots);
		return 2;
	}
	R->batch_rows = R->o.max_rows ? R->o.max_rows : info.ring_slots;
	return 0;
}

/* Bind near the rings (or the GPU); a placement that crosses sockets is only a warning. */
static void place_numa(struct run *R)
{
	int ret = lmonster_numa_setup(R->h, R->g, R->o.bind, &R->numa);

	R->numa_ok = ret == 0;
	if (ret)
		fprintf(stderr, "%s: warning: NUMA placement: %s\n", prog, lmonster_strerror(ret));
	else if (R->numa.mismatch)
		fprintf(stderr, "%s: warning: the ring pages are on NUMA node %d but GPU %d is on "
			"node %d: every record crosses the inter-socket link (load monster with "
			"numa_node=%d)\n", prog, R->numa.ring_node, R->gi.ordinal,
			R->numa.gpu_node, R->numa.gpu_node);
}

static void print_banner(const struct run *R)
{
	printf("Monster GPU Consumer starting...\n");
	if (R->g)
		printf("Device: CUDA %d (%s, sm_%d%d, %s, %llu MiB of ring memory registered%s)\n",
		       R->gi.ordinal, R->gi.name, R->gi.cc_major, R->gi.cc_minor, R->gi.pci_bus_id,
		       (unsigned long long)(R->gi.registered_bytes >> 20),
		       R->gi.read_only ? " read-only" : "");
	else
		printf("Device: CPU%s%s%s\n", R->reason[0] ? " (" : "", R->reason,
		       R->reason[0] ? ")" : "");
	printf("Rings: %d (Monster primes) from %s\n", MONSTER_NR_RINGS,
	       R->o.device ? R->o.device : MONSTER_DEVICE_PATH);
	if (R->numa_ok && R->numa.nodes > 1)
		printf("NUMA: rings on node %d, GPU on node %d, consumer bound to node %d\n",
		       R->numa.ring_node, R->numa.gpu_node, R->numa.bound_node);
	printf("\n");
	fflush(stdout);
}

/* Process until the deadline or a signal, then report: 0, or the exit status. */
static int consume(struct run *R)
{
	int ret = choose_path(R);

	if (ret)
		return ret;
	place_numa(R);
	if (!R->o.json)
		print_banner(R);
	ret = run_loop(R);
	R->have_stats = lmonster_stats(R->h, &R->st) == 0;
	if (ret)
		return ret;
	if (!R->o.json) {
		report_text(R);
		return 0;
	}
	ret = report_json(R);
	if (ret)
		fprintf(stderr, "%s: cannot print the report: %s\n", prog, strerror(-ret));
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct run R;
	int ret;

	memset(&R, 0, sizeof(R));
	ret = parse_opts(argc, argv, &R.o);
	if (ret)
		return ret;
	if (R.o.verbose)
		lmonster_set_log(lib_log, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits return early */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = open_rings(&R);
	if (!ret)
		ret = consume(&R);
	lmonster_gpu_close(R.g);
	lmonster_cpu_close(R.c);
	lmonster_close(R.h);
	return ret;
}
