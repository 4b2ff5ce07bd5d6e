// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest.c - shared helpers of the VM integration tests; see vmtest.h.
 */
#include "vmtest.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the program ---------------------------------------------------------------------- */

static bool g_ended;
static bool g_is_child;
static pid_t g_parent_pid;
static char g_watchdog_msg[160];	/* written by the SIGALRM handler */

/* the configuration the program must leave behind */
static struct monster_config g_default_cfg;
static bool g_have_default;

#define VT_MAX_DEVS 32
static struct vt_dev *g_devs[VT_MAX_DEVS];

#define VT_MAX_CHILDREN 256
static pid_t g_children[VT_MAX_CHILDREN];
static int g_nchildren;
static int g_ready_fd = -1;

void vt_bail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vfail(name, fmt, ap);
	va_end(ap);
	exit(vt_end());
}

static void vt_on_watchdog(int sig)
{
	int i;

	(void)sig;
	(void)!write(STDOUT_FILENO, g_watchdog_msg, strlen(g_watchdog_msg));
	for (i = 0; i < g_nchildren; i++)
		kill(g_children[i], SIGKILL);
	_exit(1);
}

void vt_watchdog(unsigned int secs)
{
	alarm(secs);
}

static void vt_atexit(void)
{
	if (g_is_child || getpid() != g_parent_pid)
		return;
	vt_kill_children();
}

static int vt_read_param(const char *name, long long *v)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "/sys/module/monster/parameters/%s", name);
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	if (buf[0] == 'Y' || buf[0] == 'N') {
		*v = buf[0] == 'Y';
		return 0;
	}
	*v = strtoll(buf, NULL, 0);
	return 0;
}

void vt_begin(const char *prog)
{
	struct monster_config c;
	struct monster_stats st;
	char name[96];
	long long v;
	int fd, err;

	th_begin(prog);
	g_parent_pid = getpid();
	snprintf(g_watchdog_msg, sizeof(g_watchdog_msg),
		 "FAIL %s: the program ran past its own time limit (stuck?)\n",
		 th_own_name("watchdog", name, sizeof(name)));
	atexit(vt_atexit);
	signal(SIGALRM, vt_on_watchdog);
	signal(SIGPIPE, SIG_IGN);
	vt_watchdog(VT_WATCHDOG_S);

	fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		th_fail(th_own_name("open", name, sizeof(name)), "cannot open %s: %s",
			MONSTER_DEVICE_PATH, strerror(errno));
		exit(1);
	}
	err = vt_get_config(fd, &c);
	if (err) {
		th_fail(th_own_name("get-config", name, sizeof(name)), "GET_CONFIG failed: %s",
			strerror(err));
		close(fd);
		exit(1);
	}
	g_default_cfg = c;
	/* the defaults are the load-time parameters where the module shows them */
	if (vt_read_param("rate_hz", &v) == 0)
		g_default_cfg.rate_hz = (uint32_t)v;
	if (vt_read_param("ring_slots", &v) == 0)
		g_default_cfg.ring_slots = (uint32_t)v;
	if (vt_read_param("numa_node", &v) == 0)
		g_default_cfg.numa_node = (int32_t)v;
	if (vt_read_param("threads", &v) == 0)
		g_default_cfg.scope = v ? MONSTER_SCOPE_THREAD : MONSTER_SCOPE_PROCESS;
	g_have_default = true;
	/* a program before us that died may have left the device running or reconfigured */
	if (vt_get_stats(fd, &st) == 0 && st.running) {
		th_note("%s: the sampler was running at the start; stopping it", prog);
		vt_stop(fd);
	}
	if (memcmp(&c, &g_default_cfg, sizeof(c)) != 0) {
		err = vt_set_config(fd, &g_default_cfg);
		th_note("%s: found a non-default config (rate %u scope %u slots %u node %d); restoring the defaults: %s",
			prog, c.rate_hz, c.scope, c.ring_slots, c.numa_node,
			err ? strerror(err) : "ok");
	}
	close(fd);
}

