// SPDX-License-Identifier: GPL-2.0
/*
 * t_10_records - the sampler's records against what the kernel reports in
 * /proc: every ring fills, every record obeys the uapi rules (shard, Hecke,
 * seq, timestamps, flags), every live process is sampled once per sweep with
 * its pid, comm and start time, CPU times never go backwards, kernel threads
 * carry no registers, and a probe process with a known name, resident size
 * and register values is reported exactly. Then the same for scope THREAD.
 */
#include "vmtest.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROBE_COMM	"monster-probe"
#define PROBE_MIB	64
#define GROW_MIB	32
#define PROBE_RBX	0x1badb002cafef00dULL
#define PROBE_RDX	0x0123456789abcdefULL
#define MT_THREADS	3	/* besides the main thread */

/* ---- the children ------------------------------------------------------------------- */

struct probe_sh {
	volatile uint64_t rsp, rip;	/* at the pause() system call */
	volatile int req, ack;		/* grow requests */
};

static char *volatile g_keep[4];
static volatile unsigned long g_spin;

static void on_usr1(int sig)
{
	(void)sig;
}

/* pause() with known rbx/rdx, recording rip and rsp at the system call */
static void probe_pause(struct probe_sh *sh)
{
#if defined(__x86_64__)
	unsigned long rax = SYS_pause;

	__asm__ volatile("leaq 1f(%%rip), %%r8\n\t"
			 "movq %%r8, %[ip]\n\t"
			 "movq %%rsp, %[sp]\n\t"
			 "movabsq $0x1badb002cafef00d, %%rbx\n\t"
			 "movabsq $0x0123456789abcdef, %%rdx\n\t"
			 "syscall\n"
			 "1:\n\t"
			 : "+a"(rax), [ip] "=m"(sh->rip), [sp] "=m"(sh->rsp)
			 :
			 : "rbx", "rcx", "rdx", "r8", "r11", "memory");
#else
	pause();
#endif
}

static int probe_main(void *arg)
{
	struct probe_sh *sh = arg;
	struct sigaction sa;
	char *p;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	p = malloc(PROBE_MIB * VT_MIB);
	if (!p)
		return 2;
	memset(p, 0x5a, PROBE_MIB * VT_MIB);
	g_keep[0] = p;
	vt_child_ready();
	for (;;) {
		probe_pause(sh);
		if (sh->req != sh->ack) {
			p = malloc(GROW_MIB * VT_MIB);
			if (!p)
				return 3;
			memset(p, 0xa5, GROW_MIB * VT_MIB);
			g_keep[1] = p;
			sh->ack = sh->req;
		}
	}
	return 0;
}

static int burn_main(void *arg)
{
	(void)arg;
	vt_child_ready();
	for (;;)
		g_spin++;
	return 0;
}

static int sysc_main(void *arg)
{
	(void)arg;
	vt_child_ready();
	for (;;)
		syscall(SYS_getppid);
	return 0;
}

static void *mt_worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "mt-worker");
	for (;;)
		pause();
	return NULL;
}

static int mt_main(void *arg)
{
	pthread_t t;
	int i;

	(void)arg;
	for (i = 0; i < MT_THREADS; i++)
		if (pthread_create(&t, NULL, mt_worker, NULL))
			return 2;
	th_sleep_ms(20);	/* let the workers name themselves */
	vt_child_ready();
	for (;;)
		pause();
	return 0;
}

/* ---- the collector -------------------------------------------------------------------- */

struct key {
	uint32_t pid, tgid;
	uint64_t start;
	uint64_t n;
	uint32_t flags_or, flags_and;
	struct monster_sample first, last;	/* by timestamp */
	bool used;
};

struct ent {
	uint32_t key;
	uint8_t state;
	uint64_t ts;
	uint64_t v[8];	/* cpu, utime, stime, runtime | min_flt, maj_flt, nvcsw, nivcsw */
};

#define NKEYS 16384

struct coll {
	struct vt_dev *d;
	int scope;
	uint64_t t_start;
	struct vt_validity val;
	struct vt_seq seq;
	uint64_t ring_n[MONSTER_NR_RINGS];
	uint64_t last_ts[MONSTER_NR_RINGS];
	uint64_t ts_back, ts_early;
	char ts_first[256];
	struct key *keys;
	uint32_t nkeys;
	bool keys_full;
	struct ent *ents;
	size_t nents, cap;
	uint64_t max_ts;
};

static uint32_t key_hash(uint32_t pid, uint64_t start)
{
	return (uint32_t)th_mix(start ^ th_mix(pid)) & (NKEYS - 1);
}

static struct key *key_get(struct coll *c, uint32_t pid, uint64_t start, bool create)
{
	uint32_t h = key_hash(pid, start), i;

