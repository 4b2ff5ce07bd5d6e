// SPDX-License-Identifier: GPL-2.0
/*
 * t_40_ioctl - every ioctl with bad input (unknown command, out-of-range or
 * reserved fields, bad pointers, reconfiguring what is in use), START/STOP
 * idempotence, GET_STATS figures against the clock, and RESET.
 */
#include "vmtest.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

static long page;
static struct vt_dev d;

static bool cfg_eq(const struct monster_config *a, const struct monster_config *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static const char *cfg_str(const struct monster_config *c, char *buf, size_t len)
{
	snprintf(buf, len, "{rate %u scope %u slots %u node %d flags %u pad %u}", c->rate_hz, c->scope,
		 c->ring_slots, c->numa_node, c->flags, c->__pad);
	return buf;
}

static const char *err_str(int e)
{
	return e ? strerror(e) : "success";
}

/* ---- unknown commands ------------------------------------------------------------------ */

static void check_unknown(void)
{
	struct {
		const char *what;
		unsigned long cmd;
	} cases[] = {
		{ "wrong magic", _IO('x', 0x01) },
		{ "wrong magic, GET_INFO's shape", _IOR('x', 0x00, struct monster_info) },
		{ "unknown nr 0x7f", _IO(MONSTER_IOC_MAGIC, 0x7f) },
		{ "unknown nr 0x07", _IOR(MONSTER_IOC_MAGIC, 0x07, struct monster_stats) },
		{ "GET_INFO nr, wrong size", _IOR(MONSTER_IOC_MAGIC, 0x00, char[100]) },
		{ "GET_INFO nr, no size", _IO(MONSTER_IOC_MAGIC, 0x00) },
		{ "GET_STATS nr, wrong direction", _IOW(MONSTER_IOC_MAGIC, 0x05, struct monster_stats) },
		{ "GET_CONFIG nr, read-write", _IOWR(MONSTER_IOC_MAGIC, 0x03, struct monster_config) },
		{ "START nr with a size", _IOW(MONSTER_IOC_MAGIC, 0x01, int) },
		{ "SET_CONFIG nr, old size", _IOW(MONSTER_IOC_MAGIC, 0x04, char[40]) },
		{ "command 0", 0 },
		{ "TCGETS", TCGETS },
	};
	static unsigned char buf[8192];
	struct monster_stats st;
	char bad[512] = "";
	size_t off = 0, i;
	int nbad = 0;

	for (i = 0; i < TH_ARRAY_SIZE(cases); i++) {
		int e = vt_ioctl(d.fd, cases[i].cmd, buf);

		if (e != ENOTTY) {
			nbad++;
			off += (size_t)snprintf(bad + off, sizeof(bad) - off, "%s%s (%#lx): %s",
						off ? "; " : "", cases[i].what, cases[i].cmd,
						err_str(e));
			if (off >= sizeof(bad))
				off = sizeof(bad) - 1;
		}
	}
	vt_get_stats(d.fd, &st);
	th_check(nbad == 0 && !st.running, "ioctl-unknown-enotty",
		 "%zu unknown commands, %d not answered ENOTTY%s%s; sampler running after: %u",
		 TH_ARRAY_SIZE(cases), nbad, nbad ? ": " : "", bad, st.running);
}

/* ---- SET_CONFIG validation --------------------------------------------------------------- */

enum field { F_RATE, F_SCOPE, F_SLOTS, F_NODE, F_FLAGS, F_PAD, F_KEYFRAME, F_THREADS, F_EVENTS, F_PAD2 };

static void einval_case(const struct monster_config *base, const char *name, enum field f,
			uint64_t v, const char *what)
{
	struct monster_config c = *base, after;
	char b1[128], b2[128];
	int e;

	switch (f) {
	case F_RATE: c.rate_hz = (uint32_t)v; break;
	case F_SCOPE: c.scope = (uint32_t)v; break;
	case F_SLOTS: c.ring_slots = (uint32_t)v; break;
	case F_NODE: c.numa_node = (int32_t)v; break;
	case F_FLAGS: c.flags = (uint32_t)v; break;
	case F_PAD: c.__pad = (uint32_t)v; break;
	case F_KEYFRAME: c.keyframe = (uint32_t)v; break;
	case F_THREADS: c.sweep_threads = (uint32_t)v; break;
	case F_EVENTS: c.events = (uint32_t)v; break;
	case F_PAD2: c.__pad2 = (uint32_t)v; break;
	}
	e = vt_set_config(d.fd, &c);
	vt_get_config(d.fd, &after);
	th_check(e == EINVAL && cfg_eq(&after, base), name, "SET_CONFIG with %s: %s (want EINVAL); config after %s (before %s)",
		 what, err_str(e), cfg_str(&after, b1, sizeof(b1)), cfg_str(base, b2, sizeof(b2)));
	if (!cfg_eq(&after, base))
		vt_set_config(d.fd, base);
}

static int offline_node(void)
{
	char path[64];
	int n;

	for (n = 1; n < 64; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK) != 0)
			return n;
	}
	return 9999;
}