int vt_end(void)
{
	struct monster_config c;
	struct monster_stats st;
	char name[96];
	int fd, err, i;

	if (g_ended)
		return th_failures() ? 1 : 0;
	g_ended = true;
	alarm(0);
	vt_kill_children();
	for (i = 0; i < VT_MAX_DEVS; i++)
		if (g_devs[i])
			vt_close(g_devs[i]);

	fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		th_fail(th_own_name("cleanup-open", name, sizeof(name)), "cannot open %s: %s",
			MONSTER_DEVICE_PATH, strerror(errno));
	} else {
		err = vt_stop(fd);
		if (err)
			th_fail(th_own_name("cleanup-stop", name, sizeof(name)), "STOP failed: %s",
				strerror(err));
		if (g_have_default && vt_get_config(fd, &c) == 0 &&
		    memcmp(&c, &g_default_cfg, sizeof(c)) != 0) {
			err = vt_set_config(fd, &g_default_cfg);
			if (err)
				th_fail(th_own_name("cleanup-restore", name, sizeof(name)),
					"cannot restore the config (rate %u scope %u slots %u node %d): %s",
					g_default_cfg.rate_hz, g_default_cfg.scope,
					g_default_cfg.ring_slots, g_default_cfg.numa_node,
					strerror(err));
		}
		if (vt_get_stats(fd, &st) == 0 && st.running)
			th_fail(th_own_name("cleanup-running", name, sizeof(name)),
				"the sampler still runs after STOP");
		close(fd);
	}
	return th_end();
}

/* ---- the device ----------------------------------------------------------------------- */

bool vt_all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return false;
	return true;
}

int vt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

static void vt_register(struct vt_dev *d)
{
	int i;

	for (i = 0; i < VT_MAX_DEVS; i++)
		if (g_devs[i] == d)
			return;
	for (i = 0; i < VT_MAX_DEVS; i++)
		if (!g_devs[i]) {
			g_devs[i] = d;
			return;
		}
}

static void vt_unregister(struct vt_dev *d)
{
	int i;

	for (i = 0; i < VT_MAX_DEVS; i++)
		if (g_devs[i] == d)
			g_devs[i] = NULL;
}

int vt_info(struct vt_dev *d)
{
	int err = vt_ioctl(d->fd, MONSTER_IOC_GET_INFO, &d->info);

	return err ? -err : 0;
}

int vt_open(struct vt_dev *d)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	err = vt_info(d);
	if (err) {
		close(d->fd);
		d->fd = -1;
		return err;
	}
	vt_register(d);
	return 0;
}

void vt_open_or_bail(struct vt_dev *d, const char *name)
{
	int err = vt_open(d);

	if (err)
		vt_bail(name, "open %s + GET_INFO failed: %s", MONSTER_DEVICE_PATH, strerror(-err));
}

/* One region of the device: the mapping, or NULL with errno set. */
static void *vt_map_region(const struct vt_dev *d, uint64_t size, uint64_t offset, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, d->fd, (off_t)offset);

	return p == MAP_FAILED ? NULL : p;
}

int vt_map(struct vt_dev *d)
{
	struct monster_stats st;
	const struct monster_info *in = &d->info;
	unsigned int r;
	int err;

	d->tails = vt_map_region(d, in->tails_size, in->tails_offset, PROT_READ | PROT_WRITE);
	d->hdr = d->tails ? vt_map_region(d, in->headers_size, in->headers_offset, PROT_READ)
			  : NULL;
	d->data = d->hdr ? vt_map_region(d, in->data_size, in->data_offset, PROT_READ) : NULL;
	if (!d->data) {
		err = -errno;
		vt_unmap(d);
		return err;
	}
	/* start from the tail the kernel holds (and repair any garbage left behind) */
	err = vt_get_stats(d->fd, &st);
	if (err) {
		vt_unmap(d);
		return -err;
	}
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		vt_set_tail(d, r, st.ring[r].tail);
	return 0;
}

void vt_map_or_bail(struct vt_dev *d, const char *name)
{
	int err = vt_map(d);

	if (err)
		vt_bail(name, "mmap of the rings failed: %s", strerror(-err));
}

