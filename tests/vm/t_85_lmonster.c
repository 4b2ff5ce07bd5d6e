// SPDX-License-Identifier: GPL-2.0
/*
 * t_85_lmonster - liblmonster and monsterctl against the real device.
 *
 * The library: open and the layout it reads back, the control wrappers with
 * the driver's answers (EBUSY, idempotent stop), consuming live samples in
 * place with exact drop accounting through a small ring and a stalling
 * consumer, one consumer per ring across handles and processes, waits, a
 * garbage tail, and its error messages. monsterctl, when the guest has it
 * (run-vm.sh --add build/tools/monsterctl.static:/bin/monsterctl, or
 * $MONSTERCTL): every subcommand end to end, including bad input, a busy
 * ring, an unprivileged user and an unloaded module, and events: set
 * events= and the fault filters on the device, `monsterctl events --json`
 * parsed back while a child forks, execs and exits, the per-kind status
 * lines. And the example consumer built with `pkg-config --static`
 * (build/unit/example_consumer.static, `make vm-lib-extras`) consuming live
 * samples, when the guest has it.
 *
 * Linked statically with liblmonster.a and json-c, whose parser reads
 * monsterctl's JSON back (the guest has no libc and no python).
 */
#include "vmtest.h"

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <lmonster.h>

#define SMALL_SLOTS 64

static struct monster_config orig;

static bool lib_ok(int ret, const char *name, const char *what)
{
	return th_check(ret == 0, name, "%s: %s", what, ret ? lmonster_strerror(ret) : "ok");
}

/* ---- open and layout ---- */

static void test_open(void)
{
	struct lmonster *h = NULL;
	struct monster_info li;
	struct vt_dev d;
	int ret;

	ret = lmonster_open(NULL, 0, &h);
	if (!lib_ok(ret, "lib-open", "lmonster_open(NULL)"))
		return;
	lmonster_info(h, &li);
	if (vt_open(&d) == 0) {
		th_check(memcmp(&li, &d.info, sizeof(li)) == 0, "lib-info-matches-ioctl",
			 "lmonster_info = GET_INFO (%u slots, map %llu bytes, node %d)", li.ring_slots,
			 (unsigned long long)li.map_size, li.numa_node);
		vt_close(&d);
	}
	th_check(lmonster_flags(h) == 0 && lmonster_fd(h) >= 0, "lib-device-flags",
		 "flags %#x (no LMONSTER_F_FILE), fd %d", lmonster_flags(h), lmonster_fd(h));
	lmonster_close(h);
}

/* ---- control ---- */

static void test_control(void)
{
	struct monster_sweep_hist hist;
	struct monster_config cfg;
	struct monster_stats st;
	struct lmonster *c = NULL, *h = NULL;
	int ret;

	ret = lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &c);
	if (!lib_ok(ret, "lib-open-control", "lmonster_open(CONTROL)"))
		return;
	th_check(lmonster_stop(c) == 0 && lmonster_stop(c) == 0, "lib-stop-idempotent",
		 "stop on a stopped sampler: 0 twice");
	lib_ok(lmonster_start(c), "lib-start", "lmonster_start");
	ret = lmonster_start(c);
	th_check(ret == -EBUSY, "lib-start-running-busy", "start while running: %d (%s)", ret,
		 lmonster_strerror(ret));
	ret = lmonster_set_rate(c, 200);
	if (!ret)
		ret = lmonster_get_config(c, &cfg);
	th_check(ret == 0 && cfg.rate_hz == 200, "lib-set-rate",
		 "set_rate(200) while running: %d, config rate %u", ret, cfg.rate_hz);
	th_check(lmonster_set_rate(c, 0) == -EINVAL && lmonster_set_rate(c, 10001) == -EINVAL,
		 "lib-set-rate-range", "rates 0 and 10001: -EINVAL");
	cfg.ring_slots = orig.ring_slots * 2;
	ret = lmonster_set_config(c, &cfg);
	th_check(ret == -EBUSY, "lib-set-slots-running-busy", "slots while running: %d (%s)", ret,
		 lmonster_strerror(ret));
	lmonster_stop(c);
	ret = lmonster_stats(c, &st);
	if (!ret)
		ret = lmonster_sweep_hist(c, &hist);
	th_check(ret == 0 && hist.sweeps == st.sweeps && hist.total_ns == st.total_sweep_ns,
		 "lib-sweep-hist", "stopped: sweep_hist %d (%s), %llu sweeps in %llu ns; GET_STATS "
		 "%llu in %llu ns", ret, lmonster_strerror(ret), (unsigned long long)hist.sweeps,
		 (unsigned long long)hist.total_ns, (unsigned long long)st.sweeps,
		 (unsigned long long)st.total_sweep_ns);
	ret = lmonster_open(NULL, 0, &h);	/* maps the rings */
	if (lib_ok(ret, "lib-open-mapped", "lmonster_open")) {
		ret = lmonster_set_config(c, &cfg);
		th_check(ret == -EBUSY, "lib-set-slots-mapped-busy",
			 "slots while another handle maps the rings: %d (%s)", ret,
			 lmonster_strerror(ret));
		lmonster_close(h);
	}
	ret = lmonster_set_config(c, &cfg);
	th_check(ret == 0, "lib-set-slots", "slots %u with only a control handle open: %d (%s)",
		 cfg.ring_slots, ret, lmonster_strerror(ret));
	cfg.ring_slots = orig.ring_slots;
	cfg.rate_hz = orig.rate_hz;
	lmonster_set_config(c, &cfg);
	memset(&st, 0xff, sizeof(st));
	ret = lmonster_reset(c);
	if (!ret)
		ret = lmonster_stats(c, &st);
	th_check(ret == 0 && st.sweeps == 0 && !st.running && st.max_sweep_ns == 0,
		 "lib-reset-stats", "reset then stats: %d, sweeps %llu, running %u", ret,
		 (unsigned long long)st.sweeps, st.running);
	th_check(lmonster_ring_release(c, 0, 0) == -EBADFD, "lib-control-no-rings",
		 "a control handle cannot consume: -EBADFD");
	lmonster_close(c);
}

