// SPDX-License-Identifier: GPL-2.0
/*
 * evload - the workloads whose slowdown prices the event probes: one fork,
 * one exec and one exit per operation, or one fresh-page fault.
 *
 *   evload fork  --key K [--runs R] [--ops N] [--exec PATH]
 *       N times: fork, the child execs PATH (default /bench/exit0), the parent
 *       waits for it:  K.fork.us_per_op per run
 *   evload fault --key K [--runs R] [--pages P] [--rounds N]
 *       N times: map P anonymous pages, write one byte of each, unmap:
 *       K.fault.ns_per_op per run (an operation is one user page fault)
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

static const char *prog = "evload";

static double fork_run(unsigned long ops, const char *path)
{
	char *const argv[] = { (char *)path, NULL }, *const envp[] = { NULL };
	uint64_t t0 = th_now_ns();
	unsigned long i;

	for (i = 0; i < ops; i++) {
		int status;
		pid_t p = fork();

		if (p < 0)
			bench_die(prog, "fork: %s", strerror(errno));
		if (p == 0) {
			execve(path, argv, envp);
			_exit(127);
		}
		if (waitpid(p, &status, 0) != p || !WIFEXITED(status) || WEXITSTATUS(status))
			bench_die(prog, "%s did not exit with 0 (status 0x%x)", path, status);
	}
	return (double)(th_now_ns() - t0) / 1e3 / (double)ops;
}

static double fault_run(unsigned long pages, unsigned long rounds)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t t0 = th_now_ns();
	unsigned long r, i;

	for (r = 0; r < rounds; r++) {
		volatile char *p = mmap(NULL, pages * (size_t)page, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			bench_die(prog, "mmap: %s", strerror(errno));
		/* one fault per page: a transparent huge page would take 512 in one */
		madvise((void *)p, pages * (size_t)page, MADV_NOHUGEPAGE);
		for (i = 0; i < pages; i++)
			p[i * (size_t)page] = 1;
		munmap((void *)p, pages * (size_t)page);
	}
	return (double)(th_now_ns() - t0) / (double)(pages * rounds);
}

int main(int argc, char **argv)
{
	unsigned long runs = 5, ops = 2000, pages = 4096, rounds = 25, r;
	const char *key = NULL, *path = "/bench/exit0";
	int fork_mode, ai;

	if (argc < 2 || (strcmp(argv[1], "fork") && strcmp(argv[1], "fault")))
		bench_die(prog, "usage: evload fork|fault --key K [options] (see the source)");
	fork_mode = !strcmp(argv[1], "fork");
	for (ai = 2; ai < argc; ai++) {
		if (bench_opt_uint(argc, argv, &ai, "--runs", &runs) ||
		    bench_opt_uint(argc, argv, &ai, "--ops", &ops) ||
		    bench_opt_uint(argc, argv, &ai, "--pages", &pages) ||
		    bench_opt_uint(argc, argv, &ai, "--rounds", &rounds) ||
		    bench_opt_str(argc, argv, &ai, "--exec", &path) ||
		    bench_opt_str(argc, argv, &ai, "--key", &key))
			continue;
		bench_die(prog, "unknown option %s", argv[ai]);
	}
	if (!key || !runs || !ops || !pages || !rounds)
		bench_die(prog, "--key K is needed; --runs, --ops, --pages and --rounds at least 1");
	/* a warm-up run: the page cache, the allocator, the branch caches */
	if (fork_mode)
		fork_run(ops / 10 + 1, path);
	else
		fault_run(pages, rounds / 5 + 1);
	for (r = 0; r < runs; r++) {
		if (fork_mode)
			bench_out(fork_run(ops, path), "%s.fork.us_per_op", key);
		else
			bench_out(fault_run(pages, rounds), "%s.fault.ns_per_op", key);
	}
	return 0;
}