void vt_unmap(struct vt_dev *d)
{
	if (d->tails)
		munmap(d->tails, d->info.tails_size);
	if (d->hdr)
		munmap((void *)d->hdr, d->info.headers_size);
	if (d->data)
		munmap((void *)d->data, d->info.data_size);
	d->tails = NULL;
	d->hdr = NULL;
	d->data = NULL;
}

void vt_close(struct vt_dev *d)
{
	vt_unmap(d);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	vt_unregister(d);
}

int vt_get_config(int fd, struct monster_config *c)
{
	memset(c, 0, sizeof(*c));
	return vt_ioctl(fd, MONSTER_IOC_GET_CONFIG, c);
}

int vt_set_config(int fd, const struct monster_config *c)
{
	return vt_ioctl(fd, MONSTER_IOC_SET_CONFIG, (void *)c);
}

int vt_get_stats(int fd, struct monster_stats *st)
{
	memset(st, 0, sizeof(*st));
	return vt_ioctl(fd, MONSTER_IOC_GET_STATS, st);
}

void vt_get_stats_or_bail(int fd, struct monster_stats *st, const char *name)
{
	int err = vt_get_stats(fd, st);

	if (err)
		vt_bail(name, "GET_STATS failed: %s", strerror(err));
}

int vt_start(int fd)
{
	return vt_ioctl(fd, MONSTER_IOC_START, NULL);
}

int vt_stop(int fd)
{
	return vt_ioctl(fd, MONSTER_IOC_STOP, NULL);
}

int vt_change_config(int fd, unsigned int fields, const struct monster_config *want)
{
	struct monster_config c;
	int err = vt_get_config(fd, &c);

	if (err)
		return err;
	if (fields & VT_CFG_RATE)
		c.rate_hz = want->rate_hz;
	if (fields & VT_CFG_SCOPE)
		c.scope = want->scope;
	if (fields & VT_CFG_SLOTS)
		c.ring_slots = want->ring_slots;
	if (fields & VT_CFG_NODE)
		c.numa_node = want->numa_node;
	return vt_set_config(fd, &c);
}

int vt_set_rate_scope(int fd, uint32_t rate, uint32_t scope)
{
	const struct monster_config want = { .rate_hz = rate, .scope = scope };

	return vt_change_config(fd, VT_CFG_RATE | VT_CFG_SCOPE, &want);
}

void vt_set_rate_scope_or_bail(int fd, uint32_t rate, uint32_t scope, const char *name)
{
	int err = vt_set_rate_scope(fd, rate, scope);

	if (err)
		vt_bail(name, "SET_CONFIG rate %u scope %s: %s", rate,
			scope == MONSTER_SCOPE_THREAD ? "THREAD" : "PROCESS", strerror(err));
}

int vt_set_slots(int fd, uint32_t slots)
{
	const struct monster_config want = { .ring_slots = slots };

	return vt_change_config(fd, VT_CFG_SLOTS, &want);
}

int vt_resize(struct vt_dev *d, uint32_t slots)
{
	int err;

	vt_unmap(d);
	err = vt_set_slots(d->fd, slots);
	if (err)
		return err;
	err = vt_info(d);
	return err ? -err : 0;
}

/* ---- ring access ---------------------------------------------------------------------- */

uint64_t vt_consume(struct vt_dev *d, unsigned int r, uint64_t max, vt_rec_fn fn, void *arg)
{
	uint64_t head = vt_head(d, r);
	uint64_t t = d->ctail[r];
	uint64_t n, i;

	if (head <= t)
		return 0;
	n = head - t;
	if (n > max)
		n = max;
	if (fn)
		for (i = 0; i < n; i++)
			fn(arg, r, t + i, vt_rec(d, r, t + i));
	vt_set_tail(d, r, t + n);
	return n;
}

uint64_t vt_consume_all(struct vt_dev *d, vt_rec_fn fn, void *arg)
{
	uint64_t n = 0;
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++)
		n += vt_consume(d, r, UINT64_MAX, fn, arg);
	return n;
}

void vt_drain(struct vt_dev *d)
{
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++)
		vt_set_tail(d, r, vt_head(d, r));
}

/* ---- sweeps --------------------------------------------------------------------------- */

