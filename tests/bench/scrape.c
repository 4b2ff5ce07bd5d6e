// SPDX-License-Identifier: GPL-2.0
/*
 * scrape - scrape HTTP exporters the way Prometheus does and measure what it costs them
 * (make bench-exporter).
 *
 *   scrape --seconds S --interval-ms I --key K --target NAME:PORT:PID [--target ...]
 *          [--cpu NAME:PID]... [--ready-s R]
 *
 * First each target must answer one scrape (untimed: process-exporter reads all of /proc
 * before it listens), trying for up to R seconds (default 600).
 * Every I ms, one GET /metrics (HTTP/1.0, a fresh connection, as Prometheus' first scrape
 * of a target) of each target in turn, timed from connect to the last byte; a round that
 * takes longer than I starts the next at once, as Prometheus does. Over the S
 * seconds it also reads the CPU time (utime + stime, /proc/PID/stat) of each target's
 * process and of each --cpu process (e.g. the sampler's kernel thread). Prints
 *   BENCH K.NAME.scrape_ms    one line per scrape
 *   BENCH K.NAME.cpu_per_s    CPU-seconds the process used per second of the window
 *   BENCH K.NAME.bytes        the size of its last answer
 * and exits 1 if any scrape failed (not HTTP 200, or silent for 120 s).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "bench.h"

#define MAX_PROCS	8

static const char *prog = "scrape";

struct proc {
	const char *name;
	int port;		/* 0: only its CPU is measured */
	int pid;
	double cpu0;
	unsigned long failures;
	size_t bytes;
};

/* utime + stime of pid in seconds, or -1 */
static double cpu_seconds(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* One GET /metrics: milliseconds to the last byte, or -1; *bytes the answer's size. */
static double get_metrics(int port, size_t *bytes)
{
	static char buf[1 << 16];
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n"
				  "Accept: text/plain;version=0.0.4\r\n\r\n";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 120, 0 };
	uint64_t t0 = th_now_ns();
	size_t total = 0;
	bool ok = false;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return -1;	/* not listening (yet) */
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!total)
			ok = n > 12 && !memcmp(buf + 8, " 200", 4);
		if (!total && !ok) {
			const char *eol = memchr(buf, '\r', (size_t)n);

			fprintf(stderr, "%s: port %d answered: %.*s\n", prog, port,
				eol ? (int)(eol - buf) : (int)n, buf);
		}
		total += (size_t)n;
	}
	if (n < 0)
		fprintf(stderr, "%s: port %d: %s after %zu bytes\n", prog, port, strerror(errno),
			total);
	close(fd);
	*bytes = total;
	return ok && n == 0 ? (double)(th_now_ns() - t0) / 1e6 : -1;
}

/* "NAME:PORT:PID" (target) or "NAME:PID" (cpu only) */
static void parse_proc(const char *s, bool target, struct proc *p)
{
	char *copy = strdup(s), *a = copy ? strchr(copy, ':') : NULL, *b = a ? strchr(a + 1, ':') : NULL;

	if (!a || (target && !b) || (!target && b))
		bench_die(prog, "bad %s '%s'", target ? "--target NAME:PORT:PID" : "--cpu NAME:PID", s);
	*a = 0;
	p->name = copy;
	if (target) {
		*b = 0;
		p->port = atoi(a + 1);
		p->pid = atoi(b + 1);
	} else {
		p->pid = atoi(a + 1);
	}
	if (p->pid <= 0 || (target && p->port <= 0))
		bench_die(prog, "bad pid or port in '%s'", s);
}

int main(int argc, char **argv)
{
	unsigned long seconds = 20, interval = 1000, ready = 600;
	const char *key = "bench", *s;
	struct proc procs[MAX_PROCS] = { { 0 } };
	unsigned int nprocs = 0, i;
	uint64_t t0, next, end;
	int a, failed = 0;

	for (a = 1; a < argc; a++) {
		if (bench_opt_uint(argc, argv, &a, "--seconds", &seconds) ||
		    bench_opt_uint(argc, argv, &a, "--interval-ms", &interval) ||
		    bench_opt_uint(argc, argv, &a, "--ready-s", &ready) ||
		    bench_opt_str(argc, argv, &a, "--key", &key))
			continue;
		if (nprocs < MAX_PROCS && bench_opt_str(argc, argv, &a, "--target", &s))
			parse_proc(s, true, &procs[nprocs++]);
		else if (nprocs < MAX_PROCS && bench_opt_str(argc, argv, &a, "--cpu", &s))
			parse_proc(s, false, &procs[nprocs++]);
		else
			bench_die(prog, "unknown option '%s'", argv[a]);
	}
	if (!nprocs || !seconds || !interval)
		bench_die(prog, "usage: scrape --seconds S --interval-ms I --key K "
			  "--target NAME:PORT:PID... [--cpu NAME:PID]...");
	t0 = th_now_ns();
	for (i = 0; i < nprocs; i++) {
		size_t bytes;

		while (procs[i].port && get_metrics(procs[i].port, &bytes) < 0) {
			if (th_now_ns() - t0 > ready * 1000000000ULL)
				bench_die(prog, "%s did not answer within %lu s", procs[i].name, ready);
			th_sleep_ms(1000);
		}
		if (procs[i].port)
			fprintf(stderr, "%s: %s answers (after %.1f s)\n", prog, procs[i].name,
				(double)(th_now_ns() - t0) / 1e9);
	}
	for (i = 0; i < nprocs; i++)
		if ((procs[i].cpu0 = cpu_seconds(procs[i].pid)) < 0)
			bench_die(prog, "no process %d (%s)", procs[i].pid, procs[i].name);
	t0 = next = th_now_ns();
	end = t0 + seconds * 1000000000ULL;
	while (th_now_ns() < end) {
		for (i = 0; i < nprocs; i++) {
			double ms;

			if (!procs[i].port)
				continue;
			ms = get_metrics(procs[i].port, &procs[i].bytes);
			if (ms < 0)
				procs[i].failures++;
			else
				bench_out(ms, "%s.%s.scrape_ms", key, procs[i].name);
		}
		next += interval * 1000000ULL;
		if (next < th_now_ns())
			next = th_now_ns();
		while (th_now_ns() < next)
			th_sleep_ms(1);
	}
	for (i = 0; i < nprocs; i++) {
		double cpu = cpu_seconds(procs[i].pid);
		double wall = (double)(th_now_ns() - t0) / 1e9;

		bench_out(cpu < 0 ? -1 : (cpu - procs[i].cpu0) / wall, "%s.%s.cpu_per_s", key,
			  procs[i].name);
		if (procs[i].port)
			bench_out((double)procs[i].bytes, "%s.%s.bytes", key, procs[i].name);
		if (procs[i].failures) {
			fprintf(stderr, "%s: %lu scrapes of %s failed\n", prog, procs[i].failures,
				procs[i].name);
			failed = 1;
		}
	}
	return failed;
}
