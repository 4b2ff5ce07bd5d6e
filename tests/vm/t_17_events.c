// SPDX-License-Identifier: GPL-2.0
/*
 * t_17_events - event records against what the test itself did:
 *   - no process escapes: 1,000 children living about a millisecond (fork,
 *     exec of this program, exit with a known code or signal), sampled at
 *     10 Hz: each has exactly one fork, exec and exit record, the right
 *     exit status and a CPU time, nothing dropped;
 *   - samples carry the system call a task is blocked in, as
 *     /proc/PID/syscall shows it;
 *   - faults: a child touching N fresh pages of a known region gives N user
 *     fault records there with ips in its text; with 1-in-K sampling about
 *     N/K, the rest counted as filtered;
 *   - kernel addresses: seen by a root opener only where %pK shows them
 *     (kptr_restrict 1), never by a group member, nor after one opened;
 *   - reclaim: under memory pressure, one record a second whose deltas add
 *     up to /proc/vmstat's over the same time.
 */
#include "vmstress.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NCHILD		1000
#define PARALLEL	25
#define FAULT_PAGES	2000
#define FAULT_EVERY	10
#define PAGE		4096UL
#define KERNEL_HALF	0xffff800000000000ULL

extern const char __executable_start[], etext[];

static const char *g_self;	/* this program, to exec */
static uint64_t g_kmark;

/* ---- the child after exec: exit with argv's code (>= 256: raise code - 256) ---- */

static int child_main(int code)
{
	volatile uint64_t x = 0;
	uint64_t end = th_now_ns() + 1000000;

	while (th_now_ns() < end)
		x++;
	if (code >= 256) {
		signal(code - 256, SIG_DFL);
		raise(code - 256);
	}
	return code;
}

static int expected_code(int i)
{
	return i % 50 == 7 ? 256 + SIGTERM : i % 256;
}

/* ---- collecting records ---- */

struct seen {
	pid_t pid;
	int code;
	unsigned int forks, execs, exits;
	struct monster_event fork, exec, exit;
};

static struct seen g_kid[NCHILD];
static uint64_t g_count[MONSTER_NR_KINDS];

static struct seen *kid_of(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < NCHILD; i++)
		if (g_kid[i].pid == pid)
			return &g_kid[i];
	return NULL;
}

static void on_rec(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	const struct monster_event *e = (const struct monster_event *)s;
	struct seen *k;

	(void)arg;
	(void)ring;
	(void)idx;
	if (s->kind < MONSTER_NR_KINDS)
		g_count[s->kind]++;
	if (s->kind == MONSTER_KIND_SAMPLE || !(k = kid_of((pid_t)e->pid)))
		return;
	if (e->kind == MONSTER_KIND_FORK && k->forks++ == 0)
		k->fork = *e;
	else if (e->kind == MONSTER_KIND_EXEC && k->execs++ == 0)
		k->exec = *e;
	else if (e->kind == MONSTER_KIND_EXIT && k->exits++ == 0)
		k->exit = *e;
}

static int set_events(struct vt_dev *d, uint32_t events, uint32_t tgid, uint32_t every)
{
	struct monster_config c;
	int err = vt_get_config(d->fd, &c);

	if (err)
		return err;
	c.events = events;
	c.fault_tgid = tgid;
	c.fault_every = every;
	return vt_set_config(d->fd, &c);
}

/* ---- no process escapes ---- */