uint64_t vt_ring_sum(const struct monster_stats *st, size_t counter)
{
	uint64_t n = 0, v;
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		memcpy(&v, (const char *)&st->ring[r] + counter, sizeof(v));
		n += v;
	}
	return n;
}

uint64_t vt_sweeps(int fd)
{
	struct monster_stats st;

	if (vt_get_stats(fd, &st))
		return UINT64_MAX;
	return st.sweeps;
}

uint64_t vt_wait_sweeps(int fd, uint64_t n, unsigned int timeout_ms, struct vt_dev *d,
			vt_rec_fn fn, void *arg)
{
	uint64_t s0 = vt_sweeps(fd), s = s0;
	uint64_t end = th_now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	if (s0 == UINT64_MAX)
		return 0;
	for (;;) {
		if (d && d->hdr)
			vt_consume_all(d, fn, arg);
		s = vt_sweeps(fd);
		if (s == UINT64_MAX || s < s0)
			return 0;
		if (s - s0 >= n || th_now_ns() >= end)
			break;
		th_sleep_ms(2);
	}
	return s - s0;
}

/* ---- sequence accounting -------------------------------------------------------------- */

void vt_seq_init(struct vt_seq *q)
{
	memset(q, 0, sizeof(*q));
	q->first_bad_ring = -1;
}

void vt_seq_expect(struct vt_seq *q, unsigned int r, uint64_t seq)
{
	q->have[r] = true;
	q->expect[r] = seq;
}

void vt_seq_add(struct vt_seq *q, unsigned int r, uint64_t seq)
{
	q->records[r]++;
	if (!q->have[r]) {
		q->have[r] = true;
		q->expect[r] = seq + 1;
		return;
	}
	if (seq < q->expect[r]) {
		if (q->first_bad_ring < 0) {
			q->first_bad_ring = (int)r;
			q->first_bad_seq = seq;
			q->first_bad_expect = q->expect[r];
		}
		q->backwards[r]++;
		return;
	}
	q->gaps[r] += seq - q->expect[r];
	q->expect[r] = seq + 1;
}

/* ---- record validation ---------------------------------------------------------------- */

const char *const vt_bad_names[VT_BAD_NR] = {
	"shard-rule", "shard-is-ring", "hecke", "state-range", "comm-nul", "cpu-time-sum",
	"flags-known", "timestamp-past", "no-kernel-addr", "kthread-zero-regs", "kind-known",
	"cpu-range", "seq-ge-index", "pid-tgid", "noregs-zero",
};

#define VT_KERNEL_HALF 0xffff800000000000ULL
#define VT_KNOWN_FLAGS (MONSTER_SF_KTHREAD | MONSTER_SF_NO_REGS | MONSTER_SF_THREAD | \
			MONSTER_SF_EXITING | MONSTER_SF_KEYFRAME | MONSTER_SF_SYSCALL_MASK)
#define VT_EVENT_FLAGS (MONSTER_EF_THREAD | MONSTER_EF_KERNEL | MONSTER_EF_HIDDEN | \
			MONSTER_EF_GROUP_EXIT)

/* The rules every kind of record keeps; an event's shard comes from its payload. */
static unsigned int vt_validate_common(unsigned int ring, uint64_t idx,
				       const struct monster_sample *s, uint64_t now_ns, long ncpus)
{
	uint64_t combined = monster_record_combined(s);
	unsigned int bad = 0;

	if (s->shard != monster_shard(combined))
		bad |= VT_BAD_SHARD;
	if (s->shard != ring)
		bad |= VT_BAD_RING;
	if (s->shard >= MONSTER_NR_RINGS || s->hecke != monster_hecke(combined, s->shard))
		bad |= VT_BAD_HECKE;
	if (!memchr(s->comm, 0, sizeof(s->comm)))
		bad |= VT_BAD_COMM;
	if (s->timestamp_ns == 0 || s->timestamp_ns > now_ns)
		bad |= VT_BAD_TS;
	if (ncpus > 0 && s->cpu >= (uint64_t)ncpus)
		bad |= VT_BAD_CPU;
	if (s->seq < idx)
		bad |= VT_BAD_SEQIDX;
	return bad;
}

