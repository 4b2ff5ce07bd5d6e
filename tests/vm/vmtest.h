/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmtest.h - what the VM integration tests (tests/vm/t_*.c, t32_*.c) share
 * on top of the harness (../harness.h: result lines, clock, random numbers):
 * the device, its rings, sweeps, record rules, child processes, /proc, the
 * kernel log and the module. Every program runs as root inside the test VM
 * against the real /dev/monster and prints one line per check (th_check()
 * and the like). Names are kebab-case and unique across all programs (each
 * program prefixes its own). A program exits non-zero if any check failed,
 * and leaves the device stopped, unmapped and in the configuration it found
 * (vt_end() restores it).
 */
#ifndef MONSTER_VMTEST_H
#define MONSTER_VMTEST_H

#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <monster.h>

#include "../harness.h"

#define VT_MIB (1024ULL * 1024ULL)

/* ---- the program ---------------------------------------------------------------------- */

/* A program still running after this long FAILs <prog>-watchdog and exits. */
#define VT_WATCHDOG_S 170

/* Start a program: th_begin(), the watchdog, cleanup on exit, the device's config noted. */
void vt_begin(const char *prog);
/* Re-arm the watchdog: secs from now. */
void vt_watchdog(unsigned int secs);
/* Finish: restore the device, kill spawned children, th_end(); returns the exit status. */
int vt_end(void);
/* Fatal setup error: FAIL <name> and exit through vt_end(). */
void vt_bail(const char *name, const char *fmt, ...) TH_PRINTF(2, 3) __attribute__((noreturn));

/* ---- the device ----------------------------------------------------------------------- */

struct vt_dev {
	int fd;
	struct monster_info info;
	/* mappings (NULL when not mapped) */
	struct monster_ring_tail *tails;	/* RW */
	const struct monster_headers *hdr;	/* RO */
	const unsigned char *data;		/* RO: the whole data region */
	/* the consumer's own copy of each tail (what it last wrote) */
	uint64_t ctail[MONSTER_NR_RINGS];
};

/* Reserved fields must read back as zero. */
bool vt_all_zero(const void *p, size_t len);

/* ioctl returning 0 or the errno it failed with. */
int vt_ioctl(int fd, unsigned long cmd, void *arg);

/* open O_RDWR + GET_INFO; 0 or -errno (no FAIL printed). */
int vt_open(struct vt_dev *d);
/* vt_open or FAIL <name> and exit. */
void vt_open_or_bail(struct vt_dev *d, const char *name);
/* map tails RW, headers RO, data RO; ctail[] from the tails page; 0 or -errno. */
int vt_map(struct vt_dev *d);
void vt_map_or_bail(struct vt_dev *d, const char *name);
void vt_unmap(struct vt_dev *d);
void vt_close(struct vt_dev *d);	/* unmap + close */
/* refresh d->info (after a resize) */
int vt_info(struct vt_dev *d);

int vt_get_config(int fd, struct monster_config *c);
int vt_set_config(int fd, const struct monster_config *c);
int vt_get_stats(int fd, struct monster_stats *st);
void vt_get_stats_or_bail(int fd, struct monster_stats *st, const char *name);
int vt_start(int fd);
int vt_stop(int fd);
/* SET_CONFIG rate and scope only (slots/node as they are); 0 or errno */
int vt_set_rate_scope(int fd, uint32_t rate, uint32_t scope);
/* vt_set_rate_scope() or FAIL <name> and exit. */
void vt_set_rate_scope_or_bail(int fd, uint32_t rate, uint32_t scope, const char *name);
/* SET_CONFIG ring_slots only (everything else as it is); 0 or errno */
int vt_set_slots(int fd, uint32_t slots);
/* The fields of a SET_CONFIG that vt_change_config() takes from *want. */
enum {
	VT_CFG_RATE = 1 << 0,
	VT_CFG_SCOPE = 1 << 1,
	VT_CFG_SLOTS = 1 << 2,
	VT_CFG_NODE = 1 << 3,
};
/* GET_CONFIG, the fields named in fields from *want, SET_CONFIG; 0 or errno */
int vt_change_config(int fd, unsigned int fields, const struct monster_config *want);
/*
 * SET_CONFIG ring_slots on a device nobody else has open or mapped: closes
 * d's mappings, keeps d->fd; refreshes d->info. 0 or errno.
 */
int vt_resize(struct vt_dev *d, uint32_t slots);

/* ---- ring access ---------------------------------------------------------------------- */

static inline uint64_t vt_head(const struct vt_dev *d, unsigned int r)
{
	return __atomic_load_n(&d->hdr->ring[r].head, __ATOMIC_ACQUIRE);
}

static inline void vt_write_tail(struct vt_dev *d, unsigned int r, uint64_t t)
{
	__atomic_store_n(&d->tails[r].tail, t, __ATOMIC_RELEASE);
}

/* The consumer releases [.., t): its own copy and the shared tail. */
static inline void vt_set_tail(struct vt_dev *d, unsigned int r, uint64_t t)
{
	d->ctail[r] = t;
	vt_write_tail(d, r, t);
}