static pid_t spawn_child(int i)
{
	char code[16];
	pid_t pid = fork();

	if (pid == 0) {
		snprintf(code, sizeof(code), "%d", expected_code(i));
		execl(g_self, g_self, "--child-exit", code, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void run_children(struct vt_dev *d)
{
	int i, started = 0, running = 0, status;

	while (started < NCHILD || running > 0) {
		while (started < NCHILD && running < PARALLEL) {
			g_kid[started].code = expected_code(started);
			g_kid[started].pid = spawn_child(started);
			if (g_kid[started].pid < 0)
				vt_bail("events-spawn", "fork: %s", strerror(errno));
			started++;
			running++;
		}
		if (waitpid(-1, &status, 0) > 0)
			running--;
		vt_consume_all(d, on_rec, NULL);
	}
	(void)i;
}

static bool exit_ok(const struct seen *k, char *why, size_t len)
{
	const struct monster_exit_event *x = &k->exit.exit;
	int want_code = k->code >= 256 ? -1 : k->code;
	unsigned int want_sig = k->code >= 256 ? (unsigned int)(k->code - 256) : 0;

	/*
	 * The CPU time is the scheduler's final figure, its unaccounted slice
	 * included, and may be 0: with a coarse sched clock (a TSC the kernel
	 * does not trust, under emulation) a whole life can fit in one of its
	 * ticks. The sum over all children is checked instead.
	 */
	if (x->exit_code != want_code || x->signal != want_sig ||
	    x->utime_ns + x->stime_ns != x->runtime_ns ||
	    x->start_time_ns != k->fork.fork.child_start_ns ||
	    !(k->exit.flags & MONSTER_EF_GROUP_EXIT)) {
		snprintf(why, len, "pid %d: exit_code %d signal %u (want %d, %u), runtime %llu, "
			 "utime+stime %llu, start %llu (fork said %llu), flags %#x", k->pid,
			 x->exit_code, x->signal, want_code, want_sig,
			 (unsigned long long)x->runtime_ns,
			 (unsigned long long)(x->utime_ns + x->stime_ns),
			 (unsigned long long)x->start_time_ns,
			 (unsigned long long)k->fork.fork.child_start_ns, k->exit.flags);
		return false;
	}
	return true;
}

static void check_no_escape(struct vt_dev *d)
{
	unsigned int i, forks = 0, execs = 0, exits = 0, bad_fork = 0, bad_exec = 0, bad_exit = 0;
	unsigned int order = 0;
	uint64_t cpu_ns = 0;
	char why_fork[200] = "", why_exec[200] = "", why_exit[240] = "", why[240];
	struct monster_kind_stats ks;
	uint64_t dropped = 0;
	const char *base = strrchr(g_self, '/') ? strrchr(g_self, '/') + 1 : g_self;
	int err;

	vt_set_rate_scope_or_bail(d->fd, 10, MONSTER_SCOPE_PROCESS, "events-config");
	err = set_events(d, MONSTER_EVENT(MONSTER_KIND_FORK) | MONSTER_EVENT(MONSTER_KIND_EXEC) |
			 MONSTER_EVENT(MONSTER_KIND_EXIT), 0, 0);
	if (!th_check(!err, "events-config", "SET_CONFIG events=fork,exec,exit: %s",
		      err ? strerror(err) : "ok"))
		return;
	vt_drain(d);
	vt_start(d->fd);
	run_children(d);
	th_sleep_ms(200);
	vt_stop(d->fd);
	vt_consume_all(d, on_rec, NULL);

	for (i = 0; i < NCHILD; i++) {
		const struct seen *k = &g_kid[i];

		forks += k->forks == 1;
		execs += k->execs == 1;
		exits += k->exits == 1;
		if (k->forks == 1 && (k->fork.fork.parent_tgid != (uint32_t)getpid() ||
				      k->fork.tgid != (uint32_t)k->pid) && !bad_fork++)
			snprintf(why_fork, sizeof(why_fork), "pid %d: parent_tgid %u (want %d)",
				 k->pid, k->fork.fork.parent_tgid, getpid());
		if (k->execs == 1 && (strcmp(k->exec.exec.filename, g_self) ||
				      strncmp(k->exec.comm, base, 15) ||
				      k->exec.exec.old_pid != (uint32_t)k->pid) && !bad_exec++)
			snprintf(why_exec, sizeof(why_exec), "pid %d: filename '%.60s' comm '%.16s' "
				 "old_pid %u", k->pid, k->exec.exec.filename, k->exec.comm,
				 k->exec.exec.old_pid);
		if (k->exits == 1 && !exit_ok(k, why, sizeof(why)) && !bad_exit++)
			snprintf(why_exit, sizeof(why_exit), "%s", why);
		cpu_ns += k->exits == 1 ? k->exit.exit.runtime_ns : 0;
		order += k->forks && k->execs && k->exits &&
			 (k->fork.timestamp_ns > k->exec.timestamp_ns ||
			  k->exec.timestamp_ns > k->exit.timestamp_ns);
	}
	th_check(forks == NCHILD && !bad_fork, "events-fork-every-child",
		 "%u of %u children with exactly one fork record, %u wrong%s%s", forks, NCHILD,
		 bad_fork, why_fork[0] ? "; " : "", why_fork);
	th_check(execs == NCHILD && !bad_exec, "events-exec-every-child",
		 "%u of %u with exactly one exec record, %u wrong%s%s", execs, NCHILD, bad_exec,
		 why_exec[0] ? "; " : "", why_exec);
	th_check(exits == NCHILD && !bad_exit, "events-exit-every-child",
		 "%u of %u with exactly one exit record, %u wrong (status, signal, utime + stime "
		 "== runtime, start time)%s%s", exits, NCHILD, bad_exit, why_exit[0] ? "; " : "", why_exit);
	/* each child spins for 1 ms: the exits account for at least half of that in all */
	th_check(cpu_ns >= NCHILD * 500000ULL, "events-exit-cpu-time",
		 "the %u exit records add up to %llu ms of CPU time (children spun %u ms)", NCHILD,
		 (unsigned long long)(cpu_ns / 1000000), NCHILD);
	th_check(!order, "events-in-order", "%u children whose fork, exec, exit timestamps are "
		 "out of order", order);
	err = vt_ioctl(d->fd, MONSTER_IOC_GET_KIND_STATS, &ks);
	for (i = 0; !err && i < MONSTER_NR_RINGS; i++)
		dropped += ks.dropped[MONSTER_KIND_FORK][i] + ks.dropped[MONSTER_KIND_EXEC][i] +
			   ks.dropped[MONSTER_KIND_EXIT][i];
	th_check(!err && !dropped && (ks.events_available & MONSTER_EVENTS_ALL) == MONSTER_EVENTS_ALL,
		 "events-none-dropped", "GET_KIND_STATS: %s, %llu fork/exec/exit records dropped, "
		 "available kinds %#x", err ? strerror(err) : "ok", (unsigned long long)dropped,
		 err ? 0 : ks.events_available);
	set_events(d, 0, 0, 0);
}

/* ---- the system call of a blocked task ---- */

static int reader_main(void *arg)
{
	int *fds = arg;
	char c;

	vt_child_ready();
	return (int)read(fds[0], &c, 1);
}

static pid_t g_blocked[2];
static int g_syscall[2] = { -2, -2 };

static void on_sample(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	unsigned int i;

	(void)arg;
	(void)ring;
	(void)idx;
	for (i = 0; i < 2; i++)
		if (s->kind == MONSTER_KIND_SAMPLE && (pid_t)s->pid == g_blocked[i])
			g_syscall[i] = monster_sample_syscall(s);
}

static void check_syscall(struct vt_dev *d)
{
	int fds[2], want[2] = { -3, -3 };
	unsigned int i, ok = 0;
	char path[64], buf[256], detail[200] = "";

	if (pipe(fds))
		vt_bail("syscall-setup", "pipe: %s", strerror(errno));
	g_blocked[0] = vt_spawn("monster-reader", reader_main, fds, true);
	g_blocked[1] = vt_spawn("monster-napper", vt_child_pause, NULL, true);
	th_sleep_ms(100);
	vt_set_rate_scope_or_bail(d->fd, 50, MONSTER_SCOPE_PROCESS, "syscall-config");
	vt_drain(d);
	vt_start(d->fd);
	vt_wait_sweeps(d->fd, 3, 5000, d, on_sample, NULL);
	vt_stop(d->fd);
	vt_consume_all(d, on_sample, NULL);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/syscall", g_blocked[i]);
		if (vt_read_file(path, buf, sizeof(buf)) > 0)
			want[i] = atoi(buf);
		ok += g_syscall[i] == want[i] && want[i] >= 0;
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "%s%s: record %d, /proc %d", i ? "; " : "", i ? "sleeping" : "reading",
			 g_syscall[i], want[i]);
	}
	th_check(ok == 2, "syscall-blocked", "%s", detail);
	vt_kill(g_blocked[0]);
	vt_kill(g_blocked[1]);
	close(fds[0]);
	close(fds[1]);
}

/* ---- faults ---- */

struct fault_job {
	volatile uint64_t region, len;
	volatile int go, done;
};

static int toucher_main(void *arg)
{
	struct fault_job *j = arg;
	char *p = mmap(NULL, FAULT_PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return 1;
	/* one fault per page: no huge page covering 512 of them at once */
	madvise(p, FAULT_PAGES * PAGE, MADV_NOHUGEPAGE);
	j->region = (uint64_t)(uintptr_t)p;
	j->len = FAULT_PAGES * PAGE;
	vt_child_ready();
	while (!j->go)
		usleep(1000);
	for (i = 0; i < FAULT_PAGES; i++)
		p[i * PAGE] = 1;
	j->done = 1;
	for (;;)
		pause();
	return 0;
}

struct fault_count {
	pid_t pid;
	uint64_t lo, hi;
	unsigned int in_region, ip_in_text, kernel, other;
};

static void on_fault(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	const struct monster_event *e = (const struct monster_event *)s;
	struct fault_count *c = arg;

	(void)ring;
	(void)idx;
	if (e->kind != MONSTER_KIND_FAULT)
		return;
	if ((pid_t)e->tgid != c->pid) {
		c->other++;
		return;
	}
	if (e->flags & MONSTER_EF_KERNEL) {
		c->kernel++;
		return;
	}
	if (e->fault.address >= c->lo && e->fault.address < c->hi) {
		c->in_region++;
		c->ip_in_text += e->fault.ip >= (uint64_t)(uintptr_t)__executable_start &&
				 e->fault.ip < (uint64_t)(uintptr_t)etext;
	}
}

/* Faults of one toucher child, every one or one in @every; returns the records in its region. */
static unsigned int fault_run(struct vt_dev *d, uint32_t every, struct fault_count *c,
			      struct monster_kind_stats *before, struct monster_kind_stats *after)
{
	struct fault_job *j = vt_shared_alloc(sizeof(*j));
	pid_t pid = vt_spawn("monster-touch", toucher_main, j, true);
	uint64_t end;

	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->lo = j->region;
	c->hi = j->region + j->len;
	set_events(d, MONSTER_EVENT(MONSTER_KIND_FAULT), (uint32_t)pid, every);
	vt_drain(d);
	vt_ioctl(d->fd, MONSTER_IOC_GET_KIND_STATS, before);
	vt_start(d->fd);
	j->go = 1;
	end = th_now_ns() + 10000000000ULL;
	while (!j->done && th_now_ns() < end)
		vt_consume_all(d, on_fault, c);
	vt_stop(d->fd);
	vt_consume_all(d, on_fault, c);
	vt_ioctl(d->fd, MONSTER_IOC_GET_KIND_STATS, after);
	set_events(d, 0, 0, 0);
	vt_kill(pid);
	return c->in_region;
}

static void check_faults(struct vt_dev *d)
{
	struct monster_kind_stats a, b;
	struct fault_count c;
	unsigned int n;
	uint64_t seen, filtered;

	n = fault_run(d, 1, &c, &a, &b);
	th_check(n >= FAULT_PAGES && c.ip_in_text == n && !c.other, "fault-user-region",
		 "%u user fault records in the %u-page region (want >= %u), %u with ips in the "
		 "text, %u of other processes (fault_tgid set)", n, FAULT_PAGES, FAULT_PAGES,
		 c.ip_in_text, c.other);
	n = fault_run(d, FAULT_EVERY, &c, &a, &b);
	seen = b.faults_seen - a.faults_seen;
	filtered = b.faults_filtered - a.faults_filtered;
	/* per CPU one in ten: the count is within a couple of faults per CPU of a tenth */
	th_check(n * 10 >= FAULT_PAGES * 7 / FAULT_EVERY * 10 / 10 &&
		 n <= FAULT_PAGES * 13 / 10 / FAULT_EVERY + 8 && seen >= FAULT_PAGES &&
		 filtered + n <= seen, "fault-one-in-k",
		 "one in %u: %u records in the region (about %u), %llu faults seen, %llu filtered",
		 FAULT_EVERY, n, FAULT_PAGES / FAULT_EVERY, (unsigned long long)seen,
		 (unsigned long long)filtered);
}

/* ---- kernel addresses ---- */

struct kaddr_count {
	unsigned int kernel_faults, kernel_ips, hidden;
};

static void on_kaddr(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	const struct monster_event *e = (const struct monster_event *)s;
	struct kaddr_count *k = arg;

	(void)ring;
	(void)idx;
	if (e->kind != MONSTER_KIND_FAULT || !(e->flags & MONSTER_EF_KERNEL))
		return;
	k->kernel_faults++;
	k->kernel_ips += e->fault.ip >= KERNEL_HALF || e->fault.address >= KERNEL_HALF;
	k->hidden += !!(e->flags & MONSTER_EF_HIDDEN);
}

/* Kernel-mode faults: read() into fresh user pages faults in copy_to_user. */
static void kernel_faults(void)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	unsigned int i;

	for (i = 0; fd >= 0 && i < 20; i++) {
		char *p = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		if (read(fd, p, 64 * PAGE) < 0)
			break;
		munmap(p, 64 * PAGE);
	}
	if (fd >= 0)
		close(fd);
}

static void kaddr_round(struct vt_dev *d, struct kaddr_count *k)
{
	memset(k, 0, sizeof(*k));
	set_events(d, MONSTER_EVENT(MONSTER_KIND_FAULT), (uint32_t)getpid(), 1);
	vt_drain(d);
	vt_start(d->fd);
	kernel_faults();
	vt_stop(d->fd);
	vt_consume_all(d, on_kaddr, k);
	set_events(d, 0, 0, 0);
}

/* As uid 65534 in the device's group: map the rings, look for kernel addresses. */
static int member_scan(void *arg)
{
	gid_t g = 4242;
	struct vt_dev m;
	unsigned int r, kaddr = 0;
	uint64_t i;

	(void)arg;
	if (setgroups(1, &g) || setgid(65534) || setuid(65534))
		return 100;
	if (vt_open(&m) || vt_map(&m))
		return 101;
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		for (i = 0; i < m.info.ring_slots; i++) {
			const struct monster_event *e = (const void *)vt_rec(&m, r, i);

			if (e->kind == MONSTER_KIND_FAULT &&
			    (e->fault.address >= KERNEL_HALF || e->fault.ip >= KERNEL_HALF))
				kaddr++;
		}
	vt_close(&m);
	return kaddr ? 1 : 0;
}

static void check_kaddr(struct vt_dev *d)
{
	uint32_t slots = d->info.ring_slots;
	char kr[16] = "";
	struct kaddr_count k;
	struct stat st;
	int rc;

	vt_read_file("/proc/sys/kernel/kptr_restrict", kr, sizeof(kr));
	/* kptr_restrict 0: %pK hashes, so no opener gets raw addresses */
	vt_write_file("/proc/sys/kernel/kptr_restrict", "0");
	if (vt_resize(d, slots / 2) || vt_map(d))
		vt_bail("kaddr-setup", "cannot remake the rings");
	kaddr_round(d, &k);
	th_check(k.kernel_faults > 0 && !k.kernel_ips && k.hidden == k.kernel_faults,
		 "kaddr-restrict0-hidden", "kptr_restrict 0, root: %u kernel faults, %u with a "
		 "kernel address, %u hidden", k.kernel_faults, k.kernel_ips, k.hidden);

	/* kptr_restrict 1 and CAP_SYSLOG: root sees them in rings only it has opened */
	vt_write_file("/proc/sys/kernel/kptr_restrict", "1");
	if (vt_resize(d, slots) || vt_map(d))
		vt_bail("kaddr-setup", "cannot remake the rings");
	kaddr_round(d, &k);
	th_check(k.kernel_faults > 0 && k.kernel_ips == k.kernel_faults && !k.hidden,
		 "kaddr-root-sees", "kptr_restrict 1, root only: %u kernel faults, %u with a kernel "
		 "ip, %u hidden", k.kernel_faults, k.kernel_ips, k.hidden);

	/* a member of the device's group opens it: what the rings hold is scrubbed first */
	stat(MONSTER_DEVICE_PATH, &st);
	if (chown(MONSTER_DEVICE_PATH, 0, 4242) || chmod(MONSTER_DEVICE_PATH, 0660))
		vt_bail("kaddr-setup", "chown/chmod %s: %s", MONSTER_DEVICE_PATH, strerror(errno));
	rc = vt_run_child(member_scan, NULL);
	th_check(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "kaddr-member-sees-none",
		 "uid 65534 in the device's group mapped the rings: %s",
		 !WIFEXITED(rc) ? "died" : WEXITSTATUS(rc) == 0 ? "no kernel address in any record" :
		 WEXITSTATUS(rc) == 1 ? "found kernel addresses" : "could not open or map");
	kaddr_round(d, &k);
	th_check(k.kernel_faults > 0 && !k.kernel_ips && k.hidden == k.kernel_faults,
		 "kaddr-hidden-after-member", "after that, root: %u kernel faults, %u with a kernel "
		 "address, %u hidden", k.kernel_faults, k.kernel_ips, k.hidden);
	if (chown(MONSTER_DEVICE_PATH, st.st_uid, st.st_gid) ||
	    chmod(MONSTER_DEVICE_PATH, st.st_mode & 07777))
		th_note("cannot restore %s's owner and mode: %s", MONSTER_DEVICE_PATH, strerror(errno));
	if (kr[0])
		vt_write_file("/proc/sys/kernel/kptr_restrict", kr);
}

/* ---- reclaim ---- */

#define NVM 7
static const char *const vm_names[NVM] = { "pswpin", "pswpout", "pgsteal_kswapd",
					   "pgsteal_direct", "pgscan_kswapd", "pgscan_direct",
					   "allocstall" };

/* /proc/vmstat's figures of vm_names; allocstall summed over its zones. */
static void read_vmstat(uint64_t *v)
{
	static char buf[1 << 16];
	char *line, *save = NULL;
	unsigned int i;

	memset(v, 0, NVM * sizeof(*v));
	if (vt_read_file("/proc/vmstat", buf, sizeof(buf)) <= 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned long long n;

		if (sscanf(line, "%63s %llu", name, &n) != 2)
			continue;
		for (i = 0; i < NVM; i++)
			if (!strcmp(name, vm_names[i]) ||
			    (i == NVM - 1 && !strncmp(name, "allocstall_", 11)))
				v[i] += n;
	}
}

struct reclaim_sum {
	unsigned int records, bad_interval;
	uint64_t v[NVM], kswapd_wakes, kswapd_sleeps, direct_begins;
};

static void on_reclaim(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	const struct monster_event *e = (const struct monster_event *)s;
	const struct monster_reclaim_event *r = &e->reclaim;
	struct reclaim_sum *sum = arg;

	(void)ring;
	(void)idx;
	if (e->kind != MONSTER_KIND_RECLAIM)
		return;
	sum->records++;
	/* the last one is cut short by the stop */
	sum->bad_interval += r->interval_ns > 1500000000ULL;
	sum->v[0] += r->pswpin;
	sum->v[1] += r->pswpout;
	sum->v[2] += r->pgsteal_kswapd;
	sum->v[3] += r->pgsteal_direct;
	sum->v[4] += r->pgscan_kswapd;
	sum->v[5] += r->pgscan_direct;
	sum->v[6] += r->allocstall;
	sum->kswapd_wakes += r->kswapd_wakes;
	sum->kswapd_sleeps += r->kswapd_sleeps;
	sum->direct_begins += r->direct_begins;
}

static long long meminfo_kb(const char *key)
{
	char buf[4096], *p;

	if (vt_read_file("/proc/meminfo", buf, sizeof(buf)) <= 0 || !(p = strstr(buf, key)))
		return -1;
	return atoll(p + strlen(key));
}

static char *touch_mib(size_t mib)
{
	char *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < mib << 20; i += PAGE)
		p[i] = 1;
	return p;
}