/* An event: a known kind, known flags, a fault's kernel values hidden or not shown. */
static unsigned int vt_validate_event(const struct monster_sample *s)
{
	const struct monster_event *e = (const struct monster_event *)s;
	unsigned int bad = 0;

	if (e->kind >= MONSTER_NR_KINDS || e->kind == MONSTER_KIND_CUDA)
		bad |= VT_BAD_KIND;
	if (e->flags & ~(uint32_t)VT_EVENT_FLAGS)
		bad |= VT_BAD_FLAGS;
	if (e->kind == MONSTER_KIND_FAULT && (e->flags & MONSTER_EF_HIDDEN) &&
	    (e->fault.address >= VT_KERNEL_HALF || e->fault.ip >= VT_KERNEL_HALF))
		bad |= VT_BAD_KADDR;
	if (e->kind == MONSTER_KIND_FAULT && !(e->flags & MONSTER_EF_KERNEL) &&
	    e->fault.ip >= VT_KERNEL_HALF)
		bad |= VT_BAD_KADDR;
	return bad;
}

unsigned int vt_validate(const struct vt_dev *d, unsigned int ring, uint64_t idx,
			 const struct monster_sample *s, uint64_t now_ns, int scope)
{
	static long ncpus;
	uint64_t regs = s->rip | s->rsp | s->rax | s->rbx | s->rcx | s->rdx;
	unsigned int bad;

	(void)d;
	if (!ncpus)
		ncpus = sysconf(_SC_NPROCESSORS_CONF);
	if (!now_ns)
		now_ns = th_now_ns();
	bad = vt_validate_common(ring, idx, s, now_ns, ncpus);
	if (s->kind != MONSTER_KIND_SAMPLE)
		return bad | vt_validate_event(s);
	if (s->state >= strlen(MONSTER_STATE_CHARS))
		bad |= VT_BAD_STATE;
	if (s->cpu_time_ns != s->utime_ns + s->stime_ns)
		bad |= VT_BAD_CPUSUM;
	if (s->flags & ~(uint32_t)VT_KNOWN_FLAGS)
		bad |= VT_BAD_FLAGS;
	if (!(s->flags & MONSTER_SF_KTHREAD) && (s->rip >= VT_KERNEL_HALF || s->rsp >= VT_KERNEL_HALF))
		bad |= VT_BAD_KADDR;
	if ((s->flags & MONSTER_SF_KTHREAD) && (regs || s->mem_bytes))
		bad |= VT_BAD_KTHREAD;
	if ((s->flags & MONSTER_SF_NO_REGS) && regs)
		bad |= VT_BAD_NOREGS;
	if (s->pid == 0 || s->tgid == 0)
		bad |= VT_BAD_PIDS;
	if (scope == MONSTER_SCOPE_PROCESS &&
	    (s->pid != s->tgid || (s->flags & MONSTER_SF_THREAD)))
		bad |= VT_BAD_PIDS;
	if (scope == MONSTER_SCOPE_THREAD && !(s->flags & MONSTER_SF_THREAD))
		bad |= VT_BAD_PIDS;
	return bad;
}

const char *vt_describe(const struct monster_sample *s, char *buf, size_t len)
{
	char comm[17];

	memcpy(comm, s->comm, 16);
	comm[16] = 0;
	snprintf(buf, len,
		 "{seq %" PRIu64 " pid %u tgid %u comm '%s' flags %#x state %u shard %u hecke %u "
		 "rip %#" PRIx64 " rsp %#" PRIx64 " rax %#" PRIx64 " mem %" PRIu64 " cpu_ns %" PRIu64
		 " u %" PRIu64 " s %" PRIu64 " ts %" PRIu64 " cpu %u}",
		 (uint64_t)s->seq, s->pid, s->tgid, comm, s->flags, s->state, s->shard, s->hecke,
		 (uint64_t)s->rip, (uint64_t)s->rsp, (uint64_t)s->rax, (uint64_t)s->mem_bytes,
		 (uint64_t)s->cpu_time_ns, (uint64_t)s->utime_ns, (uint64_t)s->stime_ns,
		 (uint64_t)s->timestamp_ns, s->cpu);
	return buf;
}