static void check_einval(void)
{
	struct monster_config base, c, after;
	char b1[128];
	int e;

	vt_get_config(d.fd, &base);
	einval_case(&base, "ioctl-einval-rate-0", F_RATE, 0, "rate_hz 0");
	einval_case(&base, "ioctl-einval-rate-10001", F_RATE, 10001, "rate_hz 10001");
	einval_case(&base, "ioctl-einval-rate-max-u32", F_RATE, 0xffffffffULL, "rate_hz 0xffffffff");
	einval_case(&base, "ioctl-einval-scope-2", F_SCOPE, 2, "scope 2");
	einval_case(&base, "ioctl-einval-scope-max-u32", F_SCOPE, 0xffffffffULL, "scope 0xffffffff");
	einval_case(&base, "ioctl-einval-slots-not-pow2", F_SLOTS, 100, "ring_slots 100");
	einval_case(&base, "ioctl-einval-slots-pow2-plus-1", F_SLOTS, 65, "ring_slots 65");
	einval_case(&base, "ioctl-einval-slots-below-min", F_SLOTS, MONSTER_SLOTS_MIN / 2,
		    "ring_slots MONSTER_SLOTS_MIN/2");
	einval_case(&base, "ioctl-einval-slots-above-max", F_SLOTS, (uint64_t)MONSTER_SLOTS_MAX * 2,
		    "ring_slots MONSTER_SLOTS_MAX*2");
	einval_case(&base, "ioctl-einval-slots-0", F_SLOTS, 0, "ring_slots 0");
	einval_case(&base, "ioctl-einval-slots-2-pow-31", F_SLOTS, 0x80000000ULL, "ring_slots 2^31");
	einval_case(&base, "ioctl-einval-node-9999", F_NODE, 9999, "numa_node 9999");
	einval_case(&base, "ioctl-einval-node-minus-2", F_NODE, (uint64_t)(int64_t)-2, "numa_node -2");
	{
		char what[64];
		int n = offline_node();

		snprintf(what, sizeof(what), "numa_node %d (offline)", n);
		einval_case(&base, "ioctl-einval-node-offline", F_NODE, (uint64_t)n, what);
	}
	einval_case(&base, "ioctl-einval-flags-unknown", F_FLAGS, MONSTER_CF_ALL + 1,
		    "flags: the first undefined bit");
	einval_case(&base, "ioctl-einval-flags-top-bit", F_FLAGS, 0x80000000ULL, "flags 0x80000000");
	einval_case(&base, "ioctl-einval-pad", F_PAD, 1, "__pad 1");
	einval_case(&base, "ioctl-einval-keyframe-above-max", F_KEYFRAME, MONSTER_KEYFRAME_MAX + 1,
		    "keyframe MONSTER_KEYFRAME_MAX+1");
	einval_case(&base, "ioctl-einval-threads-above-max", F_THREADS,
		    MONSTER_SWEEP_THREADS_MAX + 1, "sweep_threads MONSTER_SWEEP_THREADS_MAX+1");
	einval_case(&base, "ioctl-einval-pad2", F_PAD2, 1, "__pad2 1");
	einval_case(&base, "ioctl-einval-events-sample", F_EVENTS, MONSTER_EVENT(MONSTER_KIND_SAMPLE),
		    "events: the sample bit");
	einval_case(&base, "ioctl-einval-events-unknown", F_EVENTS, 1ULL << 31,
		    "events: an undefined kind");

	/* nothing of an invalid SET applies, not even its valid fields */
	c = base;
	c.rate_hz = base.rate_hz == 50 ? 51 : 50;
	c.scope = MONSTER_SCOPE_THREAD + 1;
	e = vt_set_config(d.fd, &c);
	vt_get_config(d.fd, &after);
	th_check(e == EINVAL && cfg_eq(&after, &base), "ioctl-einval-no-partial-apply",
		 "SET_CONFIG with a valid new rate %u and scope 3: %s; config after %s", c.rate_hz,
		 err_str(e), cfg_str(&after, b1, sizeof(b1)));
	c = base;
	c.rate_hz = 50;
	c.ring_slots = 96;
	e = vt_set_config(d.fd, &c);
	vt_get_config(d.fd, &after);
	th_check(e == EINVAL && cfg_eq(&after, &base), "ioctl-einval-no-partial-apply-slots",
		 "SET_CONFIG rate 50 with ring_slots 96: %s; config after %s", err_str(e),
		 cfg_str(&after, b1, sizeof(b1)));
	vt_set_config(d.fd, &base);
}