	for (i = 0; i < NKEYS; i++) {
		struct key *k = &c->keys[(h + i) & (NKEYS - 1)];

		if (!k->used) {
			if (!create || c->nkeys >= NKEYS / 2) {
				if (create)
					c->keys_full = true;
				return NULL;
			}
			k->used = true;
			k->pid = pid;
			k->start = start;
			k->flags_and = ~0U;
			c->nkeys++;
			return k;
		}
		if (k->pid == pid && k->start == start)
			return k;
	}
	return NULL;
}

static struct key *key_by_pid(struct coll *c, uint32_t pid)
{
	struct key *best = NULL;
	uint32_t i;

	for (i = 0; i < NKEYS; i++) {
		struct key *k = &c->keys[i];

		if (k->used && k->pid == pid && (!best || k->start > best->start))
			best = k;
	}
	return best;
}

static void coll_init(struct coll *c, struct vt_dev *d, int scope)
{
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->scope = scope;
	vt_seq_init(&c->seq);
	c->keys = calloc(NKEYS, sizeof(*c->keys));
	c->cap = 1 << 16;
	c->ents = malloc(c->cap * sizeof(*c->ents));
	if (!c->keys || !c->ents)
		vt_bail("rec-setup", "out of memory");
}

static void coll_free(struct coll *c)
{
	free(c->keys);
	free(c->ents);
}

static void coll_rec(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	struct coll *c = arg;
	struct key *k;
	struct ent *e;

	vt_validity_add(&c->val, c->d, ring, idx, s, 0, c->scope);
	vt_seq_add(&c->seq, ring, s->seq);
	c->ring_n[ring]++;
	if (s->timestamp_ns < c->last_ts[ring] || s->timestamp_ns < c->t_start) {
		if (s->timestamp_ns < c->last_ts[ring])
			c->ts_back++;
		else
			c->ts_early++;
		if (!c->ts_first[0])
			snprintf(c->ts_first, sizeof(c->ts_first),
				 "ring %u seq %" PRIu64 " ts %" PRIu64 " after ts %" PRIu64
				 " (sampler started at %" PRIu64 ")", ring, (uint64_t)s->seq,
				 (uint64_t)s->timestamp_ns, c->last_ts[ring], c->t_start);
	}
	if (s->timestamp_ns > c->last_ts[ring])
		c->last_ts[ring] = s->timestamp_ns;
	if (s->timestamp_ns > c->max_ts)
		c->max_ts = s->timestamp_ns;

	k = key_get(c, s->pid, s->start_time_ns, true);
	if (!k)
		return;
	if (!k->n || s->timestamp_ns < k->first.timestamp_ns)
		k->first = *s;
	if (!k->n || s->timestamp_ns >= k->last.timestamp_ns)
		k->last = *s;
	k->n++;
	k->tgid = s->tgid;
	k->flags_or |= s->flags;
	k->flags_and &= s->flags;

	if (c->nents == c->cap) {
		struct ent *bigger = realloc(c->ents, c->cap * 2 * sizeof(*c->ents));

		if (!bigger)
			return;
		c->ents = bigger;
		c->cap *= 2;
	}
	e = &c->ents[c->nents++];
	e->key = (uint32_t)(k - c->keys);
	e->state = s->state;
	e->ts = s->timestamp_ns;
	e->v[0] = s->cpu_time_ns;
	e->v[1] = s->utime_ns;
	e->v[2] = s->stime_ns;
	e->v[3] = s->runtime_ns;
	e->v[4] = s->min_flt;
	e->v[5] = s->maj_flt;
	e->v[6] = s->nvcsw;
	e->v[7] = s->nivcsw;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return 0;
}

static const char *const field_names[8] = {
	"cpu_time_ns", "utime_ns", "stime_ns", "runtime_ns", "min_flt", "maj_flt", "nvcsw", "nivcsw",
};