static inline const struct monster_sample *vt_rec(const struct vt_dev *d, unsigned int r,
						  uint64_t idx)
{
	uint64_t off = d->hdr->ring[r].data_offset - d->info.data_offset;

	return (const struct monster_sample *)(d->data + off +
		(idx & (d->info.ring_slots - 1)) * d->info.record_size);
}

/* Called for every consumed record, in ring order. */
typedef void (*vt_rec_fn)(void *arg, unsigned int ring, uint64_t idx,
			  const struct monster_sample *s);

/* Consume up to max records of ring r (from ctail to head); returns how many. */
uint64_t vt_consume(struct vt_dev *d, unsigned int r, uint64_t max, vt_rec_fn fn, void *arg);
/* Consume everything ready in every ring. */
uint64_t vt_consume_all(struct vt_dev *d, vt_rec_fn fn, void *arg);
/* Release everything ready without reading it (tail = head). */
void vt_drain(struct vt_dev *d);

/* ---- sweeps --------------------------------------------------------------------------- */

/* The sum over the rings of a struct monster_ring_stats counter (offsetof). */
uint64_t vt_ring_sum(const struct monster_stats *st, size_t counter);
#define VT_RING_SUM(st, field) vt_ring_sum(st, offsetof(struct monster_ring_stats, field))

/* stats.sweeps via GET_STATS (UINT64_MAX on error) */
uint64_t vt_sweeps(int fd);
/*
 * Wait until n more sweeps have completed (GET_STATS), up to timeout_ms; if d
 * and fn are given, consume all rings while waiting. Returns the sweeps seen.
 */
uint64_t vt_wait_sweeps(int fd, uint64_t n, unsigned int timeout_ms,
			struct vt_dev *d, vt_rec_fn fn, void *arg);

/* ---- sequence accounting -------------------------------------------------------------- */

/* Per ring: seq must increase; gaps (drops the consumer saw) are summed. */
struct vt_seq {
	bool have[MONSTER_NR_RINGS];
	uint64_t expect[MONSTER_NR_RINGS];	/* seq the next record should have */
	uint64_t gaps[MONSTER_NR_RINGS];	/* sum of seq - expect over records */
	uint64_t backwards[MONSTER_NR_RINGS];	/* records whose seq < expect */
	uint64_t records[MONSTER_NR_RINGS];
	uint64_t first_bad_seq, first_bad_expect;
	int first_bad_ring;
};

void vt_seq_init(struct vt_seq *q);
/* Start ring r's expectation at seq (e.g. produced while stopped). */
void vt_seq_expect(struct vt_seq *q, unsigned int r, uint64_t seq);
void vt_seq_add(struct vt_seq *q, unsigned int r, uint64_t seq);

/* ---- record validation ---------------------------------------------------------------- */

enum {
	VT_BAD_SHARD = 1 << 0,		/* shard != monster_shard(combined) */
	VT_BAD_RING = 1 << 1,		/* shard != the ring it was found in */
	VT_BAD_HECKE = 1 << 2,		/* hecke != monster_hecke(combined, shard) */
	VT_BAD_STATE = 1 << 3,		/* state >= strlen(MONSTER_STATE_CHARS) */
	VT_BAD_COMM = 1 << 4,		/* comm not NUL-terminated */
	VT_BAD_CPUSUM = 1 << 5,		/* cpu_time_ns != utime_ns + stime_ns */
	VT_BAD_FLAGS = 1 << 6,		/* unknown flag bits */
	VT_BAD_TS = 1 << 7,		/* timestamp_ns 0 or in the future */
	VT_BAD_KADDR = 1 << 8,		/* user task with a kernel-half rip/rsp */
	VT_BAD_KTHREAD = 1 << 9,	/* kernel thread with registers or memory */
	VT_BAD_KIND = 1 << 10,		/* not a record kind the driver writes */
	VT_BAD_CPU = 1 << 11,		/* cpu >= configured CPUs */
	VT_BAD_SEQIDX = 1 << 12,	/* seq < index in the ring (seq = index + drops) */
	VT_BAD_PIDS = 1 << 13,		/* pid 0, tgid 0, or (process scope) pid != tgid */
	VT_BAD_NOREGS = 1 << 14,	/* NO_REGS flag with non-zero registers */
	VT_BAD_NR = 15
};

extern const char *const vt_bad_names[VT_BAD_NR];

/* Property violations of one record (0: fine). scope: MONSTER_SCOPE_* or -1 unknown. */
unsigned int vt_validate(const struct vt_dev *d, unsigned int ring, uint64_t idx,
			 const struct monster_sample *s, uint64_t now_ns, int scope);
/* One-line description of a record for FAIL details. */
const char *vt_describe(const struct monster_sample *s, char *buf, size_t len);

/* Aggregate of vt_validate over many records. */
struct vt_validity {
	uint64_t records;
	uint64_t bad[VT_BAD_NR];
	char first[VT_BAD_NR][200];
};

void vt_validity_add(struct vt_validity *v, const struct vt_dev *d, unsigned int ring,
		     uint64_t idx, const struct monster_sample *s, uint64_t now_ns, int scope);