static void check_valid_bounds(void)
{
	struct monster_config base, c, after;
	struct monster_info info;
	char b1[128];
	int e1, e2, e3, e4, e5;
	bool ok1, ok2, ok3, ok4, ok5;

	vt_get_config(d.fd, &base);
	c = base;
	c.rate_hz = MONSTER_RATE_MIN;
	e1 = vt_set_config(d.fd, &c);
	vt_get_config(d.fd, &after);
	ok1 = !e1 && after.rate_hz == MONSTER_RATE_MIN;
	c.rate_hz = MONSTER_RATE_MAX;
	e2 = vt_set_config(d.fd, &c);
	vt_get_config(d.fd, &after);
	ok2 = !e2 && after.rate_hz == MONSTER_RATE_MAX;
	c.rate_hz = base.rate_hz;
	c.scope = base.scope == MONSTER_SCOPE_THREAD ? MONSTER_SCOPE_PROCESS : MONSTER_SCOPE_THREAD;
	e3 = vt_set_config(d.fd, &c);
	vt_get_config(d.fd, &after);
	ok3 = !e3 && after.scope == c.scope;
	vt_set_config(d.fd, &base);
	th_check(ok1 && ok2 && ok3, "ioctl-valid-rate-scope",
		 "rate %d: %s, rate %d: %s, scope %u: %s (each read back by GET_CONFIG: %d %d %d)",
		 MONSTER_RATE_MIN, err_str(e1), MONSTER_RATE_MAX, err_str(e2), c.scope, err_str(e3),
		 ok1, ok2, ok3);

	/* re-allocation: we are the only opener, nothing mapped, stopped */
	c = base;
	c.ring_slots = MONSTER_SLOTS_MIN;
	e4 = vt_set_config(d.fd, &c);
	memset(&info, 0, sizeof(info));
	vt_ioctl(d.fd, MONSTER_IOC_GET_INFO, &info);
	vt_get_config(d.fd, &after);
	ok4 = !e4 && after.ring_slots == MONSTER_SLOTS_MIN && info.ring_slots == MONSTER_SLOTS_MIN;
	c = base;
	c.numa_node = 0;
	e5 = vt_set_config(d.fd, &c);
	memset(&info, 0, sizeof(info));
	vt_ioctl(d.fd, MONSTER_IOC_GET_INFO, &info);
	vt_get_config(d.fd, &after);
	ok5 = !e5 && after.numa_node == 0 && info.numa_node == 0 &&
	      after.ring_slots == base.ring_slots;
	e1 = vt_set_config(d.fd, &base);
	vt_get_config(d.fd, &after);
	th_check(ok4 && ok5 && !e1 && cfg_eq(&after, &base), "ioctl-valid-resize",
		 "ring_slots %d: %s (%d); numa_node 0: %s (info node %d, %d); back to %s: %s",
		 MONSTER_SLOTS_MIN, err_str(e4), ok4, err_str(e5), info.numa_node, ok5,
		 cfg_str(&base, b1, sizeof(b1)), err_str(e1));
}