/* Per task, in timestamp order: values never decrease; one record per sweep. */
static void coll_check_series(struct coll *c, const char *prefix)
{
	uint64_t back_time = 0, back_cnt = 0, dups = 0, pairs = 0;
	char first_time[256] = "", first_cnt[256] = "", first_dup[200] = "";
	char name[96];
	size_t i;
	int f;

	qsort(c->ents, c->nents, sizeof(*c->ents), ent_cmp);
	for (i = 1; i < c->nents; i++) {
		const struct ent *a = &c->ents[i - 1], *b = &c->ents[i];
		const struct key *k = &c->keys[b->key];

		if (a->key != b->key)
			continue;
		pairs++;
		if (a->ts == b->ts) {
			if (!dups++)
				snprintf(first_dup, sizeof(first_dup), "pid %u twice at ts %" PRIu64,
					 k->pid, b->ts);
			continue;
		}
		for (f = 0; f < 8; f++) {
			if (b->v[f] >= a->v[f])
				continue;
			if (f < 4) {
				if (!back_time++)
					snprintf(first_time, sizeof(first_time),
						 "pid %u '%.16s' %s %" PRIu64 " at ts %" PRIu64 " then %" PRIu64
						 " at ts %" PRIu64, k->pid, k->last.comm, field_names[f],
						 a->v[f], a->ts, b->v[f], b->ts);
			} else {
				if (!back_cnt++)
					snprintf(first_cnt, sizeof(first_cnt),
						 "pid %u '%.16s' %s %" PRIu64 " at ts %" PRIu64 " then %" PRIu64
						 " at ts %" PRIu64, k->pid, k->last.comm, field_names[f],
						 a->v[f], a->ts, b->v[f], b->ts);
			}
		}
	}
	snprintf(name, sizeof(name), "%s-one-record-per-sweep", prefix);
	th_check(pairs > 0 && dups == 0, name,
		 "%" PRIu64 " consecutive record pairs of %u tasks, %" PRIu64
		 " pairs with the same task twice in one sweep%s%s", pairs, c->nkeys, dups,
		 dups ? "; first: " : "", first_dup);
	snprintf(name, sizeof(name), "%s-cputime-monotonic", prefix);
	th_check(pairs > 0 && back_time == 0, name,
		 "%" PRIu64 " successive sample pairs: cpu_time/utime/stime/runtime went backwards %"
		 PRIu64 " times%s%s", pairs, back_time, back_time ? "; first: " : "", first_time);
	snprintf(name, sizeof(name), "%s-counters-monotonic", prefix);
	th_check(pairs > 0 && back_cnt == 0, name,
		 "%" PRIu64 " successive sample pairs: faults/context switches went backwards %" PRIu64
		 " times%s%s", pairs, back_cnt, back_cnt ? "; first: " : "", first_cnt);
}

/* Drops seen as seq gaps, plus drops after the last record read, equal the ring's drops. */
static void coll_check_seq(struct coll *c, const char *prefix, const struct monster_stats *s0,
			   const struct monster_stats *s1)
{
	uint64_t bad = 0, back = 0, drops = 0;
	char first[256] = "", name[96];
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		uint64_t dropped = s1->ring[r].dropped - s0->ring[r].dropped;
		uint64_t after = s1->ring[r].produced - c->seq.expect[r];
		uint64_t seen = c->seq.gaps[r] + after;

		back += c->seq.backwards[r];
		drops += dropped;
		if (seen != dropped || c->seq.backwards[r]) {
			if (!bad++)
				snprintf(first, sizeof(first),
					 "ring %u: gaps %" PRIu64 " + dropped after the last record %" PRIu64
					 " != dropped %" PRIu64 " (%" PRIu64 " records, %" PRIu64
					 " seq backwards)", r, c->seq.gaps[r], after, dropped,
					 c->seq.records[r], c->seq.backwards[r]);
		}
	}
	snprintf(name, sizeof(name), "%s-seq-accounting", prefix);
	th_check(bad == 0, name,
		 "seq strictly increasing and its gaps equal the drops in every ring: %" PRIu64
		 " rings off, %" PRIu64 " backwards, %" PRIu64 " drops in all%s%s", bad, back, drops,
		 bad ? "; first: " : "", first);
	snprintf(name, sizeof(name), "%s-timestamp-order", prefix);
	th_check(c->ts_back == 0 && c->ts_early == 0, name,
		 "timestamps non-decreasing within each ring and not before START: %" PRIu64
		 " backwards, %" PRIu64 " early%s%s", c->ts_back, c->ts_early,
		 c->ts_first[0] ? "; first: " : "", c->ts_first);
}

/* Records in the newest sweep == what the sampler says it sampled last. */
static void coll_check_last_sweep(struct coll *c, const char *prefix, const struct monster_stats *st,
				  int nproc)
{
	uint64_t n = 0;
	char name[96];
	uint32_t i;

	for (i = 0; i < NKEYS; i++)
		if (c->keys[i].used && c->keys[i].last.timestamp_ns == c->max_ts)
			n++;
	snprintf(name, sizeof(name), "%s-last-sweep-complete", prefix);
	th_check(c->max_ts && n == st->last_sweep_tasks, name,
		 "%" PRIu64 " records carry the newest timestamp; last_sweep_tasks %" PRIu64
		 " (%s in /proc now: %d)", n, (uint64_t)st->last_sweep_tasks,
		 c->scope == MONSTER_SCOPE_THREAD ? "threads" : "processes", nproc);
}

static void check_ring_coverage(const struct coll *c)
{
	char counts[512];
	size_t off = 0;
	unsigned int r, empty = 0;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		off += (size_t)snprintf(counts + off, sizeof(counts) - off, "%s%u:%" PRIu64,
					r ? " " : "", monster_prime(r), c->ring_n[r]);
		if (!c->ring_n[r])
			empty++;
	}
	th_check(empty == 0, "rec-every-ring",
		 "%u of 15 rings got no record; records per prime: %s", empty, counts);
}

/* ---- /proc comparisons ------------------------------------------------------------------ */

struct pinfo {
	pid_t pid;
	unsigned long long start;
};

