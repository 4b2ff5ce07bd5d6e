// SPDX-License-Identifier: GPL-2.0
/*
 * t_86_exporter - monster-exporter against the real device: it opens
 * /dev/monster (0600, root's) and drops to nobody, a known process
 * ("mx-known": spins, holds 16 MiB, forks three children that exit) is
 * sampled with fork and exit events on, and /metrics, fetched with busybox
 * wget as a user would, lists its group with plausible values and the
 * sampler's health; /healthz answers; SIGTERM ends it with status 0. The
 * exporter is /bin/monster-exporter in the guest (run-vm.sh adds
 * monster-exporter.vm there); without it the test fails, saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmtest.h"

#define EXPORTER	"/bin/monster-exporter"
#define LISTEN		"127.0.0.1:9477"
#define KNOWN		"mx-known"
#define KNOWN_MIB	16
#define KNOWN_FORKS	3

struct known {
	volatile int go;	/* set by the test: fork now */
	volatile int forked;	/* set by the child: children forked and reaped */
};

static struct known *known;

/* The known process: 16 MiB touched, three short-lived children on cue, then a CPU spin. */
static int known_body(void *arg)
{
	/* volatile: every page is written for real (the compiler sees no reader) */
	volatile char *mem = malloc(KNOWN_MIB * VT_MIB);
	size_t off;
	int i;

	(void)arg;
	if (!mem)
		return 1;
	for (off = 0; off < KNOWN_MIB * VT_MIB; off += 4096)
		mem[off] = 1;
	vt_child_ready();
	while (!known->go)
		;
	for (i = 0; i < KNOWN_FORKS; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	known->forked = 1;
	for (;;)
		mem[0]++;
}

/* busybox wget URL into path: its exit status, or -1 (killed after 20 s). */
static int wget(const char *url, const char *path)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		/* not wget -T: Debian 12's busybox wget crashes with it */
		alarm(20);
		execl("/bin/wget", "wget", "-q", "-O", path, url, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The value of the sample named exactly series ("name{labels}"), or -1. */
static double sample(const char *text, const char *series)
{
	size_t len = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ')
			return strtod(p + len + 1, NULL);
		p += len;
	}
	return -1;
}

static pid_t start_exporter(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int err = open("/tmp/exporter.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (err < 0 || dup2(err, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execl(EXPORTER, EXPORTER, "--listen", LISTEN, "--user", "nobody", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static char metrics[1 << 20];

static void check_metrics(bool events, bool hist, double elapsed_s)
{
	char series[128];
	double user, sys, rss, procs, threads, forks, exits, sweeps, produced = 0, count;
	unsigned int r, groups = 0;
	const char *p;

	snprintf(series, sizeof(series), "monster_group_cpu_seconds_total{group=\"%s\",mode=\"user\"}",
		 KNOWN);
	user = sample(metrics, series);
	snprintf(series, sizeof(series),
		 "monster_group_cpu_seconds_total{group=\"%s\",mode=\"system\"}", KNOWN);
	sys = sample(metrics, series);
	snprintf(series, sizeof(series), "monster_group_resident_bytes{group=\"%s\"}", KNOWN);
	rss = sample(metrics, series);
	snprintf(series, sizeof(series), "monster_group_processes{group=\"%s\"}", KNOWN);
	procs = sample(metrics, series);
	snprintf(series, sizeof(series), "monster_group_threads{group=\"%s\"}", KNOWN);
	threads = sample(metrics, series);
	/* a spinner on one of two CPUs: some CPU time, at most the time it has been alive */
	th_check(user > 0.1 && user + sys <= elapsed_s * 1.1 + 0.5, "exporter-known-cpu",
		 "group %s: user %.3f s, system %.3f s in %.1f s alive", KNOWN, user, sys,
		 elapsed_s);
	th_check(rss >= KNOWN_MIB * VT_MIB && rss < 512 * VT_MIB && procs == 1 && threads == 1,
		 "exporter-known-gauges", "group %s: resident %.0f bytes (>= %d MiB), %.0f "
		 "processes, %.0f threads (1 each)", KNOWN, rss, KNOWN_MIB, procs, threads);
	if (events) {
		snprintf(series, sizeof(series), "monster_group_forks_total{group=\"%s\"}", KNOWN);
		forks = sample(metrics, series);
		snprintf(series, sizeof(series), "monster_group_exits_total{group=\"%s\"}", KNOWN);
		exits = sample(metrics, series);
		th_check(forks >= KNOWN_FORKS && exits >= KNOWN_FORKS, "exporter-known-events",
			 "group %s: %.0f forks, %.0f exits (its %d children: at least that many)",
			 KNOWN, forks, exits, KNOWN_FORKS);
	}
	sweeps = sample(metrics, "monster_sweeps_total");
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		snprintf(series, sizeof(series),
			 "monster_ring_records_produced_total{ring=\"%u\",prime=\"%u\"}", r,
			 monster_prime(r));
		produced += sample(metrics, series);
	}
	count = hist ? sample(metrics, "monster_sweep_duration_seconds_count") : 1;
	th_check(sweeps > 10 && produced > sweeps && count > 0, "exporter-health",
		 "%.0f sweeps, %.0f records produced, %.0f sweeps in the duration histogram",
		 sweeps, produced, hist ? count : -1);
	for (p = metrics; (p = strstr(p, "\nmonster_group_processes{")); p++)
		groups++;
	th_check(groups >= 2 && groups <= 21 && !strstr(metrics, "pid=") &&
		 !strstr(metrics, "0x"), "exporter-bounded",
		 "%u groups (the top 20 and other), no pid label, no address", groups);
}

int main(void)
{
	struct vt_dev d;
	struct monster_config cfg;
	char buf[256], status[4096];
	bool events, hist;
	uint64_t t0;
	pid_t known_pid, exp;
	int i, rc = -1, st;

	vt_begin("t_86_exporter");
	if (access(EXPORTER, X_OK)) {
		th_fail("exporter", "%s is not in the guest (run-vm.sh adds build/tools/"
			"monster-exporter.vm there: make exporter-vm)", EXPORTER);
		return vt_end();
	}
	vt_open_or_bail(&d, "exporter-open");
	events = d.info.features & MONSTER_FEAT_EVENTS;
	hist = d.info.features & MONSTER_FEAT_SWEEP_HIST;
	vt_set_rate_scope_or_bail(d.fd, 100, MONSTER_SCOPE_PROCESS, "exporter-config");
	if (events && !vt_get_config(d.fd, &cfg)) {
		cfg.events = MONSTER_EVENT(MONSTER_KIND_FORK) | MONSTER_EVENT(MONSTER_KIND_EXIT);
		th_check(!vt_set_config(d.fd, &cfg), "exporter-events", "events=fork,exit");
	}
	known = vt_shared_alloc(sizeof(*known));
	known_pid = vt_spawn(KNOWN, known_body, NULL, true);
	t0 = th_now_ns();
	if (known_pid < 0)
		vt_bail("exporter-known", "cannot start %s", KNOWN);
	vt_start(d.fd);
	exp = start_exporter();
	for (i = 0; i < 150 && rc != 0; i++) {	/* up to 15 s: qemu without KVM is slow */
		usleep(100000);
		rc = wget("http://" LISTEN "/healthz", "/tmp/healthz");
	}
	if (rc || vt_read_file("/tmp/healthz", buf, sizeof(buf)) <= 0)
		buf[0] = 0;
	if (!th_check(!strcmp(buf, "ok\n"), "exporter-healthz", "wget /healthz: exit %d, '%.*s'",
		      rc, (int)strcspn(buf, "\n"), buf)) {
		if (vt_read_file("/tmp/exporter.err", status, sizeof(status)) > 0)
			th_note("exporter: %s", status);
	}
	snprintf(buf, sizeof(buf), "/proc/%d/status", (int)exp);
	if (vt_read_file(buf, status, sizeof(status)) > 0) {
		static const char want[] = "\nUid:\t65534\t65534\t65534\t65534\n";
		const char *uid = strstr(status, "\nUid:");

		th_check(uid && !strncmp(uid, want, sizeof(want) - 1), "exporter-dropped-to-nobody",
			 "after opening /dev/monster (0600): %.*s", (int)sizeof(want) - 3,
			 uid ? uid + 1 : "no Uid line");
	}
	known->go = 1;
	for (i = 0; i < 100 && !known->forked; i++)
		usleep(50000);
	sleep(3);	/* the fork and exit events and a few hundred sweeps reach the exporter */
	rc = wget("http://" LISTEN "/metrics", "/tmp/metrics");
	if (rc || vt_read_file("/tmp/metrics", metrics, sizeof(metrics)) <= 0)
		metrics[0] = 0;
	if (th_check(strstr(metrics, "# TYPE monster_group_cpu_seconds_total counter\n"),
		     "exporter-metrics", "wget /metrics: exit %d, %zu bytes", rc, strlen(metrics)))
		check_metrics(events, hist, (double)(th_now_ns() - t0) / 1e9);
	kill(exp, SIGTERM);
	st = -1;
	for (i = 0; i < 100; i++) {
		if (waitpid(exp, &st, WNOHANG) == exp)
			break;
		usleep(100000);
	}
	if (i == 100) {
		kill(exp, SIGKILL);
		waitpid(exp, &st, 0);
	}
	status[0] = 0;
	vt_read_file("/tmp/exporter.err", status, sizeof(status));
	th_check(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !status[0], "exporter-sigterm",
		 "SIGTERM: %s %d, stderr '%s'", WIFEXITED(st) ? "exit" : "signal",
		 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), status);
	vt_kill_children();
	vt_stop(d.fd);
	vt_close(&d);
	return vt_end();
}
