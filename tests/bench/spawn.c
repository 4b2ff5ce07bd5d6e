// SPDX-License-Identifier: GPL-2.0
/*
 * spawn - fill the machine with tiny sleeping processes, run a command, clean up.
 *
 *   spawn --total N [--reserve R] [--key K] [--settle-ms MS] [--threads T]
 *         [--active PCT --active-hz HZ] -- CMD [ARGS...]
 *
 * Forks sleepers (each closes its stdio and pause()s; PR_SET_PDEATHSIG kills it if spawn
 * dies) until the machine has about N processes, counting what already runs and R (default
 * 2) for the command's own processes; waits for them to settle (nothing runnable), runs CMD,
 * then kills and reaps every sleeper and exits with CMD's status. With --key it reports, as
 * BENCH lines: <K>.spawn.procs (processes once forked), <K>.spawn.fork_us (per fork) and
 * <K>.spawn.kib_per_proc (MemAvailable spent per sleeper). A sleeper is a fork of this small
 * static program: its private memory is a few pages plus the kernel's per-process structures.
 * --threads T: each sleeper is a process of T threads (N then counts threads, as the kernel's
 * task count in /proc/loadavg does), the cheap way to 100,000 tasks. --active PCT: that share
 * of the sleepers wakes at HZ (default 10), spins a little and sleeps again: tasks that run
 * between two sweeps, against the rest that never do.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "bench.h"

static const char *prog = "spawn";
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static long meminfo_kib(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t len = strlen(field);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* /proc/loadavg's "R/T": runnable tasks now (R) and all tasks (T); -1 when unreadable. */
static long loadavg_tasks(int all)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a, b, c;
	long r = -1, t = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lf %lf %lf %ld/%ld", &a, &b, &c, &r, &t) != 5)
		r = t = -1;
	fclose(f);
	return all ? t : r;
}

static long runnable(void)
{
	return loadavg_tasks(0);
}

static void raise_limit(const char *path, long want)
{
	FILE *f = fopen(path, "r+");
	long cur;

	if (!f)
		return;
	if (fscanf(f, "%ld", &cur) == 1 && cur < want) {
		rewind(f);
		fprintf(f, "%ld\n", want);
	}
	fclose(f);
}

static void *sleeper_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* The other threads - 1 threads of a sleeper, on small stacks. */
static void sleeper_threads(unsigned long threads)
{
	pthread_attr_t attr;
	unsigned long i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 1; i < threads; i++) {
		pthread_t t;

		if (pthread_create(&t, &attr, sleeper_thread, NULL))
			break;
	}
	pthread_attr_destroy(&attr);
}

/* An active sleeper: a short spin at hz, asleep in between. */
static void active_loop(unsigned long hz)
{
	long period = 1000000000L / (long)(hz ? hz : 1);
	struct timespec next;
	volatile unsigned long spin;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		next.tv_nsec += period;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		for (spin = 0; spin < 1000; spin++)
			;
	}
}

/*
 * A different stack depth per sleeper, so each one blocks in pause() with a different rsp:
 * the shard rule (rip ^ rsp ^ rax ^ mem ^ cpu_time) then spreads identical sleepers over
 * the rings as a mix of real processes would, instead of piling them into one or two.
 */