static int snapshot(struct pinfo *out, int max)
{
	static pid_t pids[8192];
	int n = vt_list_pids(pids, 8192), i, m = 0;
	struct vt_pstat ps;

	for (i = 0; i < n && m < max; i++)
		if (vt_proc_stat(pids[i], &ps) == 0) {
			out[m].pid = pids[i];
			out[m].start = ps.starttime;
			m++;
		}
	return m;
}

static void check_against_proc(struct coll *c, const struct pinfo *before, int nbefore)
{
	static struct pinfo after[8192];
	long tck = sysconf(_SC_CLK_TCK);
	uint64_t tick_ns = 1000000000ULL / (uint64_t)(tck > 0 ? tck : 100);
	int nafter = snapshot(after, 8192), i, j;
	int lived = 0, missing = 0, compared = 0, comm_bad = 0, start_bad = 0, kt_bad = 0;
	char first_missing[128] = "", first_comm[200] = "", first_start[200] = "", first_kt[200] = "";

	for (i = 0; i < nbefore; i++) {
		const struct pinfo *p = &before[i];
		struct key *k;
		char comm[64];
		int kt;

		for (j = 0; j < nafter; j++)
			if (after[j].pid == p->pid && after[j].start == p->start)
				break;
		if (j == nafter)
			continue;	/* exited (or pid reused) during the window */
		lived++;
		k = key_by_pid(c, (uint32_t)p->pid);
		if (!k) {
			if (!missing++)
				snprintf(first_missing, sizeof(first_missing), "pid %d", p->pid);
			continue;
		}
		if (vt_proc_comm(p->pid, comm, sizeof(comm)) != 0)
			continue;
		compared++;
		kt = vt_is_kthread(p->pid);
		/*
		 * /proc shows a kernel thread's full name (task->comm holds 15
		 * characters of it) and a kworker's workqueue after a '-'
		 */
		if (strncmp(comm, k->last.comm, 16) != 0 &&
		    !(kt == 1 && strnlen(k->last.comm, 16) == 15 &&
		      strncmp(comm, k->last.comm, 15) == 0) &&
		    !(kt == 1 && strncmp(comm, k->last.comm, strlen(k->last.comm)) == 0 &&
		      comm[strlen(k->last.comm)] == '-')) {
			if (!comm_bad++)
				snprintf(first_comm, sizeof(first_comm),
					 "pid %d: record comm '%.16s', /proc comm '%s'", p->pid,
					 k->last.comm, comm);
		}
		{
			uint64_t proc_ns = p->start * tick_ns;
			uint64_t diff = proc_ns > k->start ? proc_ns - k->start : k->start - proc_ns;

			if (diff > tick_ns + 1000000ULL) {
				if (!start_bad++)
					snprintf(first_start, sizeof(first_start),
						 "pid %d '%s': start_time_ns %" PRIu64 ", /proc starttime %llu ticks = %" PRIu64
						 " ns", p->pid, comm, k->start, p->start, proc_ns);
			}
		}
		if (kt >= 0 && (kt != !!(k->flags_and & MONSTER_SF_KTHREAD) ||
				 kt != !!(k->flags_or & MONSTER_SF_KTHREAD))) {
			if (!kt_bad++)
				snprintf(first_kt, sizeof(first_kt),
					 "pid %d '%s': PF_KTHREAD %d, record flags or %#x and %#x", p->pid,
					 comm, kt, k->flags_or, k->flags_and);
		}
	}
	th_check(lived > 0 && missing == 0, "rec-live-processes-sampled",
		 "%d processes lived through the window, %d of them have no record%s%s", lived,
		 missing, missing ? "; first: " : "", first_missing);
	th_check(compared > 0 && comm_bad == 0, "rec-comm-matches-proc",
		 "%d processes compared, %d with a comm /proc does not show%s%s", compared, comm_bad,
		 comm_bad ? "; first: " : "", first_comm);
	th_check(compared > 0 && start_bad == 0, "rec-start-time-matches-proc",
		 "%d processes compared, %d whose start_time_ns is more than a tick off /proc's starttime%s%s",
		 compared, start_bad, start_bad ? "; first: " : "", first_start);
	th_check(compared > 0 && kt_bad == 0, "rec-kthread-flag-matches-proc",
		 "%d processes compared, %d whose MONSTER_SF_KTHREAD disagrees with PF_KTHREAD%s%s",
		 compared, kt_bad, kt_bad ? "; first: " : "", first_kt);
}

/* ---- the probe ---------------------------------------------------------------------------- */

