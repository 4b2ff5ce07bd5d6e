// SPDX-License-Identifier: GPL-2.0
/*
 * procscan - the honest userspace alternative to monster's sampler: one sweep over every
 * process the way top, htop and pidstat collect the same fields from /proc.
 *
 *   procscan [--runs R] [--warmup W] [--key K]
 *
 * A sweep is readdir(/proc) and, for each process, one open+read+close of each of
 *   /proc/PID/stat       state, ppid, minor/major faults, utime, stime, threads, start, RSS
 *   /proc/PID/status     Tgid, VmRSS, voluntary/involuntary context switches
 *   /proc/PID/schedstat  on-CPU runtime (ns), run delay (ns)
 * parsed into a record per process (registers are not in /proc: stat's kstkeip/kstkesp
 * read 0). Per run it prints, with K as the key prefix (default "native"):
 *   K.procscan.ns_per_task      wall time of the sweep / processes read
 *   K.procscan.cpu_ns_per_task  this process's CPU time of the sweep / processes read
 *   K.procscan.scan_ms, K.procscan.tasks
 * W warm-up sweeps (default 1) are not reported.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>

#include "bench.h"

static const char *prog = "procscan";

struct proc_rec {
	unsigned int pid, tgid, ppid, nr_threads;
	char comm[16];
	char state;
	unsigned long long min_flt, maj_flt, utime, stime, start, rss_pages;
	unsigned long long vm_rss_kib, nvcsw, nivcsw, runtime_ns, run_delay_ns, slices;
};

/* One open+read+close, as top and htop read these files; returns bytes read or -1. */
static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static unsigned long long next_ull(char **p)
{
	return strtoull(*p, p, 10);
}

static int parse_stat(char *buf, struct proc_rec *r)
{
	char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')'), *p;
	size_t len;
	int field;

	if (!open_paren || !close_paren || close_paren < open_paren)
		return -1;
	len = (size_t)(close_paren - open_paren - 1);
	if (len >= sizeof(r->comm))
		len = sizeof(r->comm) - 1;
	memcpy(r->comm, open_paren + 1, len);
	r->comm[len] = '\0';
	p = close_paren + 2;
	r->state = *p;
	p += 1;
	/* fields 4.. of proc(5) */
	for (field = 4; field <= 24; field++) {
		unsigned long long v = next_ull(&p);

		switch (field) {
		case 4: r->ppid = (unsigned int)v; break;
		case 10: r->min_flt = v; break;
		case 12: r->maj_flt = v; break;
		case 14: r->utime = v; break;
		case 15: r->stime = v; break;
		case 20: r->nr_threads = (unsigned int)v; break;
		case 22: r->start = v; break;
		case 24: r->rss_pages = v; break;
		default: break;
		}
	}
	return 0;
}

static unsigned long long status_field(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);

	if (!p)
		return 0;
	p += strlen(name);
	while (*p == ' ' || *p == '\t')
		p++;
	return strtoull(p, NULL, 10);
}

static void parse_status(const char *buf, struct proc_rec *r)
{
	r->tgid = (unsigned int)status_field(buf, "\nTgid:");
	r->vm_rss_kib = status_field(buf, "\nVmRSS:");
	r->nvcsw = status_field(buf, "\nvoluntary_ctxt_switches:");
	r->nivcsw = status_field(buf, "\nnonvoluntary_ctxt_switches:");
}

static void parse_schedstat(char *buf, struct proc_rec *r)
{
	char *p = buf;

	r->runtime_ns = next_ull(&p);
	r->run_delay_ns = next_ull(&p);
	r->slices = next_ull(&p);
}

/* One sweep; returns the number of processes read into *recs. */
static size_t sweep(struct proc_rec **recs, size_t *cap)
{
	char path[64], buf[4096];
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (!d)
		bench_die(prog, "opendir /proc: %s", strerror(errno));
	while ((e = readdir(d))) {
		struct proc_rec *r;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (n == *cap) {
			*cap = *cap ? 2 * *cap : 1024;
			*recs = realloc(*recs, *cap * sizeof(**recs));
			if (!*recs)
				bench_die(prog, "out of memory");
		}
		r = &(*recs)[n];
		memset(r, 0, sizeof(*r));
		r->pid = (unsigned int)strtoul(e->d_name, NULL, 10);

		snprintf(path, sizeof(path), "/proc/%u/stat", r->pid);
		if (read_file(path, buf, sizeof(buf)) < 0 || parse_stat(buf, r))
			continue;	/* gone meanwhile */
		snprintf(path, sizeof(path), "/proc/%u/status", r->pid);
		if (read_file(path, buf, sizeof(buf)) < 0)
			continue;
		parse_status(buf, r);
		snprintf(path, sizeof(path), "/proc/%u/schedstat", r->pid);
		if (read_file(path, buf, sizeof(buf)) >= 0)
			parse_schedstat(buf, r);
		n++;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	unsigned long runs = 5, warmup = 1, r;
	const char *key = "native";
	struct proc_rec *recs = NULL;
	size_t cap = 0, n = 0;
	unsigned long long check = 0;
	int ai;

	for (ai = 1; ai < argc; ai++) {
		if (bench_opt_uint(argc, argv, &ai, "--runs", &runs) ||
		    bench_opt_uint(argc, argv, &ai, "--warmup", &warmup) ||
		    bench_opt_str(argc, argv, &ai, "--key", &key))
			continue;
		bench_die(prog, "usage: procscan [--runs R] [--warmup W] [--key K]");
	}

	for (r = 0; r < warmup; r++)
		sweep(&recs, &cap);
	for (r = 0; r < runs; r++) {
		uint64_t t0 = th_now_ns(), c0 = th_clock_ns(CLOCK_PROCESS_CPUTIME_ID), t1, c1;
		size_t i;

		n = sweep(&recs, &cap);
		t1 = th_now_ns();
		c1 = th_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		for (i = 0; i < n; i++)	/* use what was read */
			check += recs[i].utime + recs[i].nvcsw + recs[i].runtime_ns;
		if (!n)
			bench_die(prog, "no processes read from /proc");
		bench_out((double)(t1 - t0) / (double)n, "%s.procscan.ns_per_task", key);
		bench_out((double)(c1 - c0) / (double)n, "%s.procscan.cpu_ns_per_task", key);
		bench_out((double)(t1 - t0) / 1e6, "%s.procscan.scan_ms", key);
		bench_out((double)n, "%s.procscan.tasks", key);
	}
	fprintf(stderr, "%s: %zu processes per sweep (checksum %llx)\n", prog, n, check & 0xfff);
	free(recs);
	return 0;
}