/* ---- consuming live samples ---- */

struct tally {
	struct vt_seq seq;
	uint64_t records, bad, rings;
	char first_bad[160];
};

static int on_record(unsigned int ring, const struct monster_sample *s, void *arg)
{
	struct tally *t = arg;
	uint64_t c = monster_sample_combined(s);

	if (s->shard != ring || monster_shard(c) != ring || s->hecke != monster_hecke(c, ring) ||
	    !memchr(s->comm, 0, sizeof(s->comm)) || !s->pid ||
	    s->state >= sizeof(MONSTER_STATE_CHARS) - 1) {
		if (!t->bad++)
			vt_describe(s, t->first_bad, sizeof(t->first_bad));
	}
	if (!t->seq.records[ring])
		t->rings++;
	vt_seq_add(&t->seq, ring, s->seq);
	t->records++;
	return 0;
}

static void test_consume(void)
{
	struct monster_stats st0, st1;
	struct monster_config cfg;
	struct lmonster *h = NULL, *c = NULL;
	struct tally t;
	uint64_t t_end, consumed_exp = 0, drops = 0, stalls = 0;
	unsigned int r, bad_rings = 0;
	int ret;

	memset(&t, 0, sizeof(t));
	vt_seq_init(&t.seq);
	/* a small ring, so a stalling consumer loses records */
	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &c) || lmonster_get_config(c, &cfg)) {
		th_fail("lib-consume", "cannot open the device for control");
		lmonster_close(c);
		return;
	}
	cfg.ring_slots = SMALL_SLOTS;
	cfg.rate_hz = 100;
	ret = lmonster_set_config(c, &cfg);
	lmonster_close(c);
	if (!lib_ok(ret, "lib-consume-setup", "set 64 slots at 100 Hz"))
		return;
	ret = lmonster_open(NULL, 0, &h);
	if (!lib_ok(ret, "lib-consume-open", "lmonster_open"))
		return;
	vt_spawn_variety(8);
	/* start from empty rings and known counters */
	ret = lmonster_for_each(h, on_record, &t, 0);
	lmonster_stats(h, &st0);
	memset(&t, 0, sizeof(t));
	vt_seq_init(&t.seq);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		vt_seq_expect(&t.seq, r, st0.ring[r].produced);

	lmonster_start(h);
	t_end = th_now_ns() + 2500000000ULL;
	while (th_now_ns() < t_end) {
		ret = lmonster_wait(h, 1000);
		if (ret && ret != -ETIMEDOUT)
			break;
		ret = lmonster_for_each(h, on_record, &t, 0);
		if (ret < 0)
			break;
		if (++stalls % 20 == 0)
			th_sleep_ms(300);	/* let the small rings overflow */
	}
	lmonster_stop(h);
	if (ret >= 0 || ret == -ETIMEDOUT)
		ret = lmonster_for_each(h, on_record, &t, 0);
	if (ret < 0) {
		th_fail("lib-consume", "consuming failed: %s", lmonster_strerror(ret));
		goto out;
	}
	lmonster_stats(h, &st1);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const struct monster_ring_stats *a = &st0.ring[r], *b = &st1.ring[r];
		uint64_t dropped = b->dropped - a->dropped;
		uint64_t trailing = b->produced - t.seq.expect[r];

		consumed_exp += (b->produced - a->produced) - dropped;
		drops += dropped;
		if (b->produced != b->head + b->dropped || b->fill != 0 || b->tail != b->head ||
		    t.seq.gaps[r] + trailing != dropped || t.seq.backwards[r] ||
		    t.seq.records[r] != (b->head - a->head)) {
			if (!bad_rings++)
				th_note("ring %u: produced %llu head %llu dropped %llu fill %llu, consumed %llu, seq gaps %llu + %llu trailing, backwards %llu",
					r, (unsigned long long)b->produced, (unsigned long long)b->head,
					(unsigned long long)b->dropped, (unsigned long long)b->fill,
					(unsigned long long)t.seq.records[r],
					(unsigned long long)t.seq.gaps[r], (unsigned long long)trailing,
					(unsigned long long)t.seq.backwards[r]);
		}
	}
	th_check(t.records > 0 && t.bad == 0, "lib-consume-records",
		 "%llu live records from %llu rings, %llu with a wrong shard/Hecke/comm/pid%s%s",
		 (unsigned long long)t.records, (unsigned long long)t.rings,
		 (unsigned long long)t.bad, t.bad ? ": " : "", t.bad ? t.first_bad : "");
	th_check(bad_rings == 0 && t.records == consumed_exp, "lib-consume-accounting",
		 "64-slot rings, consumer stalling: %llu consumed + %llu dropped = produced; every drop a seq gap; %u rings off",
		 (unsigned long long)t.records, (unsigned long long)drops, bad_rings);
	th_check(drops > 0, "lib-consume-drops-seen", "%llu records dropped while the consumer stalled",
		 (unsigned long long)drops);