static void check_probe_identity(struct coll *c, pid_t pid, uint64_t t_fork0, uint64_t t_fork1)
{
	struct key *k = key_by_pid(c, (uint32_t)pid);
	const struct monster_sample *s;
	char desc[512];

	if (!k) {
		th_fail("rec-probe-found", "no record of the probe (pid %d, comm %s)", pid, PROBE_COMM);
		return;
	}
	s = &k->last;
	th_pass("rec-probe-found", "%" PRIu64 " records of pid %d", k->n, pid);
	th_check(s->pid == (uint32_t)pid && s->tgid == (uint32_t)pid &&
		 strncmp(s->comm, PROBE_COMM, 16) == 0 &&
		 !(k->flags_or & (MONSTER_SF_KTHREAD | MONSTER_SF_THREAD | MONSTER_SF_NO_REGS)) &&
		 s->nr_threads == 1 && MONSTER_STATE_CHARS[s->state] == 'S',
		 "rec-probe-identity", "want pid = tgid = %d, comm %s, no KTHREAD/THREAD/NO_REGS flag, 1 thread, state S; got %s nr_threads %u flags(any record) %#x",
		 pid, PROBE_COMM, vt_describe(s, desc, sizeof(desc)), s->nr_threads, k->flags_or);
	th_check(k->start >= t_fork0 && k->start <= t_fork1, "rec-probe-start-time",
		 "start_time_ns %" PRIu64 ", fork happened in [%" PRIu64 ", %" PRIu64 "]", k->start,
		 t_fork0, t_fork1);
}

static void check_probe_rss(const struct monster_sample *s, long long statm, uint64_t want_mib,
			    const char *name)
{
	long long diff = (long long)s->mem_bytes - statm;

	if (diff < 0)
		diff = -diff;
	th_check(statm > 0 && s->mem_bytes >= want_mib * VT_MIB && diff <= (long long)VT_MIB, name,
		 "mem_bytes %" PRIu64 " (%.2f MiB), /proc statm resident %lld (%.2f MiB), diff %lld bytes; want >= %" PRIu64
		 " MiB and within 1 MiB", (uint64_t)s->mem_bytes, (double)s->mem_bytes / VT_MIB, statm,
		 (double)statm / VT_MIB, diff, want_mib);
}

static void check_probe_regs(const struct monster_sample *s, const struct probe_sh *sh)
{
#if defined(__x86_64__)
	th_check(s->rip == sh->rip && s->rcx == sh->rip && s->rsp == sh->rsp && s->rbx == PROBE_RBX &&
		 s->rdx == PROBE_RDX && s->rax == (uint64_t)-ENOSYS, "rec-probe-registers",
		 "blocked in pause(): rip %#" PRIx64 " (want %#" PRIx64 "), rcx %#" PRIx64
		 " (want rip), rsp %#" PRIx64 " (want %#" PRIx64 "), rbx %#" PRIx64 " (want %#llx), rdx %#"
		 PRIx64 " (want %#llx), rax %#" PRIx64 " (want -ENOSYS)", (uint64_t)s->rip,
		 (uint64_t)sh->rip, (uint64_t)s->rcx, (uint64_t)s->rsp, (uint64_t)sh->rsp,
		 (uint64_t)s->rbx, PROBE_RBX, (uint64_t)s->rdx, PROBE_RDX, (uint64_t)s->rax);
#else
	(void)s;
	(void)sh;
	th_skip("rec-probe-registers", "register layout checked on x86-64 only");
#endif
}

static void check_probe_counters(const struct monster_sample *s, pid_t pid)
{
	struct vt_pstat ps;
	unsigned long long run = 0, delay = 0;
	long long vcs = vt_proc_status_field(pid, "voluntary_ctxt_switches");
	long long ivcs = vt_proc_status_field(pid, "nonvoluntary_ctxt_switches");
	int e1 = vt_proc_stat(pid, &ps), e2 = vt_proc_schedstat(pid, &run, &delay);

	th_check(!e1 && s->min_flt == ps.minflt && s->maj_flt == ps.majflt &&
		 (long long)s->nvcsw == vcs && (long long)s->nivcsw == ivcs,
		 "rec-probe-counters-match-proc",
		 "min_flt %" PRIu64 "/%llu maj_flt %" PRIu64 "/%llu nvcsw %" PRIu64 "/%lld nivcsw %" PRIu64
		 "/%lld (record/proc, the probe is idle)", (uint64_t)s->min_flt, ps.minflt,
		 (uint64_t)s->maj_flt, ps.majflt, (uint64_t)s->nvcsw, vcs, (uint64_t)s->nivcsw, ivcs);
	th_check(!e2 && s->runtime_ns == run && s->run_delay_ns == delay,
		 "rec-probe-runtime-match-proc",
		 "runtime_ns %" PRIu64 " vs schedstat %llu, run_delay_ns %" PRIu64 " vs %llu",
		 (uint64_t)s->runtime_ns, run, (uint64_t)s->run_delay_ns, delay);
	th_check(s->cpu_time_ns > 0 && s->cpu_time_ns == s->utime_ns + s->stime_ns,
		 "rec-probe-cputime", "the probe touched %d MiB: cpu_time_ns %" PRIu64 " = utime %" PRIu64
		 " + stime %" PRIu64 " (/proc: %llu+%llu ticks)", PROBE_MIB + GROW_MIB,
		 (uint64_t)s->cpu_time_ns, (uint64_t)s->utime_ns, (uint64_t)s->stime_ns, ps.utime,
		 ps.stime);
}