static void sleeper(pid_t parent, long idx, unsigned long threads, int active,
		    unsigned long hz)
{
	char pad[16 + 16 * (idx % 211)];

	pad[0] = 0;
	__asm__ volatile("" : : "r"(pad) : "memory");	/* keep the frame */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	close(0);
	close(1);
	close(2);
	sleeper_threads(threads);
	if (active)
		active_loop(hz);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	unsigned long total = 0, reserve = 2, settle_ms = 5000, threads = 1, active = 0, hz = 10;
	const char *key = NULL;
	pid_t *kids, parent = getpid(), cmd;
	long have, want, n = 0, i, avail0, avail1;
	uint64_t t0, t1;
	struct sigaction sa;
	int status = 0, ai;

	for (ai = 1; ai < argc; ai++) {
		if (bench_opt_uint(argc, argv, &ai, "--total", &total) ||
		    bench_opt_uint(argc, argv, &ai, "--reserve", &reserve) ||
		    bench_opt_uint(argc, argv, &ai, "--settle-ms", &settle_ms) ||
		    bench_opt_uint(argc, argv, &ai, "--threads", &threads) ||
		    bench_opt_uint(argc, argv, &ai, "--active", &active) ||
		    bench_opt_uint(argc, argv, &ai, "--active-hz", &hz) ||
		    bench_opt_str(argc, argv, &ai, "--key", &key))
			continue;
		if (!strcmp(argv[ai], "--")) {
			ai++;
			break;
		}
		bench_die(prog, "usage: spawn --total N [--reserve R] [--key K] [--settle-ms MS] "
			  "[--threads T] [--active PCT --active-hz HZ] -- CMD [ARGS...]");
	}
	if (!threads || active > 100 || !hz)
		bench_die(prog, "--threads is at least 1, --active a percentage, --active-hz at least 1");
	if (ai >= argc)
		bench_die(prog, "no command to run (spawn --total N -- CMD ...)");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* what top and ps count: processes, or with --threads the kernel's tasks */
	have = threads > 1 ? loadavg_tasks(1) : th_count_numbered("/proc");
	want = ((long)total - have - (long)reserve) / (long)threads;
	if (want < 0)
		want = 0;
	kids = calloc((size_t)want + 1, sizeof(*kids));
	if (!kids)
		bench_die(prog, "out of memory");
	raise_limit("/proc/sys/kernel/threads-max", 2 * (long)total + 4096);
	raise_limit("/proc/sys/kernel/pid_max", 2 * (long)total + 4096);
	raise_limit("/proc/sys/vm/max_map_count", 4 * (long)total + 65536);

	avail0 = meminfo_kib("MemAvailable");
	t0 = th_now_ns();
	for (n = 0; n < want && !got_signal; n++) {
		pid_t p = fork();

		if (p == 0)
			sleeper(parent, n, threads, ((unsigned long)n * active) % 100 < active, hz);
		if (p < 0) {
			fprintf(stderr, "%s: fork #%ld: %s; going on with %ld sleepers\n", prog, n + 1,
				strerror(errno), n);
			break;
		}
		kids[n] = p;
	}
	t1 = th_now_ns();

	/* with --threads the sleepers are still making theirs: until the count stops growing */
	if (threads > 1) {
		long target = have + n * (long)threads, last = -1, still = 0, now;

		for (i = 0; i < 180 * 10 && !got_signal; i++) {
			now = loadavg_tasks(1);
			if (now >= target - 16)
				break;
			still = now == last ? still + 1 : 0;
			if (still >= 50)
				break;
			last = now;
			th_sleep_ms(100);
		}
	}
	/* let the new processes reach pause(): nothing but us runnable */
	for (i = 0; i < (long)settle_ms / 20 && !got_signal; i++) {
		long r = runnable();

		if (r >= 0 && r <= 2)
			break;
		th_sleep_ms(20);
	}
	avail1 = meminfo_kib("MemAvailable");
	have = threads > 1 ? loadavg_tasks(1) : th_count_numbered("/proc");
	fprintf(stderr, "%s: %ld sleepers in %.1f s (%.0f us per fork), %ld processes now; "
		"MemAvailable %ld -> %ld MiB (%.0f KiB per sleeper)\n",
		prog, n, (double)(t1 - t0) / 1e9, n ? (double)(t1 - t0) / 1e3 / (double)n : 0.0,
		have, avail0 / 1024, avail1 / 1024,
		n ? (double)(avail0 - avail1) / (double)n : 0.0);
	if (key) {
		bench_out((double)have, "%s.spawn.procs", key);
		if (n) {
			bench_out((double)(t1 - t0) / 1e3 / (double)n, "%s.spawn.fork_us", key);
			bench_out((double)(avail0 - avail1) / (double)n, "%s.spawn.kib_per_proc", key);
		}
		bench_out((double)avail1 / 1024.0, "%s.spawn.mem_avail_mib", key);
		if (n < want)
			bench_info("spawn-short", "%s: only %ld of %ld sleepers forked", key, n, want);
	}

	cmd = got_signal ? -1 : fork();
	if (cmd == 0) {
		execvp(argv[ai], argv + ai);
		fprintf(stderr, "%s: %s: %s\n", prog, argv[ai], strerror(errno));
		_exit(127);
	}
	if (cmd > 0) {
		while (waitpid(cmd, &status, 0) < 0 && errno == EINTR)
			if (got_signal)
				kill(cmd, SIGTERM);
	} else {
		status = 1 << 8;
	}

	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	free(kids);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