out:
	vt_kill_children();
	lmonster_close(h);
	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &c) == 0) {
		lmonster_set_config(c, &orig);
		lmonster_close(c);
	}
}

/* ---- one consumer per ring ---- */

static int child_claim_ring0(void *arg)
{
	struct lmonster *h;
	int ret;

	(void)arg;
	if (lmonster_open(NULL, 0, &h))
		return 2;
	ret = lmonster_claim(h, 1U << 0);
	lmonster_close(h);
	return ret == -EBUSY ? 0 : 1;
}

static void test_claims(void)
{
	struct lmonster *h1 = NULL, *h2 = NULL;
	int status, ret;

	if (lmonster_open(NULL, 0, &h1) || lmonster_open(NULL, 0, &h2)) {
		th_fail("lib-claim", "cannot open two handles");
		goto out;
	}
	lib_ok(lmonster_claim(h1, 1U << 0), "lib-claim", "first consumer claims ring 0");
	ret = lmonster_claim(h2, 1U << 0);
	th_check(ret == -EBUSY, "lib-claim-second-handle-busy", "second handle: %d (%s)", ret,
		 lmonster_strerror(ret));
	status = vt_run_child(child_claim_ring0, NULL);
	th_check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lib-claim-other-process-busy",
		 "another process claiming ring 0 gets -EBUSY (status %#x)", status);
	lib_ok(lmonster_claim(h2, 1U << 1), "lib-claim-other-ring", "second handle takes ring 1");
	lmonster_close(h1);
	h1 = NULL;
	lib_ok(lmonster_claim(h2, 1U << 0), "lib-claim-after-close", "ring 0 is free once its owner closed");
out:
	lmonster_close(h1);
	lmonster_close(h2);
}

/* ---- waiting ---- */

static void test_wait(void)
{
	struct lmonster *h = NULL;
	struct pollfd p;
	uint64_t t0, ms;
	int ret;

	if (lmonster_open(NULL, 0, &h)) {
		th_fail("lib-wait", "cannot open");
		return;
	}
	lmonster_stop(h);
	lmonster_for_each(h, on_record, &(struct tally){ 0 }, 0);
	t0 = th_now_ns();
	ret = lmonster_wait(h, 300);
	ms = (th_now_ns() - t0) / 1000000;
	th_check(ret == -ETIMEDOUT && ms >= 250, "lib-wait-timeout",
		 "stopped and drained: %d (%s) after %llu ms", ret, lmonster_strerror(ret),
		 (unsigned long long)ms);
	lmonster_start(h);
	t0 = th_now_ns();
	ret = lmonster_wait(h, 3000);
	ms = (th_now_ns() - t0) / 1000000;
	th_check(ret == 0 && ms < 2000, "lib-wait-wakes", "started: woken after %llu ms (%d)",
		 (unsigned long long)ms, ret);
	p.fd = lmonster_fd(h);
	p.events = POLLIN;
	p.revents = 0;
	ret = poll(&p, 1, 1000);
	th_check(ret == 1 && (p.revents & POLLIN), "lib-fd-pollin",
		 "lmonster_fd polls readable with records pending (poll %d, revents %#x)", ret,
		 p.revents);
	lmonster_stop(h);
	lmonster_close(h);
}

/* ---- a garbage tail ---- */

static void test_garbage_tail(void)
{
	struct lmonster *h = NULL;
	struct monster_stats st0, st1;
	struct vt_dev d;
	const unsigned int ring = 0;

	if (lmonster_open(NULL, 0, &h) || vt_open(&d)) {
		th_fail("lib-garbage-tail", "cannot open");
		lmonster_close(h);
		return;
	}
	if (vt_map(&d)) {
		th_fail("lib-garbage-tail", "cannot map");
		goto out;
	}
	lmonster_stop(h);
	lmonster_for_each(h, on_record, &(struct tally){ 0 }, 0);
	lmonster_close(h);
	h = NULL;
	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &h) || lmonster_stats(h, &st0)) {
		th_fail("lib-garbage-tail", "stats");
		goto out;
	}
	vt_write_tail(&d, ring, UINT64_MAX);	/* what a broken consumer writes */
	lmonster_start(h);
	vt_wait_sweeps(d.fd, 3, 3000, NULL, NULL, NULL);
	lmonster_stop(h);
	lmonster_stats(h, &st1);
	/* the kernel keeps the last tail it accepted (it may not have seen the drain) */
	th_check(st1.ring[ring].tail <= st1.ring[ring].head &&
		 st1.ring[ring].fill == st1.ring[ring].head - st1.ring[ring].tail &&
		 st1.ring[ring].fill <= st1.ring[ring].slots &&
		 st1.ring[ring].bad_tails > st0.ring[ring].bad_tails, "lib-garbage-tail-ignored",
		 "tail 2^64-1 ignored: tail in force %llu of head %llu, bad_tails %llu -> %llu",
		 (unsigned long long)st1.ring[ring].tail, (unsigned long long)st1.ring[ring].head,
		 (unsigned long long)st0.ring[ring].bad_tails,
		 (unsigned long long)st1.ring[ring].bad_tails);
	lmonster_close(h);
	h = NULL;
	if (lmonster_open(NULL, 0, &h) == 0 && lmonster_claim(h, 1U << ring) == 0) {
		uint64_t raw = __atomic_load_n(&d.tails[ring].tail, __ATOMIC_ACQUIRE);

		th_check(raw == st1.ring[ring].tail, "lib-garbage-tail-repaired",
			 "a new consumer resumes at the tail in force (%llu) and rewrites the garbage (now %llu)",
			 (unsigned long long)st1.ring[ring].tail, (unsigned long long)raw);
	} else {
		th_fail("lib-garbage-tail-repaired", "cannot claim");
	}