/* ---- busy children ------------------------------------------------------------------------ */

static void check_busy(struct coll *c, pid_t burn, pid_t sysc, pid_t mt)
{
	struct key *kb = key_by_pid(c, (uint32_t)burn);
	struct key *ks = key_by_pid(c, (uint32_t)sysc);
	struct key *km = key_by_pid(c, (uint32_t)mt);
	size_t i;
	uint64_t not_r = 0, nb = 0;

	if (!kb || kb->n < 2) {
		th_fail("rec-burner-cpu-advances", "too few records of the CPU burner (pid %d): %" PRIu64,
			burn, kb ? kb->n : 0);
	} else {
		uint64_t dcpu = kb->last.cpu_time_ns - kb->first.cpu_time_ns;
		uint64_t du = kb->last.utime_ns - kb->first.utime_ns;
		uint64_t dt = kb->last.timestamp_ns - kb->first.timestamp_ns;

		th_check(dt > 0 && dcpu * 10 >= dt && du * 2 >= dcpu, "rec-burner-cpu-advances",
			 "over %.3f s of samples the user-space burner gained cpu_time %.3f s (utime %.3f s); want >= 10%% of the time, mostly user",
			 dt / 1e9, dcpu / 1e9, du / 1e9);
		for (i = 0; i < c->nents; i++)
			if (c->ents[i].key == (uint32_t)(kb - c->keys)) {
				nb++;
				if (MONSTER_STATE_CHARS[c->ents[i].state] != 'R')
					not_r++;
			}
		th_check(nb > 0 && not_r == 0, "rec-burner-state-running",
			 "%" PRIu64 " of %" PRIu64 " records of the never-sleeping burner are not state R",
			 not_r, nb);
	}
	if (!ks || ks->n < 2)
		th_fail("rec-syscaller-stime-advances", "too few records of the syscall loop (pid %d)",
			sysc);
	else
		th_check(ks->last.stime_ns > ks->first.stime_ns &&
			 ks->last.cpu_time_ns > ks->first.cpu_time_ns, "rec-syscaller-stime-advances",
			 "getppid() loop: stime %" PRIu64 " -> %" PRIu64 " ns, cpu_time %" PRIu64 " -> %" PRIu64
			 " ns", (uint64_t)ks->first.stime_ns, (uint64_t)ks->last.stime_ns,
			 (uint64_t)ks->first.cpu_time_ns, (uint64_t)ks->last.cpu_time_ns);
	if (!km)
		th_fail("rec-mt-nr-threads", "no record of the 4-thread process (pid %d)", mt);
	else
		th_check(km->last.nr_threads == MT_THREADS + 1 && km->last.pid == (uint32_t)mt &&
			 km->last.tgid == (uint32_t)mt && strncmp(km->last.comm, "monster-mt", 16) == 0,
			 "rec-mt-nr-threads",
			 "process record of pid %d: nr_threads %u (want %d), pid %u tgid %u comm '%.16s'",
			 mt, km->last.nr_threads, MT_THREADS + 1, km->last.pid, km->last.tgid,
			 km->last.comm);
}

static void check_special(struct coll *c)
{
	struct key *k = key_by_pid(c, 2);
	struct key *me = key_by_pid(c, (uint32_t)getpid());
	char desc[512], comm[64] = "";

	if (!k) {
		th_fail("rec-kthreadd", "no record of pid 2 (kthreadd)");
	} else {
		const struct monster_sample *s = &k->last;

		th_check(strncmp(s->comm, "kthreadd", 16) == 0 &&
			 (k->flags_and & MONSTER_SF_KTHREAD) && !s->rip && !s->rsp && !s->rax &&
			 !s->rbx && !s->rcx && !s->rdx && !s->mem_bytes, "rec-kthreadd",
			 "pid 2 in all %" PRIu64 " records flagged KTHREAD: %d; last %s", k->n,
			 !!(k->flags_and & MONSTER_SF_KTHREAD), vt_describe(s, desc, sizeof(desc)));
	}
	vt_proc_comm(-1, comm, sizeof(comm));
	if (!me)
		th_fail("rec-self", "no record of this test process (pid %d)", getpid());
	else
		th_check(strncmp(me->last.comm, comm, 16) == 0 && me->last.mem_bytes > 0 &&
			 !(me->flags_or & MONSTER_SF_KTHREAD), "rec-self",
			 "pid %d: comm '%.16s' (/proc '%s'), mem_bytes %" PRIu64 ", flags %#x", getpid(),
			 me->last.comm, comm, (uint64_t)me->last.mem_bytes, me->flags_or);
}

/* ---- scope THREAD --------------------------------------------------------------------------- */

static int count_threads(void)
{
	static pid_t pids[8192];
	int n = vt_list_pids(pids, 8192), i, total = 0;
	struct vt_pstat ps;

	for (i = 0; i < n; i++)
		if (vt_proc_stat(pids[i], &ps) == 0)
			total += (int)ps.num_threads;
	return total;
}