void vt_validity_add(struct vt_validity *v, const struct vt_dev *d, unsigned int ring,
		     uint64_t idx, const struct monster_sample *s, uint64_t now_ns, int scope)
{
	unsigned int bad = vt_validate(d, ring, idx, s, now_ns, scope);
	int i;

	v->records++;
	if (!bad)
		return;
	for (i = 0; i < VT_BAD_NR; i++) {
		if (!(bad & (1U << i)))
			continue;
		if (!v->bad[i]) {
			char desc[400];

			snprintf(v->first[i], sizeof(v->first[i]), "ring %u idx %" PRIu64 " %s", ring,
				 idx, vt_describe(s, desc, sizeof(desc)));
		}
		v->bad[i]++;
	}
}

void vt_validity_report(const struct vt_validity *v, const char *prefix)
{
	char name[128];
	int i;

	for (i = 0; i < VT_BAD_NR; i++) {
		snprintf(name, sizeof(name), "%s-%s", prefix, vt_bad_names[i]);
		th_check(v->records > 0 && v->bad[i] == 0, name,
			 "%" PRIu64 " of %" PRIu64 " records violate it%s%s", v->bad[i], v->records,
			 v->bad[i] ? "; first: " : "", v->bad[i] ? v->first[i] : "");
	}
}

void vt_validity_report_one(const struct vt_validity *v, const char *name)
{
	char what[1024] = "";
	uint64_t total = 0;
	int i;

	for (i = 0; i < VT_BAD_NR; i++) {
		if (!v->bad[i])
			continue;
		total += v->bad[i];
		if (!what[0])
			snprintf(what, sizeof(what), "; first: %s %s", vt_bad_names[i], v->first[i]);
	}
	th_check(v->records > 0 && total == 0, name,
		 "%" PRIu64 " records checked, %" PRIu64 " property violations%s", v->records, total,
		 what);
}

/* ---- processes ------------------------------------------------------------------------ */

static void vt_child_register(pid_t pid)
{
	if (g_nchildren < VT_MAX_CHILDREN)
		g_children[g_nchildren++] = pid;
}

static void vt_child_forget(pid_t pid)
{
	int i;

	for (i = 0; i < g_nchildren; i++)
		if (g_children[i] == pid) {
			g_children[i] = g_children[--g_nchildren];
			return;
		}
}

static void vt_child_setup(pid_t parent)
{
	g_is_child = true;
	g_nchildren = 0;
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(111);
}

pid_t vt_spawn(const char *comm, int (*fn)(void *arg), void *arg, bool wait_ready)
{
	pid_t parent = getpid(), pid;
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		vt_child_setup(parent);
		g_ready_fd = pfd[1];
		prctl(PR_SET_NAME, comm);
		_exit(fn(arg));
	}
	close(pfd[1]);
	vt_child_register(pid);
	if (wait_ready) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		char c;

		if (poll(&p, 1, 20000) != 1 || read(pfd[0], &c, 1) != 1) {
			close(pfd[0]);
			vt_kill(pid);
			return -1;
		}
	}
	close(pfd[0]);
	return pid;
}

void vt_child_ready(void)
{
	if (g_ready_fd >= 0) {
		(void)!write(g_ready_fd, "r", 1);
		close(g_ready_fd);
		g_ready_fd = -1;
	}
}

void vt_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	vt_child_forget(pid);
}

void vt_kill_children(void)
{
	while (g_nchildren > 0)
		vt_kill(g_children[g_nchildren - 1]);
}

int vt_run_child(int (*fn)(void *arg), void *arg)
{
	pid_t parent = getpid(), pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		vt_child_setup(parent);
		_exit(fn(arg));
	}
	return th_wait_child(pid, 20000, &status) ? -1 : status;
}

void *vt_shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void *vt_sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

void vt_sleeping_threads(int n, volatile int *started, volatile int *err)
{
	pthread_attr_t attr;
	pthread_t t;
	int i, e;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN > 16384 ? PTHREAD_STACK_MIN : 16384);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++) {
		e = pthread_create(&t, &attr, vt_sleep_forever, NULL);
		if (e) {
			*err = e;
			break;
		}
		(*started)++;
	}
	vt_child_ready();
	vt_sleep_forever(NULL);
	_exit(0);
}