out:
	lmonster_close(h);
	vt_close(&d);
}

/* ---- errors ---- */

static int child_unprivileged_open(void *arg)
{
	struct lmonster *h;

	(void)arg;
	if (setgid(65534) || setuid(65534))
		return 2;
	return lmonster_open(NULL, 0, &h) == -EACCES ? 0 : 1;
}

/* Whether uid 65534 can reach the device node and /bin at all (initramfs root mode). */
static bool others_can_traverse(const char *name)
{
	struct stat st;

	if (stat("/", &st) == 0 && (st.st_mode & S_IXOTH))
		return true;
	th_skip(name, "/ is mode %o in the guest: an unprivileged user cannot reach anything, "
		"so a refusal would not test the device (mkinitramfs.sh: chmod 755 the root)",
		st.st_mode & 07777);
	return false;
}

static void test_errors(void)
{
	struct lmonster *h = NULL;
	int ret, status;

	ret = lmonster_open("/dev/monster-missing", 0, &h);
	th_check(ret == -ENOENT && strstr(lmonster_strerror(ret), "modprobe monster"),
		 "lib-enoent-message", "%s", lmonster_strerror(ret));
	ret = lmonster_open("/dev/null", 0, &h);
	th_check(ret == -ENODEV, "lib-not-monster", "/dev/null: %s", lmonster_strerror(ret));
	if (!others_can_traverse("lib-eacces-unprivileged"))
		return;
	status = vt_run_child(child_unprivileged_open, NULL);
	th_check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lib-eacces-unprivileged",
		 "uid 65534: -EACCES, \"%s\"", lmonster_strerror(-EACCES));
}

/* ---- monsterctl ---- */

static const char *ctl;
static char ctl_out[65536], ctl_err[4096];

/* Run monsterctl ARGS (NULL-terminated) as uid (or root if uid < 0): exit status or -1. */
static int run_ctl(int uid, const char *first, ...)
{
	const char *argv[24];
	va_list ap;
	int n = 0, status;
	pid_t pid;

	argv[n++] = ctl;
	argv[n++] = first;
	va_start(ap, first);
	while (n < 23 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int o = open("/tmp/ctl.out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int e = open("/tmp/ctl.err", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		if (uid >= 0 && (setgid((gid_t)uid) || setuid((uid_t)uid)))
			_exit(126);
		execv(ctl, (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (vt_read_file("/tmp/ctl.out", ctl_out, sizeof(ctl_out)) < 0)
		ctl_out[0] = 0;
	if (vt_read_file("/tmp/ctl.err", ctl_err, sizeof(ctl_err)) < 0)
		ctl_err[0] = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int count_lines(const char *s, const char *prefix)
{
	int n = 0;

	while (s && *s) {
		if (!strncmp(s, prefix, strlen(prefix)))
			n++;
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return n;
}

static int one_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return *s && (!nl || !nl[1]);
}

static bool ctl_fails(int rc, int want, const char *name, const char *needle)
{
	return th_check(rc == want && one_line(ctl_err) && strstr(ctl_err, needle) && !ctl_out[0],
			name, "exit %d (want %d), one line: %s", rc, want, ctl_err);
}

static uint32_t cur_rate(void)
{
	struct monster_config c = { 0 };
	struct lmonster *h;

	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &h) == 0) {
		lmonster_get_config(h, &c);
		lmonster_close(h);
	}
	return c.rate_hz;
}

/* A comm of quotes, a backslash, controls, DEL and invalid UTF-8, set with PR_SET_NAME. */
static const char odd_comm[] = "\"\\\n\t\x1b\x01\x7f\xc3(\xff\xe2\x82";

static int odd_comm_child(void *arg)
{
	char name[16] = "";

	(void)arg;
	/* the kernel keeps the bytes as given: a comm that differs later is monsterctl's doing */
	if (prctl(PR_GET_NAME, name) || strcmp(name, odd_comm))
		return 1;
	vt_child_ready();
	for (;;)
		pause();
	return 0;
}

/* A parsed JSON string back to bytes: each code point (U+0000..U+00FF) is one byte's value. */
static bool code_points_to_bytes(const char *utf8, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < size; i++, n++) {
		unsigned char c = (unsigned char)utf8[i];

		if (c >= 0x80 && ((c != 0xc2 && c != 0xc3) || i + 1 == len))
			return false;	/* not U+0080..U+00FF */
		out[n] = (char)(c < 0x80 ? c : (c & 0x03) << 6 | (utf8[++i] & 0x3f));
	}
	out[n] = 0;
	return i == len;
}

/* One line of monsterctl's JSON: strict, printable ASCII, the whole line one object; or NULL. */
static struct json_object *parse_json_line(const char *line, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] < 0x20 || line[i] >= 0x7f)
			return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o && (json_tokener_get_parse_end(tok) != len ||
		  !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* One line of dump --json: strict JSON, printable ASCII; the record's comm if its pid is pid. */
static bool check_json_line(const char *line, size_t len, pid_t pid, char *comm, size_t size)
{
	struct json_object *o = parse_json_line(line, len), *v;
	bool ok = o && json_object_object_get_ex(o, "pid", &v) &&
		  json_object_object_get_ex(o, "comm", NULL);

	if (ok && json_object_get_int64(v) == pid && json_object_object_get_ex(o, "comm", &v))
		ok = code_points_to_bytes(json_object_get_string(v),
					  (size_t)json_object_get_string_len(v), comm, size);
	json_object_put(o);
	return ok;
}

/* dump --json with a live process whose comm is odd bytes: a parser gets the bytes back. */
static void test_ctl_json_comm(void)
{
	char comm[sizeof(odd_comm)] = "", *line = NULL;
	unsigned int lines = 0, bad = 0;
	struct lmonster *c;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	pid_t pid;
	int rc;

	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &c)) {
		th_fail("ctl-dump-json-comm", "cannot open the device for control");
		return;
	}
	/* stopped while dumping: a dump without --count ends only when the rings are empty */
	lmonster_stop(c);
	run_ctl(-1, "dump", NULL);
	pid = vt_spawn(odd_comm, odd_comm_child, NULL, true);
	lmonster_start(c);
	th_sleep_ms(200);
	lmonster_stop(c);
	rc = run_ctl(-1, "dump", "--json", NULL);
	vt_kill(pid);
	lmonster_start(c);	/* running again, as the commands that follow expect */
	lmonster_close(c);
	f = fopen("/tmp/ctl.out", "r");
	while (f && (len = getline(&line, &cap, f)) > 0) {
		lines++;
		bad += !check_json_line(line, (size_t)len - (line[len - 1] == '\n'), pid, comm,
					sizeof(comm));
	}
	free(line);
	if (f)
		fclose(f);
	th_check(pid > 0 && rc == 0 && lines && !bad && !strcmp(comm, odd_comm),
		 "ctl-dump-json-comm", "pid %d%s, named with quotes, a backslash, controls and "
		 "invalid UTF-8: exit %d, %u lines, %u not strict printable-ASCII JSON, comm %s",
		 (int)pid, pid < 0 ? " (the kernel changed the name)" : "", rc, lines, bad,
		 strcmp(comm, odd_comm) ? "differs or missing" : "read back byte for byte");
}