static void check_mt_threads(struct coll *c, pid_t mt)
{
	char path[64];
	DIR *dir;
	struct dirent *de;
	int tids = 0, found = 0, flagged = 0, named = 0;
	char first[200] = "";

	snprintf(path, sizeof(path), "/proc/%d/task", mt);
	dir = opendir(path);
	if (!dir) {
		th_fail("rec-thread-mt-tids", "cannot list %s", path);
		return;
	}
	while ((de = readdir(dir))) {
		struct key *k;
		uint32_t tid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		tid = (uint32_t)atoi(de->d_name);
		tids++;
		k = key_by_pid(c, tid);
		if (!k) {
			if (!first[0])
				snprintf(first, sizeof(first), "no record of tid %u", tid);
			continue;
		}
		found += k->tgid == (uint32_t)mt;
		flagged += !!(k->flags_and & MONSTER_SF_THREAD);
		if (strncmp(k->last.comm, tid == (uint32_t)mt ? "monster-mt" : "mt-worker", 16) == 0)
			named++;
		else if (!first[0])
			snprintf(first, sizeof(first), "tid %u comm '%.16s'", tid, k->last.comm);
	}
	closedir(dir);
	th_check(tids == MT_THREADS + 1 && found == tids && flagged == tids && named == tids,
		 "rec-thread-mt-tids",
		 "pid %d has %d threads in /proc; with records of tgid %d: %d, all flagged THREAD: %d, named monster-mt/mt-worker: %d%s%s",
		 mt, tids, mt, found, flagged, named, first[0] ? "; first problem: " : "", first);
}

/* ---- main ------------------------------------------------------------------------------------ */

/*
 * Begin collecting a scope: drained rings, seq expectations from the
 * stats in *s0, then START (bail with @start_name if it fails).
 */
static void coll_start(struct coll *c, struct vt_dev *d, int scope, struct monster_stats *s0,
		       const char *start_name)
{
	int err;

	coll_init(c, d, scope);
	vt_drain(d);
	vt_get_stats_or_bail(d->fd, s0, "rec-stats");
	for (unsigned int r = 0; r < MONSTER_NR_RINGS; r++)
		vt_seq_expect(&c->seq, r, s0->ring[r].produced);
	c->t_start = th_now_ns();
	err = vt_start(d->fd);
	if (err)
		vt_bail(start_name, "START: %s", strerror(err));
}

static void run_window(struct vt_dev *d, struct coll *c, uint64_t min_ns, uint64_t max_ns,
		       bool need_all_rings)
{
	uint64_t t0 = th_now_ns();

	for (;;) {
		uint64_t now;
		unsigned int r;
		bool all = true;

		vt_consume_all(d, coll_rec, c);
		now = th_now_ns();
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			if (!c->ring_n[r])
				all = false;
		if (now - t0 >= max_ns || (now - t0 >= min_ns && (all || !need_all_rings)))
			break;
		th_sleep_ms(5);
	}
}