/*
 * Memory pressure that reclaim sees and the OOM killer does not: most of the
 * memory taken, then min_free_kbytes raised so that the free pages lie
 * between the min and the low watermark, and a few more allocations, which
 * wake kswapd. The caller puts min_free_kbytes back.
 */
static int hog_main(void *arg)
{
	long long avail = vs_mem_available_kb(), free_kb;
	char min[32];
	unsigned int i;

	(void)arg;
	if (avail <= 0 || !touch_mib((size_t)avail / 1024 * 7 / 10))
		return 1;
	free_kb = meminfo_kb("MemFree:");
	if (free_kb <= 0)
		return 2;
	snprintf(min, sizeof(min), "%lld", free_kb * 10 / 12);
	if (vt_write_file("/proc/sys/vm/min_free_kbytes", min))
		return 3;
	for (i = 0; i < 8; i++) {
		touch_mib(1);
		th_sleep_ms(100);
	}
	th_sleep_ms(1000);
	return 0;
}

/* kswapd gave up on the node (nothing it can reclaim): no wake-up will reach it */
static bool node_unreclaimable(void)
{
	static char zi[1 << 16];
	const char *p;

	if (vt_read_file("/proc/zoneinfo", zi, sizeof(zi)) <= 0)
		return false;
	p = strstr(zi, "node_unreclaimable:");
	return p && atoi(p + strlen("node_unreclaimable:")) != 0;
}