/* ---- events through monsterctl ---- */

#define STORM_EXIT	3	/* the status the storm's short-lived children exit with */

/* Over and over: fork and exec monsterctl --version, fork a child that exits with STORM_EXIT. */
static int event_storm_child(void *arg)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid_t p;

	(void)arg;
	vt_child_ready();
	for (;;) {
		p = fork();
		if (p == 0) {
			if (null >= 0)
				dup2(null, STDOUT_FILENO);
			execl(ctl, ctl, "--version", (char *)NULL);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
		p = fork();
		if (p == 0)
			_exit(STORM_EXIT);
		if (p > 0)
			waitpid(p, NULL, 0);
		th_sleep_ms(20);
	}
	return 0;
}

/* Page faults, over and over: fresh anonymous pages touched and dropped. */
static int fault_child(void *arg)
{
	const size_t pages = 32, page = (size_t)sysconf(_SC_PAGESIZE);
	size_t i;

	(void)arg;
	vt_child_ready();
	for (;;) {
		char *m = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m != MAP_FAILED) {
			for (i = 0; i < pages; i++)
				m[i * page] = 1;
			munmap(m, pages * page);
		}
		th_sleep_ms(5);
	}
	return 0;
}

static bool json_has(struct json_object *o, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!json_object_object_get_ex(o, keys[i], NULL))
			return false;
	return true;
}

static const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

static int64_t json_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : INT64_MIN;
}

/* What the lines of events --json held, and the first thing wrong with them. */
struct event_lines {
	unsigned int lines, bad, kinds_seen;	/* kinds_seen: MONSTER_EVENT() bits */
	bool exec_of_ctl, exit_of_storm, fork_by_storm;
	bool all_of_tgid, hex_addresses;
	char first_bad[200];
};

static const char *const head_keys[] = { "ring", "prime", "seq", "kind", "timestamp_ns", "pid",
					 "tgid", "cpu", "flags", "shard", "hecke", "comm" };
static const char *const fork_keys[] = { "parent_pid", "parent_tgid", "child_start_ns",
					 "parent_start_ns", "thread" };
static const char *const exec_keys[] = { "old_pid", "filename" };
static const char *const exit_keys[] = { "exit_code", "signal", "utime_ns", "stime_ns",
					 "runtime_ns", "min_flt", "maj_flt", "nvcsw", "nivcsw",
					 "peak_rss_bytes", "start_time_ns", "thread", "group_exit" };
static const char *const fault_keys[] = { "address", "ip", "error_code", "user", "hidden" };