int main(void)
{
	static struct pinfo before[8192];
	struct monster_stats s0, s1;
	struct probe_sh *sh;
	struct vt_dev d;
	struct coll c;
	pid_t probe, burn, sysc, mt;
	uint64_t t_fork0, t_fork1;
	struct monster_sample probe_before;
	long long statm_before;
	int nbefore, err, nthreads;

	vt_begin("t_10_records");
	vt_open_or_bail(&d, "rec-open");
	vt_stop(d.fd);
	vt_set_rate_scope_or_bail(d.fd, 100, MONSTER_SCOPE_PROCESS, "rec-config");
	vt_map_or_bail(&d, "rec-map");

	sh = vt_shared_alloc(4096);
	if (!sh)
		vt_bail("rec-setup", "shared page: %s", strerror(errno));
	t_fork0 = th_now_ns();
	probe = vt_spawn(PROBE_COMM, probe_main, sh, true);
	t_fork1 = th_now_ns();
	burn = vt_spawn("monster-burn", burn_main, NULL, true);
	sysc = vt_spawn("monster-sysc", sysc_main, NULL, true);
	mt = vt_spawn("monster-mt", mt_main, NULL, true);
	if (probe < 0 || burn < 0 || sysc < 0 || mt < 0)
		vt_bail("rec-setup", "could not start the test children (probe %d burn %d sysc %d mt %d)",
			probe, burn, sysc, mt);
	vt_spawn_variety(8);
	nbefore = snapshot(before, 8192);

	/* ---- scope PROCESS ---- */
	coll_start(&c, &d, MONSTER_SCOPE_PROCESS, &s0, "rec-start");
	run_window(&d, &c, 2000000000ULL, 10000000000ULL, true);

	/* the probe before and after growing by GROW_MIB */
	{
		struct key *k = key_by_pid(&c, (uint32_t)probe);
		uint64_t t_ack, end;

		memset(&probe_before, 0, sizeof(probe_before));
		if (k)
			probe_before = k->last;
		statm_before = vt_proc_rss_bytes(probe);
		sh->req = 1;
		kill(probe, SIGUSR1);
		end = th_now_ns() + 10000000000ULL;
		while (sh->ack != 1 && th_now_ns() < end) {
			vt_consume_all(&d, coll_rec, &c);
			th_sleep_ms(5);
		}
		t_ack = th_now_ns();
		if (sh->ack != 1)
			th_fail("rec-probe-grow", "the probe did not grow within 10 s");
		/* a few sweeps that all started after the growth */
		vt_wait_sweeps(d.fd, 5, 5000, &d, coll_rec, &c);
		end = th_now_ns() + 5000000000ULL;
		while ((k = key_by_pid(&c, (uint32_t)probe)) && k->last.timestamp_ns <= t_ack &&
		       th_now_ns() < end) {
			vt_consume_all(&d, coll_rec, &c);
			th_sleep_ms(5);
		}
	}
	err = vt_stop(d.fd);
	vt_consume_all(&d, coll_rec, &c);
	vt_get_stats_or_bail(d.fd, &s1, "rec-stats");
	th_check(!err && !s1.running, "rec-stop", "STOP: %s, running after: %u",
		 err ? strerror(err) : "ok", s1.running);
	th_note("scope PROCESS: %" PRIu64 " records, %u tasks, %" PRIu64 " sweeps", c.val.records,
		c.nkeys, (uint64_t)(s1.sweeps - s0.sweeps));

	{
		uint64_t end_ns = d.hdr->shared.sweep_end_ns, want = c.max_ts + s1.last_sweep_ns;
		uint64_t diff = end_ns > want ? end_ns - want : want - end_ns;

		th_check(end_ns && end_ns <= th_now_ns() && diff <= 1000000ULL &&
			 d.hdr->shared.sweeps == s1.sweeps, "rec-sweep-end-time",
			 "shared header: sweep_end_ns %" PRIu64 ", newest record's sweep start %" PRIu64
			 " + last_sweep_ns %" PRIu64 " = %" PRIu64 " (want within 1 ms); sweeps %" PRIu64
			 " (GET_STATS %" PRIu64 ")", end_ns, c.max_ts, (uint64_t)s1.last_sweep_ns, want,
			 (uint64_t)d.hdr->shared.sweeps, (uint64_t)s1.sweeps);
	}
	vt_validity_report(&c.val, "rec");
	coll_check_seq(&c, "rec", &s0, &s1);
	check_ring_coverage(&c);
	coll_check_series(&c, "rec");
	coll_check_last_sweep(&c, "rec", &s1, nbefore);
	check_against_proc(&c, before, nbefore);
	check_special(&c);
	check_probe_identity(&c, probe, t_fork0, t_fork1);
	if (probe_before.pid)
		check_probe_rss(&probe_before, statm_before, PROBE_MIB, "rec-probe-rss");
	else
		th_fail("rec-probe-rss", "no record of the probe before it grew");
	{
		struct key *k = key_by_pid(&c, (uint32_t)probe);

		if (k) {
			check_probe_rss(&k->last, vt_proc_rss_bytes(probe), PROBE_MIB + GROW_MIB,
					"rec-probe-rss-after-growth");
			check_probe_regs(&k->last, sh);
			check_probe_counters(&k->last, probe);
		}
	}
	check_busy(&c, burn, sysc, mt);
	coll_free(&c);

	/* ---- scope THREAD ---- */
	vt_set_rate_scope_or_bail(d.fd, 100, MONSTER_SCOPE_THREAD, "rec-thread-config");
	coll_start(&c, &d, MONSTER_SCOPE_THREAD, &s0, "rec-thread-start");
	run_window(&d, &c, 1000000000ULL, 1000000000ULL, false);
	vt_wait_sweeps(d.fd, 10, 5000, &d, coll_rec, &c);
	vt_stop(d.fd);
	vt_consume_all(&d, coll_rec, &c);
	vt_get_stats_or_bail(d.fd, &s1, "rec-stats");
	nthreads = count_threads();
	th_note("scope THREAD: %" PRIu64 " records, %u tasks, %" PRIu64 " sweeps", c.val.records,
		c.nkeys, (uint64_t)(s1.sweeps - s0.sweeps));
	vt_validity_report_one(&c.val, "rec-thread-record-rules");
	coll_check_seq(&c, "rec-thread", &s0, &s1);
	coll_check_series(&c, "rec-thread");
	coll_check_last_sweep(&c, "rec-thread", &s1, nthreads);
	check_mt_threads(&c, mt);
	th_check(s1.scope == MONSTER_SCOPE_THREAD && s1.last_sweep_tasks >= (uint64_t)nbefore,
		 "rec-thread-more-tasks", "scope %u: last sweep sampled %" PRIu64
		 " threads, %d processes and %d threads in /proc", s1.scope,
		 (uint64_t)s1.last_sweep_tasks, nbefore, nthreads);
	coll_free(&c);

	vt_close(&d);
	return vt_end();
}