/* Sleep with the stack pointer depth bytes lower: a different rsp at each syscall. */
static void __attribute__((noinline)) vt_vary_sleep(unsigned int depth, uint64_t ns)
{
	volatile char pad[depth + 16];

	pad[0] = 1;
	pad[depth] = 2;
	th_sleep_ns(ns);
	(void)pad[depth];
}

/* variety child i draws from stream VT_VARIETY_STREAM + i of the program's seed */
#define VT_VARIETY_STREAM 0x76617279ULL	/* "vary", apart from the programs' own streams */

static int vt_variety_main(void *arg)
{
	struct th_rng r;

	th_rng_init(&r, th_seed(), VT_VARIETY_STREAM + (uintptr_t)arg);
	vt_child_ready();
	for (;;) {
		unsigned int depth = (unsigned int)th_below(&r, 4096) & ~15U;

		vt_vary_sleep(depth, 3000000 + th_below(&r, 5000000));
	}
	return 0;
}

int vt_child_spin(void *arg)
{
	volatile uint64_t x = 0;

	(void)arg;
	vt_child_ready();
	for (;;)
		x++;
	return 0;
}

int vt_child_pause(void *arg)
{
	(void)arg;
	vt_child_ready();
	for (;;)
		pause();
	return 0;
}

int vt_child_fault(void *arg)
{
	const size_t len = (arg ? *(const unsigned int *)arg : 2U) << 20;

	vt_child_ready();
	for (;;) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		size_t off;

		if (p == MAP_FAILED)
			continue;
		madvise(p, len, MADV_NOHUGEPAGE);
		for (off = 0; off < len; off += 4096)
			p[off] = 1;
		munmap(p, len);
	}
	return 0;
}

void vt_spawn_variety(int n)
{
	uintptr_t i;

	th_seed();	/* printed once, before the children inherit it */
	for (i = 0; i < (uintptr_t)n; i++)
		if (vt_spawn("monster-vary", vt_variety_main, (void *)i, true) < 0)
			th_note("could not start variety child %zu", (size_t)i);
}

/* ---- /proc and files ------------------------------------------------------------------ */

ssize_t vt_read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (len == 0)
		return -1;
	buf[0] = 0;
	if (fd < 0)
		return -1;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	close(fd);
	return (ssize_t)got;
}

int vt_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	size_t len = strlen(s);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, len) != (ssize_t)len)
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

static void vt_proc_path(char *buf, size_t len, pid_t pid, const char *what)
{
	if (pid < 0)
		snprintf(buf, len, "/proc/self/%s", what);
	else
		snprintf(buf, len, "/proc/%d/%s", (int)pid, what);
}

int vt_proc_stat(pid_t pid, struct vt_pstat *ps)
{
	char path[64], buf[1024];
	char *open_p, *close_p;
	size_t clen;

	memset(ps, 0, sizeof(*ps));
	vt_proc_path(path, sizeof(path), pid, "stat");
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (!open_p || !close_p || close_p < open_p)
		return -1;
	clen = (size_t)(close_p - open_p - 1);
	if (clen >= sizeof(ps->comm))
		clen = sizeof(ps->comm) - 1;
	memcpy(ps->comm, open_p + 1, clen);
	ps->comm[clen] = 0;
	/* fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss */
	if (sscanf(close_p + 2,
		   "%c %*d %*d %*d %*d %*d %llu %llu %*u %llu %*u %llu %llu %*d %*d %*d %*d %lld "
		   "%*d %llu %*u %lld",
		   &ps->state, &ps->flags, &ps->minflt, &ps->majflt, &ps->utime, &ps->stime,
		   &ps->num_threads, &ps->starttime, &ps->rss) != 9)
		return -1;
	return 0;
}

long long vt_proc_rss_bytes(pid_t pid)
{
	char path[64], buf[256];
	long long size, res;

	vt_proc_path(path, sizeof(path), pid, "statm");
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	if (sscanf(buf, "%lld %lld", &size, &res) != 2)
		return -1;
	return res * sysconf(_SC_PAGESIZE);
}