/* One line of events --json: the header, the kind's fields, what it says about storm. */
static void check_event(struct json_object *o, pid_t storm, struct event_lines *el)
{
	const char *kind = json_str(o, "kind"), *base = strrchr(ctl, '/');
	bool ok = json_has(o, head_keys, TH_ARRAY_SIZE(head_keys));

	base = base ? base + 1 : ctl;
	if (ok && !strcmp(kind, "fork")) {
		ok = json_has(o, fork_keys, TH_ARRAY_SIZE(fork_keys));
		el->fork_by_storm |= json_int(o, "parent_tgid") == storm;
		el->kinds_seen |= MONSTER_EVENT(MONSTER_KIND_FORK);
	} else if (ok && !strcmp(kind, "exec")) {
		ok = json_has(o, exec_keys, TH_ARRAY_SIZE(exec_keys));
		/* the comm after the exec: the file's base name */
		el->exec_of_ctl |= !strcmp(json_str(o, "filename"), ctl) &&
				   !strncmp(json_str(o, "comm"), base, 15);
		el->kinds_seen |= MONSTER_EVENT(MONSTER_KIND_EXEC);
	} else if (ok && !strcmp(kind, "exit")) {
		ok = json_has(o, exit_keys, TH_ARRAY_SIZE(exit_keys)) &&
		     json_int(o, "exit_code") >= -1 && json_int(o, "exit_code") <= 255;
		el->exit_of_storm |= json_int(o, "exit_code") == STORM_EXIT &&
				     json_int(o, "signal") == 0 &&
				     !strcmp(json_str(o, "comm"), "monster-storm");
		el->kinds_seen |= MONSTER_EVENT(MONSTER_KIND_EXIT);
	} else if (ok && !strcmp(kind, "fault")) {
		ok = json_has(o, fault_keys, TH_ARRAY_SIZE(fault_keys));
		el->all_of_tgid &= json_int(o, "tgid") == storm;
		el->hex_addresses &= !strncmp(json_str(o, "address"), "0x", 2) &&
				     !strncmp(json_str(o, "ip"), "0x", 2);
		el->kinds_seen |= MONSTER_EVENT(MONSTER_KIND_FAULT);
	} else {
		ok = false;
	}
	if (!ok && !el->bad++)
		snprintf(el->first_bad, sizeof(el->first_bad), "%s",
			 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* Read /tmp/ctl.out, monsterctl events --json's lines. */
static void read_event_lines(pid_t storm, struct event_lines *el)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen("/tmp/ctl.out", "r");

	memset(el, 0, sizeof(*el));
	el->all_of_tgid = el->hex_addresses = true;
	while (f && (len = getline(&line, &cap, f)) > 0) {
		struct json_object *o = parse_json_line(line, (size_t)len - (line[len - 1] == '\n'));

		el->lines++;
		if (o)
			check_event(o, storm, el);
		else if (!el->bad++)
			snprintf(el->first_bad, sizeof(el->first_bad), "not one strict printable-"
				 "ASCII JSON object: %.150s", line);
		json_object_put(o);
	}
	free(line);
	if (f)
		fclose(f);
}

static void test_ctl_events(void)
{
	struct monster_kind_stats ks;
	struct event_lines el;
	struct lmonster *c = NULL;
	char arg[32], want[96];
	pid_t storm;
	int rc, ret;

	vt_watchdog(150);
	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &c)) {
		th_fail("ctl-events", "cannot open the device for control");
		return;
	}
	rc = run_ctl(-1, "set", "events=fork,exec,exit", NULL);
	th_check(rc == 0 && strstr(ctl_out, "monster: Events: fork,exec,exit\n"), "ctl-set-events",
		 "exit %d: %s%s", rc, ctl_out, ctl_err);
	lmonster_start(c);	/* events are recorded while the sampler runs */
	ret = lmonster_kind_stats(c, &ks);
	th_check(ret == 0 && ks.events == (MONSTER_EVENT(MONSTER_KIND_FORK) |
		 MONSTER_EVENT(MONSTER_KIND_EXEC) | MONSTER_EVENT(MONSTER_KIND_EXIT)),
		 "lib-kind-stats-events", "running: kind_stats %d (%s), recording %#x of %#x "
		 "available", ret, lmonster_strerror(ret), ks.events, ks.events_available);
	storm = vt_spawn("monster-storm", event_storm_child, NULL, true);
	rc = run_ctl(-1, "events", "--count", "150", "--seconds", "60", "--json", NULL);
	read_event_lines(storm, &el);
	th_check(storm > 0 && rc == 0 && el.lines == 150 && !el.bad && !ctl_err[0],
		 "ctl-events-json", "exit %d, %u lines, %u wrong%s%s%s", rc, el.lines, el.bad,
		 el.bad ? ": " : "", el.first_bad, ctl_err);
	th_check(el.exec_of_ctl && el.exit_of_storm && el.fork_by_storm, "ctl-events-storm",
		 "of a child's storm: a fork by it %s, an exec of %s with that comm %s, an exit "
		 "with status %d %s", el.fork_by_storm ? "seen" : "missing", ctl,
		 el.exec_of_ctl ? "seen" : "missing", STORM_EXIT,
		 el.exit_of_storm ? "seen" : "missing");
	rc = run_ctl(-1, "events", "--kind", "exit", "--pid", "1", "--seconds", "0.5", NULL);
	th_check(rc == 0 && count_lines(ctl_out, "RING PRIME") == 1 && one_line(ctl_out),
		 "ctl-events-pid-filter", "exit %d: init does not exit: the header only (%s%s)", rc,
		 ctl_out, ctl_err);
	vt_kill(storm);
	rc = run_ctl(-1, "status", NULL);
	th_check(rc == 0 && strstr(ctl_out, "\nEvents: fork,exec,exit\n") &&
		 strstr(ctl_out, "\nEvents this kernel can record: ") &&
		 strstr(ctl_out, "\nKind sample: ") && !strstr(ctl_out, "\nKind fork: 0 records") &&
		 strstr(ctl_out, "\nKind fork: ") && !strstr(ctl_out, "\nKind exec: 0 records") &&
		 strstr(ctl_out, "\nKind exec: ") && !strstr(ctl_out, "\nKind exit: 0 records") &&
		 strstr(ctl_out, "\nKind exit: ") && strstr(ctl_out, "\nKind reclaim: 0 records"),
		 "ctl-status-kinds", "exit %d: %.600s", rc, ctl_out);

	/* faults of one process, one in two */
	storm = vt_spawn("monster-faults", fault_child, NULL, true);
	snprintf(arg, sizeof(arg), "fault_tgid=%d", (int)storm);
	rc = run_ctl(-1, "set", "events=fault", arg, "fault_every=2", NULL);
	snprintf(want, sizeof(want), "Events: fault; faults of process %d, one in 2\n",
		 (int)storm);
	th_check(storm > 0 && rc == 0 && strstr(ctl_out, want), "ctl-set-fault-filter",
		 "exit %d: %s%s", rc, ctl_out, ctl_err);
	rc = run_ctl(-1, "events", "--kind", "fault", "--count", "20", "--seconds", "60",
		     "--json", NULL);
	read_event_lines(storm, &el);
	th_check(rc == 0 && el.lines == 20 && !el.bad && el.all_of_tgid && el.hex_addresses &&
		 el.kinds_seen == MONSTER_EVENT(MONSTER_KIND_FAULT), "ctl-events-faults",
		 "exit %d, %u lines, %u wrong%s%s; all of tgid %d: %s, addresses in hex: %s", rc,
		 el.lines, el.bad, el.bad ? ": " : "", el.first_bad, (int)storm,
		 el.all_of_tgid ? "yes" : "no", el.hex_addresses ? "yes" : "no");
	vt_kill(storm);
	ret = lmonster_kind_stats(c, &ks);
	rc = run_ctl(-1, "status", NULL);
	snprintf(want, sizeof(want), "\nFaults: %llu seen, ", (unsigned long long)ks.faults_seen);
	th_check(ret == 0 && ks.faults_filtered > 0 && ks.faults_filtered < ks.faults_seen &&
		 rc == 0 && strstr(ctl_out, "\nFaults: ") && strstr(ctl_out, "filtered out\n"),
		 "ctl-status-faults", "kind_stats: %llu faults seen, %llu filtered out; status "
		 "exit %d", (unsigned long long)ks.faults_seen,
		 (unsigned long long)ks.faults_filtered, rc);
	lmonster_stop(c);
	rc = run_ctl(-1, "set", "events=none", "fault_tgid=0", "fault_every=0", NULL);
	ret = lmonster_kind_stats(c, &ks);
	th_check(rc == 0 && !strstr(ctl_out, "Events:") && ret == 0 && ks.events == 0,
		 "ctl-set-events-none", "exit %d (%s%s), recording %#x", rc, ctl_out, ctl_err,
		 ks.events);
	lmonster_close(c);
}