/* ---- bad pointers ------------------------------------------------------------------------ */

static void check_efault(void)
{
	unsigned char *two, *ro;
	struct monster_config base, after;
	void *gone;
	int e[6];
	size_t i;
	struct {
		const char *name;
		unsigned long cmd;
		size_t size;
		bool writes;	/* kernel writes to user memory */
	} ioc[] = {
		{ "ioctl-efault-get-info", MONSTER_IOC_GET_INFO, sizeof(struct monster_info), true },
		{ "ioctl-efault-get-config", MONSTER_IOC_GET_CONFIG, sizeof(struct monster_config), true },
		{ "ioctl-efault-get-stats", MONSTER_IOC_GET_STATS, sizeof(struct monster_stats), true },
		{ "ioctl-efault-set-config", MONSTER_IOC_SET_CONFIG, sizeof(struct monster_config), false },
	};

	vt_get_config(d.fd, &base);
	/* two pages, the second unmapped: a struct straddling into it */
	two = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 2 * (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (two == MAP_FAILED || gone == MAP_FAILED || ro == MAP_FAILED)
		vt_bail("ioctl-efault-setup", "mmap: %s", strerror(errno));
	munmap(two + page, (size_t)page);
	munmap(gone, (size_t)page);
	/* a SET_CONFIG source that straddles must hold a config that would be valid */
	memcpy(two + page - 8, &base, 8);

	for (i = 0; i < TH_ARRAY_SIZE(ioc); i++) {
		e[0] = vt_ioctl(d.fd, ioc[i].cmd, NULL);
		e[1] = vt_ioctl(d.fd, ioc[i].cmd, (void *)1);
		e[2] = vt_ioctl(d.fd, ioc[i].cmd, gone);
		e[3] = vt_ioctl(d.fd, ioc[i].cmd, two + page - 8);
		e[4] = vt_ioctl(d.fd, ioc[i].cmd, (void *)0xffffffff81000000UL);
		e[5] = ioc[i].writes ? vt_ioctl(d.fd, ioc[i].cmd, ro) : EFAULT;
		th_check(e[0] == EFAULT && e[1] == EFAULT && e[2] == EFAULT && e[3] == EFAULT &&
			 e[4] == EFAULT && e[5] == EFAULT, ioc[i].name,
			 "NULL: %s; (void *)1: %s; unmapped page: %s; %zu-byte struct 8 bytes before an unmapped page: %s; kernel address: %s; read-only page: %s",
			 err_str(e[0]), err_str(e[1]), err_str(e[2]), ioc[i].size, err_str(e[3]),
			 err_str(e[4]), ioc[i].writes ? err_str(e[5]) : "n/a");
	}
	vt_get_config(d.fd, &after);
	th_check(cfg_eq(&after, &base), "ioctl-efault-no-side-effect",
		 "config unchanged after the faulting SET_CONFIGs: %d", cfg_eq(&after, &base));
	munmap(two, (size_t)page);
	munmap(ro, 2 * (size_t)page);
}

/* ---- EBUSY ------------------------------------------------------------------------------- */

static int resize_to(int fd, uint32_t slots, int node)
{
	const struct monster_config want = { .ring_slots = slots, .numa_node = node };

	return vt_change_config(fd, VT_CFG_SLOTS | VT_CFG_NODE, &want);
}

static int hold_main(void *arg)
{
	(void)arg;
	vt_child_ready();
	for (;;)
		pause();
	return 0;
}

static void check_ebusy(void)
{
	struct monster_config base, c, after;
	struct monster_stats st;
	uint32_t other;
	int fd2, e1, e2, e3;
	void *p;

	vt_get_config(d.fd, &base);
	other = base.ring_slots == 128 ? 256 : 128;

	/* another file open */
	fd2 = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	e1 = resize_to(d.fd, other, base.numa_node);
	e2 = resize_to(d.fd, base.ring_slots, base.numa_node == 0 ? -1 : 0);
	e3 = resize_to(fd2, other, base.numa_node);
	vt_get_config(d.fd, &after);
	th_check(fd2 >= 0 && e1 == EBUSY && e2 == EBUSY && e3 == EBUSY && cfg_eq(&after, &base),
		 "ioctl-ebusy-second-open",
		 "two files open: ring_slots %u: %s, numa_node change: %s, from the other file: %s; config unchanged %d",
		 other, err_str(e1), err_str(e2), err_str(e3), cfg_eq(&after, &base));
	if (fd2 >= 0)
		close(fd2);

	/* mapped */
	p = mmap(NULL, d.info.headers_size, PROT_READ, MAP_SHARED, d.fd, (off_t)d.info.headers_offset);
	e1 = resize_to(d.fd, other, base.numa_node);
	th_check(p != MAP_FAILED && e1 == EBUSY, "ioctl-ebusy-mapped",
		 "headers mapped: ring_slots %u: %s", other, err_str(e1));

	/* the mapping outlives its file */
	if (p != MAP_FAILED) {
		int fd3;

		vt_close(&d);
		fd3 = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		e1 = resize_to(fd3, other, base.numa_node);
		th_check(fd3 >= 0 && e1 == EBUSY, "ioctl-ebusy-mapping-outlives-fd",
			 "mapped, file closed, a new file: ring_slots %u: %s", other, err_str(e1));
		munmap(p, d.info.headers_size);
		if (fd3 >= 0)
			close(fd3);
		vt_open_or_bail(&d, "ioctl-reopen");
	}

	/* running */
	e1 = vt_start(d.fd);
	e2 = resize_to(d.fd, other, base.numa_node);
	th_check(!e1 && e2 == EBUSY, "ioctl-ebusy-running", "START: %s; ring_slots %u while running: %s",
		 err_str(e1), other, err_str(e2));

	/* what does not re-allocate is fine while running, mapped and shared */
	fd2 = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	p = mmap(NULL, d.info.data_size, PROT_READ, MAP_SHARED, d.fd, (off_t)d.info.data_offset);
	c = base;
	c.rate_hz = 50;
	c.scope = base.scope == MONSTER_SCOPE_THREAD ? MONSTER_SCOPE_PROCESS : MONSTER_SCOPE_THREAD;
	e1 = vt_set_config(d.fd, &c);
	vt_get_config(d.fd, &after);
	vt_get_stats(d.fd, &st);
	th_check(!e1 && after.rate_hz == 50 && after.scope == c.scope && st.rate_hz == 50 &&
		 st.scope == c.scope, "ioctl-rate-scope-change-while-busy",
		 "running, mapped, opened twice: SET_CONFIG rate 50 scope %u (slots unchanged): %s; GET_CONFIG %u/%u, GET_STATS %u/%u",
		 c.scope, err_str(e1), after.rate_hz, after.scope, st.rate_hz, st.scope);
	vt_stop(d.fd);
	vt_set_config(d.fd, &base);
	if (p != MAP_FAILED)
		munmap(p, d.info.data_size);
	if (fd2 >= 0)
		close(fd2);

	/* split, moved and inherited mappings each hold the rings */
	{
		size_t len = d.info.data_size;
		unsigned char *m = mmap(NULL, len, PROT_READ, MAP_SHARED, d.fd, (off_t)d.info.data_offset);
		unsigned char *fresh = mmap(NULL, 2 * (size_t)page, PROT_READ, MAP_SHARED, d.fd,
					    (off_t)d.info.data_offset);
		void *dst = mmap(NULL, 2 * (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		void *moved = MAP_FAILED;
		bool same = false;
		pid_t holder = -1;
		int e0 = -1;

		if (m != MAP_FAILED && fresh != MAP_FAILED && dst != MAP_FAILED && len > 4 * (size_t)page) {
			munmap(m + 2 * page, (size_t)page);	/* split in two */
			moved = mremap(m, 2 * (size_t)page, 2 * (size_t)page,
				       MREMAP_MAYMOVE | MREMAP_FIXED, dst);
			if (moved != MAP_FAILED)
				same = memcmp(moved, fresh, 2 * (size_t)page) == 0;
			munmap(fresh, 2 * (size_t)page);
			e0 = resize_to(d.fd, other, base.numa_node);
			holder = vt_spawn("monster-holder", hold_main, NULL, true);
			if (moved != MAP_FAILED)
				munmap(moved, 2 * (size_t)page);
			munmap(m + 3 * page, len - 3 * (size_t)page);
			e1 = resize_to(d.fd, other, base.numa_node);
			vt_kill(holder);
			e2 = resize_to(d.fd, base.ring_slots, base.numa_node);
		} else {
			e1 = e2 = errno;
		}
		th_check(moved != MAP_FAILED && same && holder > 0 && e0 == EBUSY && e1 == EBUSY && !e2,
			 "ioctl-ebusy-split-moved-forked",
			 "data mapping split by munmap and half moved by mremap (same bytes: %d): resize %s; after a child inherited it and the parent unmapped everything: %s; child gone: %s",
			 same, err_str(e0), err_str(e1), e2 ? strerror(e2) : "success (nothing left holds the rings)");
		vt_info(&d);
	}

	/* and once nothing holds the rings, re-allocation works again */
	e1 = resize_to(d.fd, other, base.numa_node);
	e2 = vt_set_config(d.fd, &base);
	vt_get_config(d.fd, &after);
	th_check(!e1 && !e2 && cfg_eq(&after, &base), "ioctl-resize-after-release",
		 "stopped, unmapped, only opener: ring_slots %u: %s, back: %s", other, err_str(e1),
		 err_str(e2));
	vt_info(&d);
}

/* ---- START / STOP ---------------------------------------------------------------------- */

static void check_start_stop(void)
{
	struct monster_stats st;
	int e1, e2, e3, e4, e5;
	unsigned int run1, run2, run3;

	e1 = vt_stop(d.fd);
	vt_get_stats(d.fd, &st);
	th_check(!e1 && !st.running, "ioctl-stop-when-stopped", "STOP while stopped: %s (want success), running %u",
		 err_str(e1), st.running);
	e2 = vt_start(d.fd);
	vt_get_stats(d.fd, &st);
	run1 = st.running;
	e3 = vt_start(d.fd);
	vt_get_stats(d.fd, &st);
	run2 = st.running;
	th_check(!e2 && run1 == 1, "ioctl-start", "START: %s, running %u", err_str(e2), run1);
	th_check(e3 == EBUSY && run2 == 1, "ioctl-start-twice-ebusy",
		 "START while running: %s (want EBUSY), still running %u", err_str(e3), run2);
	e4 = vt_stop(d.fd);
	vt_get_stats(d.fd, &st);
	run3 = st.running;
	e5 = vt_stop(d.fd);
	th_check(!e4 && run3 == 0 && !e5, "ioctl-stop",
		 "STOP: %s, running %u; STOP again: %s", err_str(e4), run3, err_str(e5));
}

/* ---- stats and RESET ------------------------------------------------------------------- */

static void check_stats(void)
{
	struct monster_stats a, b, c2, r1;
	const struct monster_headers *hdr;
	uint64_t t0, t1, t2, expect, sw100, sw10, produced;
	int e, nproc, bad_res = 0;
	unsigned int r;

	vt_set_rate_scope(d.fd, 100, MONSTER_SCOPE_PROCESS);
	hdr = mmap(NULL, d.info.headers_size, PROT_READ, MAP_SHARED, d.fd, (off_t)d.info.headers_offset);
	e = vt_ioctl(d.fd, MONSTER_IOC_RESET, NULL);
	vt_get_stats(d.fd, &a);
	t0 = th_now_ns();
	vt_start(d.fd);
	th_sleep_ms(1000);
	vt_get_stats(d.fd, &b);
	t1 = th_now_ns();
	/* a new rate applies while running */
	vt_set_rate_scope(d.fd, 10, MONSTER_SCOPE_PROCESS);
	th_sleep_ms(1000);
	vt_stop(d.fd);
	t2 = th_now_ns();
	vt_get_stats(d.fd, &c2);
	nproc = (int)th_count_numbered("/proc");

	expect = (t1 - t0) / 10000000ULL;	/* periods of 10 ms */
	sw100 = b.sweeps - a.sweeps;
	sw10 = c2.sweeps - b.sweeps;
	th_check(!e && sw100 * 10 >= expect * 3 && sw100 <= expect + expect / 10 + 2, "ioctl-stats-sweep-rate",
		 "at 100 Hz for %.3f s: %" PRIu64 " sweeps (want 30%%..110%% of %" PRIu64 "), overruns %" PRIu64,
		 (t1 - t0) / 1e9, sw100, expect, (uint64_t)(b.overruns - a.overruns));
	th_check(sw10 >= 3 && sw10 <= (t2 - t1) / 100000000ULL + 3, "ioctl-stats-rate-change-live",
		 "then SET_CONFIG rate 10 while running, %.3f s: %" PRIu64 " sweeps (want 3..%" PRIu64 ")",
		 (t2 - t1) / 1e9, sw10, (uint64_t)((t2 - t1) / 100000000ULL + 3));
	th_check(c2.last_sweep_ns > 0 && c2.max_sweep_ns >= c2.last_sweep_ns &&
		 c2.total_sweep_ns >= c2.max_sweep_ns &&
		 c2.total_sweep_ns <= c2.sweeps * c2.max_sweep_ns, "ioctl-stats-sweep-times",
		 "last %" PRIu64 " ns, max %" PRIu64 " ns, total %" PRIu64 " ns over %" PRIu64 " sweeps",
		 (uint64_t)c2.last_sweep_ns, (uint64_t)c2.max_sweep_ns, (uint64_t)c2.total_sweep_ns,
		 (uint64_t)c2.sweeps);
	produced = VT_RING_SUM(&c2, produced) - VT_RING_SUM(&a, produced);
	th_check(c2.tasks_sampled - a.tasks_sampled == produced &&
		 c2.tasks_sampled > a.tasks_sampled, "ioctl-stats-tasks-sampled",
		 "tasks_sampled grew by %" PRIu64 ", the rings' produced by %" PRIu64,
		 (uint64_t)(c2.tasks_sampled - a.tasks_sampled), produced);
	th_check(c2.last_sweep_tasks * 4 >= (uint64_t)nproc * 3 &&
		 c2.last_sweep_tasks * 4 <= (uint64_t)nproc * 5, "ioctl-stats-last-sweep-tasks",
		 "last_sweep_tasks %" PRIu64 ", processes in /proc %d", (uint64_t)c2.last_sweep_tasks,
		 nproc);
	th_check(!c2.running && c2.rate_hz == 10 && c2.scope == MONSTER_SCOPE_PROCESS,
		 "ioctl-stats-config-fields", "running %u rate_hz %u scope %u (want 0, 10, 0)", c2.running,
		 c2.rate_hz, c2.scope);
	if (hdr != MAP_FAILED) {
		th_check(hdr->shared.sweeps == c2.sweeps, "ioctl-stats-header-sweeps",
			 "shared header sweeps %" PRIu64 ", GET_STATS sweeps %" PRIu64,
			 (uint64_t)hdr->shared.sweeps, (uint64_t)c2.sweeps);
		munmap((void *)hdr, d.info.headers_size);
	} else {
		th_fail("ioctl-stats-header-sweeps", "mmap of the headers: %s", strerror(errno));
	}
	if (c2.__pad || !vt_all_zero(c2.__reserved, sizeof(c2.__reserved)))
		bad_res++;
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		if (c2.ring[r].__reserved)
			bad_res++;
	th_check(bad_res == 0, "ioctl-stats-reserved-zero", "%d reserved fields of GET_STATS not zero",
		 bad_res);

	/* at 10 kHz sweeps overrun their periods: counted, and every period accounted for */
	{
		struct monster_stats x, y;
		uint64_t u0, u1, periods, seen;

		vt_set_rate_scope(d.fd, MONSTER_RATE_MAX, MONSTER_SCOPE_PROCESS);
		vt_get_stats(d.fd, &x);
		u0 = th_now_ns();
		vt_start(d.fd);
		th_sleep_ms(500);
		vt_stop(d.fd);
		u1 = th_now_ns();
		vt_get_stats(d.fd, &y);
		periods = (u1 - u0) / (1000000000ULL / MONSTER_RATE_MAX);
		seen = (y.sweeps - x.sweeps) + (y.overruns - x.overruns);
		th_check(y.overruns > x.overruns && seen * 10 >= periods * 3 && seen * 10 <= periods * 11,
			 "ioctl-stats-overruns",
			 "at %d Hz for %.3f s: %" PRIu64 " sweeps + %" PRIu64 " overruns = %" PRIu64
			 " periods (want overruns > 0 and 30%%..110%% of %" PRIu64 "); max sweep %.3f ms",
			 MONSTER_RATE_MAX, (u1 - u0) / 1e9, (uint64_t)(y.sweeps - x.sweeps),
			 (uint64_t)(y.overruns - x.overruns), seen, periods, y.max_sweep_ns / 1e6);
		vt_set_rate_scope(d.fd, 10, MONSTER_SCOPE_PROCESS);
		vt_get_stats(d.fd, &c2);
	}

	/* RESET: the sweep statistics go, the rings stay */
	e = vt_ioctl(d.fd, MONSTER_IOC_RESET, NULL);
	vt_get_stats(d.fd, &r1);
	{
		unsigned int moved = 0;

		for (r = 0; r < MONSTER_NR_RINGS; r++)
			if (r1.ring[r].head != c2.ring[r].head ||
			    r1.ring[r].produced != c2.ring[r].produced ||
			    r1.ring[r].dropped != c2.ring[r].dropped || r1.ring[r].tail != c2.ring[r].tail)
				moved++;
		th_check(!e && r1.sweeps == 0 && r1.overruns == 0 && r1.max_sweep_ns == 0 &&
			 r1.total_sweep_ns == 0 && moved == 0 && r1.rate_hz == 10,
			 "ioctl-reset",
			 "RESET: %s; sweeps %" PRIu64 " -> %" PRIu64 ", overruns -> %" PRIu64
			 ", max_sweep_ns -> %" PRIu64 ", total_sweep_ns -> %" PRIu64
			 ", tasks_sampled -> %" PRIu64 "; %u rings whose indices changed (want none), rate %u",
			 err_str(e), (uint64_t)c2.sweeps, (uint64_t)r1.sweeps, (uint64_t)r1.overruns,
			 (uint64_t)r1.max_sweep_ns, (uint64_t)r1.total_sweep_ns,
			 (uint64_t)r1.tasks_sampled, moved, r1.rate_hz);
	}
	vt_start(d.fd);
	e = vt_ioctl(d.fd, MONSTER_IOC_RESET, NULL);
	vt_get_stats(d.fd, &r1);
	vt_stop(d.fd);
	th_check(!e && r1.running, "ioctl-reset-while-running", "RESET while running: %s, running %u",
		 err_str(e), r1.running);
}

int main(void)
{
	vt_begin("t_40_ioctl");
	page = sysconf(_SC_PAGESIZE);
	vt_open_or_bail(&d, "ioctl-open");
	vt_stop(d.fd);

	check_unknown();
	check_einval();
	check_valid_bounds();
	check_efault();
	check_ebusy();
	check_start_stop();
	check_stats();

	vt_close(&d);
	return vt_end();
}