long long vt_proc_status_field(pid_t pid, const char *key)
{
	char path[64], buf[4096];
	size_t klen = strlen(key);
	char *line;

	vt_proc_path(path, sizeof(path), pid, "status");
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	for (line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			return strtoll(line + klen + 1, NULL, 10);
	return -1;
}

int vt_proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	char *nl;

	vt_proc_path(path, sizeof(path), pid, "comm");
	if (vt_read_file(path, buf, len) <= 0)
		return -1;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return 0;
}

int vt_proc_schedstat(pid_t pid, unsigned long long *run_ns, unsigned long long *delay_ns)
{
	char path[64], buf[256];

	vt_proc_path(path, sizeof(path), pid, "schedstat");
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return sscanf(buf, "%llu %llu", run_ns, delay_ns) == 2 ? 0 : -1;
}

int vt_list_pids(pid_t *pids, int max)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pids[n++] = (pid_t)atoi(de->d_name);
	}
	closedir(dir);
	return n;
}

int vt_is_kthread(pid_t pid)
{
	struct vt_pstat ps;

	if (vt_proc_stat(pid, &ps))
		return -1;
	return (ps.flags & 0x00200000ULL) ? 1 : 0;	/* PF_KTHREAD */
}

/* ---- kernel log ----------------------------------------------------------------------- */

char *vt_kmsg_read(uint64_t since, uint64_t *last)
{
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	char rec[8192];
	int fd;

	if (last)
		*last = since;
	if (!out)
		return NULL;
	out[0] = 0;
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		free(out);
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		unsigned long long seq;
		char *text, *nl;
		size_t tl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE)	/* overwritten while reading: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		if (sscanf(rec, "%*u,%llu,", &seq) != 1)
			continue;
		if (last && seq > *last)
			*last = seq;
		if (seq <= since)
			continue;
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		nl = strchr(text, '\n');
		if (nl)
			*nl = 0;
		tl = strlen(text);
		if (len + tl + 2 > cap) {
			char *bigger;

			cap = (len + tl + 2) * 2;
			bigger = realloc(out, cap);
			if (!bigger)
				break;
			out = bigger;
		}
		memcpy(out + len, text, tl);
		len += tl;
		out[len++] = '\n';
		out[len] = 0;
	}
	close(fd);
	return out;
}

uint64_t vt_kmsg_mark(void)
{
	uint64_t last = 0;
	char *t = vt_kmsg_read(0, &last);

	free(t);
	return last;
}

const char *vt_find_line(const char *text, const char *const *pats, size_t npats, char *line,
			 size_t len)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		size_t i;

		for (i = 0; i < npats; i++) {
			if (memmem(p, l, pats[i], strlen(pats[i]))) {
				if (l >= len)
					l = len - 1;
				memcpy(line, p, l);
				line[l] = 0;
				return line;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

const char *vt_kmsg_find_bad(const char *text, char *line, size_t len)
{
	static const char *const pats[] = {
		"WARNING", "BUG:", "Oops", "Kernel panic", "general protection fault",
		"soft lockup", "hard LOCKUP", "self-detected stall", "rcu: INFO",
		"detected stall", "blocked for more than", "KASAN", "UBSAN", "corruption",
		"refcount_t:", "Call Trace",
	};

	return vt_find_line(text, pats, TH_ARRAY_SIZE(pats), line, len);
}

/* ---- module --------------------------------------------------------------------------- */

bool vt_module_loaded(void)
{
	return access("/sys/module/monster", F_OK) == 0;
}

int vt_module_unload(unsigned int flags)
{
	return syscall(SYS_delete_module, "monster", flags) < 0 ? errno : 0;
}

int vt_module_load(const char *args)
{
	const char *ko = getenv("MONSTER_KO");
	int fd, err = 0;

	fd = open(ko ? ko : "/monster.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, args, 0) < 0)
		err = errno;
	close(fd);
	return err;
}

int vt_module_reload(void)
{
	const char *args = getenv("MONSTER_MODARGS");

	if (vt_module_loaded())
		return 0;
	return vt_module_load(args ? args : "");
}