static void check_reclaim(struct vt_dev *d)
{
	uint64_t before[NVM], after[NVM];
	struct reclaim_sum sum = { 0 };
	unsigned int i, bad = 0;
	char first[200] = "", min[32] = "";
	bool hopeless;
	int rc;


	vt_read_file("/proc/sys/vm/min_free_kbytes", min, sizeof(min));
	set_events(d, MONSTER_EVENT(MONSTER_KIND_RECLAIM), 0, 0);
	vt_drain(d);
	read_vmstat(before);
	vt_start(d->fd);
	rc = vt_run_child(hog_main, NULL);
	if (min[0])
		vt_write_file("/proc/sys/vm/min_free_kbytes", min);
	th_sleep_ms(1500);
	vt_stop(d->fd);
	read_vmstat(after);
	vt_consume_all(d, on_reclaim, &sum);
	set_events(d, 0, 0, 0);
	for (i = 0; i < NVM; i++) {
		uint64_t delta = after[i] - before[i];
		uint64_t slack = delta / 50 + 64;	/* reclaim between the reads and the stop */

		if ((sum.v[i] > delta || delta - sum.v[i] > slack) && !bad++)
			snprintf(first, sizeof(first), "%s: records %llu, /proc/vmstat %llu",
				 vm_names[i], (unsigned long long)sum.v[i],
				 (unsigned long long)delta);
	}
	/*
	 * kswapd may be running already (then it is not woken, it sleeps once
	 * done), or have given up on the node, which the kernel says
	 */
	hopeless = node_unreclaimable();
	th_check(sum.records >= 3 && !sum.bad_interval && !bad &&
		 (hopeless || sum.kswapd_wakes + sum.kswapd_sleeps + sum.direct_begins > 0),
		 "reclaim-deltas",
		 "%u records (the hog %s), %u with an interval over 1.5 s, %u counters off%s%s; "
		 "kswapd woken %llu, asleep %llu times, direct reclaim %llu, pgscan_kswapd +%llu%s",
		 sum.records,
		 WIFEXITED(rc) && !WEXITSTATUS(rc) ? "ran" : "failed", sum.bad_interval, bad, first[0] ? ": " : "",
		 first, (unsigned long long)sum.kswapd_wakes, (unsigned long long)sum.kswapd_sleeps,
		 (unsigned long long)sum.direct_begins,
		 (unsigned long long)(after[4] - before[4]),
		 hopeless ? " (kswapd has given up on the node: node_unreclaimable)" : "");
}

int main(int argc, char **argv)
{
	struct monster_config saved;
	struct vt_dev d;

	if (argc == 3 && !strcmp(argv[1], "--child-exit"))
		return child_main(atoi(argv[2]));
	g_self = argv[0][0] == '/' ? argv[0] : "/tests/t_17_events";
	vs_begin("t_17_events", 600, &g_kmark);
	vt_open_or_bail(&d, "events-open");
	if (vt_get_config(d.fd, &saved))
		vt_bail("events-open", "GET_CONFIG failed");
	vt_map_or_bail(&d, "events-map");
	check_no_escape(&d);
	check_syscall(&d);
	check_faults(&d);
	check_kaddr(&d);
	check_reclaim(&d);
	vt_set_config(d.fd, &saved);
	vt_close(&d);
	vs_kmsg_check(&g_kmark, "events-kernel-log");
	return vt_end();
}