static void test_monsterctl(void)
{
	static const char *const where[] = { "/bin/monsterctl", "/usr/bin/monsterctl",
					     "/tests/monsterctl" };
	struct lmonster *h = NULL;
	char slots[16];
	size_t i;
	int rc, err;

	ctl = getenv("MONSTERCTL");
	for (i = 0; !ctl && i < TH_ARRAY_SIZE(where); i++)
		if (access(where[i], X_OK) == 0)
			ctl = where[i];
	if (!ctl) {
		th_fail("ctl", "monsterctl is not in the guest (run-vm.sh --add build/tools/monsterctl.static:/bin/monsterctl)");
		return;
	}
	rc = run_ctl(-1, "--version", NULL);
	th_check(rc == 0 && strstr(ctl_out, "monster ABI"), "ctl-version", "%s", ctl_out);
	rc = run_ctl(-1, "info", NULL);
	th_check(rc == 0 && strstr(ctl_out, "monster device") && strstr(ctl_out, "primes"),
		 "ctl-info", "exit %d", rc);
	rc = run_ctl(-1, "start", "--rate", "100", NULL);
	th_check(rc == 0 && strstr(ctl_out, "sampling at 100 Hz"), "ctl-start", "exit %d: %s", rc,
		 ctl_out);
	rc = run_ctl(-1, "start", NULL);
	ctl_fails(rc, 1, "ctl-start-running", "already running");
	rc = run_ctl(-1, "start", "--rate", "0", NULL);
	ctl_fails(rc, 2, "ctl-start-bad-rate", "rate must be 1..10000");
	th_check(cur_rate() == 100, "ctl-bad-rate-changed-nothing", "rate still %u", cur_rate());
	th_sleep_ms(300);
	rc = run_ctl(-1, "status", NULL);
	th_check(rc == 0 && count_lines(ctl_out, "Prime ") == 15 &&
		 strstr(ctl_out, "Sampler: running at 100 Hz"), "ctl-status",
		 "exit %d, %d ring lines", rc, count_lines(ctl_out, "Prime "));
	rc = run_ctl(-1, "stats", "--json", NULL);
	th_check(rc == 0 && strstr(ctl_out, "\"running\":true") && strstr(ctl_out, "\"rings\":[{"),
		 "ctl-stats-json", "exit %d", rc);
	rc = run_ctl(-1, "stats", NULL);
	th_check(rc == 0 && strstr(ctl_out, "bad_tails"), "ctl-stats", "exit %d", rc);
	rc = run_ctl(-1, "dump", "--count", "5", NULL);
	th_check(rc == 0 && strstr(ctl_out, "(5 records)"), "ctl-dump", "exit %d: %s", rc, ctl_err);
	rc = run_ctl(-1, "dump", "--json", "--count", "3", NULL);
	th_check(rc == 0 && count_lines(ctl_out, "{\"ring\":") == 3, "ctl-dump-json",
		 "exit %d, %d JSON lines", rc, count_lines(ctl_out, "{\"ring\":"));
	test_ctl_json_comm();
	if (lmonster_open(NULL, 0, &h) == 0 && lmonster_claim(h, 1U << 3) == 0) {
		rc = run_ctl(-1, "dump", "--ring", "3", NULL);
		ctl_fails(rc, 1, "ctl-dump-busy-ring", "being consumed by another program");
	}
	lmonster_close(h);
	h = NULL;
	rc = run_ctl(-1, "set", "rate=50", NULL);
	th_check(rc == 0 && cur_rate() == 50, "ctl-set-rate", "exit %d, rate %u", rc, cur_rate());
	rc = run_ctl(-1, "set", "slots=128", NULL);
	ctl_fails(rc, 1, "ctl-set-slots-running", "only while the sampler is stopped");
	rc = run_ctl(-1, "set", "bogus=1", NULL);
	ctl_fails(rc, 2, "ctl-set-bad-key", "unknown key 'bogus'");
	rc = run_ctl(-1, "watch", "--iterations", "2", "--interval", "0.2", NULL);
	th_check(rc == 0 && count_lines(ctl_out, "=== Monster") == 2, "ctl-watch", "exit %d", rc);
	rc = run_ctl(-1, "stop", NULL);
	th_check(rc == 0, "ctl-stop", "exit %d", rc);
	rc = run_ctl(-1, "stop", NULL);
	th_check(rc == 0, "ctl-stop-stopped", "exit %d", rc);
	rc = run_ctl(-1, "set", "changed_only=1", "keyframe=5", "sweep_threads=2", NULL);
	th_check(rc == 0 && strstr(ctl_out, "changed tasks only, every task every 5 sweeps; "
				   "threads 2"), "ctl-set-sweep-mode", "exit %d: %s%s", rc, ctl_out,
		 ctl_err);
	rc = run_ctl(-1, "stats", "--json", NULL);
	th_check(rc == 0 && strstr(ctl_out, "\"changed_only\":true") &&
		 strstr(ctl_out, "\"keyframe\":5") && strstr(ctl_out, "\"sweep_threads\":2"),
		 "ctl-stats-sweep-mode", "exit %d: %.200s", rc, ctl_out);
	rc = run_ctl(-1, "set", "keyframe=100001", NULL);
	ctl_fails(rc, 2, "ctl-set-bad-keyframe", "keyframe must be 0");
	rc = run_ctl(-1, "set", "changed_only=0", "keyframe=0", "sweep_threads=0", NULL);
	th_check(rc == 0 && !strstr(ctl_out, "Sweeps:"), "ctl-set-sweep-mode-off", "exit %d: %s%s",
		 rc, ctl_out, ctl_err);
	rc = run_ctl(-1, "set", "slots=128", "scope=thread", NULL);
	th_check(rc == 0 && strstr(ctl_out, "128 slots per ring") && strstr(ctl_out, "scope thread"),
		 "ctl-set-slots-scope", "exit %d: %s%s", rc, ctl_out, ctl_err);
	snprintf(slots, sizeof(slots), "slots=%u", orig.ring_slots);
	rc = run_ctl(-1, "set", slots, orig.scope ? "scope=thread" : "scope=process", NULL);
	th_check(rc == 0, "ctl-set-restore", "exit %d: %s", rc, ctl_err);
	rc = run_ctl(-1, "reset", NULL);
	th_check(rc == 0, "ctl-reset", "exit %d", rc);
	test_ctl_events();
	if (others_can_traverse("ctl-unprivileged")) {
		rc = run_ctl(65534, "status", NULL);
		ctl_fails(rc, 1, "ctl-unprivileged", "permission denied");
	}
	/* the module gone: the message says what to do */
	err = vt_module_unload(O_NONBLOCK);
	if (!err) {
		rc = run_ctl(-1, "status", NULL);
		ctl_fails(rc, 1, "ctl-module-not-loaded", "is the monster module loaded? (modprobe monster)");
		rc = vt_module_reload();
		th_check(rc == 0, "ctl-module-reloaded", "%s", rc ? strerror(rc) : "monster.ko back");
		for (i = 0; i < 100 && access(MONSTER_DEVICE_PATH, F_OK); i++)
			th_sleep_ms(20);
	} else {
		th_skip("ctl-module-not-loaded", "rmmod refused: %s", strerror(err));
	}
}