/* One check per property: <prefix>-<property>. */
void vt_validity_report(const struct vt_validity *v, const char *prefix);
/* One check for all properties together: <name>. */
void vt_validity_report_one(const struct vt_validity *v, const char *name);

/* ---- processes ------------------------------------------------------------------------ */

/*
 * Fork a child named comm (PR_SET_NAME) that runs fn(arg) and exits with its
 * return value; it dies with the parent (PR_SET_PDEATHSIG). With wait_ready,
 * the call returns once the child called vt_child_ready() (or -1 after 20 s).
 * Children are killed by vt_kill_children() and vt_end().
 */
pid_t vt_spawn(const char *comm, int (*fn)(void *arg), void *arg, bool wait_ready);
void vt_child_ready(void);
void vt_kill(pid_t pid);
void vt_kill_children(void);
/* fork, run fn(arg) in the child, return its wait status (-1 on error, 20 s limit). */
int vt_run_child(int (*fn)(void *arg), void *arg);
/* An anonymous MAP_SHARED area children and parent both see (zeroed). */
void *vt_shared_alloc(size_t len);

/*
 * In a child of vt_spawn(): start n threads that sleep for good (small
 * stacks, detached), adding one to *started for each, keep pthread_create's
 * error in *err if one fails; then vt_child_ready() and sleep for good too.
 */
void vt_sleeping_threads(int n, volatile int *started, volatile int *err)
	__attribute__((noreturn));

/*
 * n children named "monster-vary" that wake every few ms with a different
 * stack depth, so their rsp (and with it their shard) changes from sweep to
 * sweep: records in every ring even on an idle machine.
 */
void vt_spawn_variety(int n);

/*
 * Bodies for vt_spawn() children that report ready and then, until killed:
 * spin on the CPU; sleep in pause(); or fault fresh pages in and give them
 * back (mmap, one write per page, munmap; no huge pages), arg pointing at
 * the size in MiB (NULL: 2).
 */
int vt_child_spin(void *arg);
int vt_child_pause(void *arg);
int vt_child_fault(void *arg);

/* ---- /proc and files ------------------------------------------------------------------ */

/* Read a whole (small) file; returns bytes read, -1 on error. NUL-terminated. */
ssize_t vt_read_file(const char *path, char *buf, size_t len);
/* write a string to a file; 0 or errno */
int vt_write_file(const char *path, const char *s);

struct vt_pstat {
	char state;
	char comm[32];
	unsigned long long flags;
	unsigned long long minflt, majflt;
	unsigned long long utime, stime;	/* clock ticks */
	long long num_threads;
	unsigned long long starttime;		/* clock ticks since boot */
	long long rss;				/* pages */
};

/* /proc/<pid>/stat (pid may be "self" as -1); 0 or -1. */
int vt_proc_stat(pid_t pid, struct vt_pstat *ps);
/* /proc/<pid>/statm resident field * page size; -1 on error. */
long long vt_proc_rss_bytes(pid_t pid);
/* /proc/<pid>/status "<key>:" numeric value; -1 if absent. */
long long vt_proc_status_field(pid_t pid, const char *key);
/* /proc/<pid>/comm without the newline; 0 or -1. */
int vt_proc_comm(pid_t pid, char *buf, size_t len);
/* /proc/<pid>/schedstat: runtime ns, run delay ns; 0 or -1. */
int vt_proc_schedstat(pid_t pid, unsigned long long *run_ns, unsigned long long *delay_ns);
/* pids under /proc; returns count (at most max). */
int vt_list_pids(pid_t *pids, int max);
/* PF_KTHREAD in /proc/<pid>/stat flags: 1, 0, or -1 if gone. */
int vt_is_kthread(pid_t pid);

/* ---- kernel log ----------------------------------------------------------------------- */

/*
 * The kernel log from /dev/kmsg, message texts joined by '\n' (malloc'd, caller
 * frees), records with sequence number > since only; *last gets the newest seq.
 */
char *vt_kmsg_read(uint64_t since, uint64_t *last);
/* The newest kmsg sequence number now (a mark for vt_kmsg_read). */
uint64_t vt_kmsg_mark(void);
/* The first line of text matching a WARN/BUG/Oops/lockup/stall pattern, or NULL. */
const char *vt_kmsg_find_bad(const char *text, char *line, size_t len);
/* The first line of text that holds one of pats[0..npats), copied to line; NULL if none. */
const char *vt_find_line(const char *text, const char *const *pats, size_t npats, char *line,
			 size_t len);

/* ---- module --------------------------------------------------------------------------- */

bool vt_module_loaded(void);
/* delete_module("monster", flags): 0 or errno */
int vt_module_unload(unsigned int flags);
/* finit_module of $MONSTER_KO (default /monster.ko) with args: 0 or errno */
int vt_module_load(const char *args);
/* Re-insert the module if a test unloaded it, with $MONSTER_MODARGS; 0 or errno. */
int vt_module_reload(void);

#endif /* MONSTER_VMTEST_H */