/* The pkg-config-linked example program, consuming live samples. */
static void test_example_consumer(void)
{
	const char *ex = getenv("LMONSTER_EXAMPLE");
	struct lmonster *c;
	int rc;

	if (!ex)
		ex = "/bin/example_consumer";
	if (access(ex, X_OK)) {
		th_fail("lib-example-consumer", "%s is not in the guest (run-vm.sh --add build/unit/example_consumer.static:/bin/example_consumer)", ex);
		return;
	}
	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &c) == 0) {
		lmonster_set_rate(c, 100);
		lmonster_start(c);
		lmonster_close(c);
	}
	ctl = ex;
	rc = run_ctl(-1, "", "200", "5000", NULL);	/* "": the default device */
	th_check(rc == 0 && strstr(ctl_out, " 0 with a wrong"), "lib-example-consumer",
		 "exit %d: %s%s", rc, ctl_out, ctl_err);
	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &c) == 0) {
		lmonster_stop(c);
		lmonster_close(c);
	}
	ctl = NULL;
}

int main(void)
{
	struct lmonster *c;

	vt_begin("t_85_lmonster");
	if (lmonster_open(NULL, LMONSTER_OPEN_CONTROL, &c) || lmonster_get_config(c, &orig))
		vt_bail("lib-setup", "cannot read the configuration");
	lmonster_stop(c);
	lmonster_close(c);
	test_open();
	test_control();
	test_consume();
	test_claims();
	test_wait();
	test_garbage_tail();
	test_errors();
	test_example_consumer();
	test_monsterctl();
	return vt_end();
}
