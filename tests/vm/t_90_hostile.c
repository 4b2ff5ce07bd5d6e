// SPDX-License-Identifier: GPL-2.0
/*
 * t_90_hostile - hostile consumers against an honest one, sampling at 1000+ Hz.
 *
 *   random     two processes, each on its own fd and mapping, write random
 *              values into every byte of the tails page (the only writable
 *              one) at full speed, a third hammers GET_STATS/GET_INFO/poll.
 *              An honest consumer on a separate fd must read every published
 *              record intact: all valid, seq never backwards, the seq gaps
 *              exactly the drops the counters show. The hostile writes are
 *              noticed (bad_tails), GET_STATS stays consistent throughout.
 *   plausible  hostile processes write believable tails (head, head + 1,
 *              head - slots, 0, ~0, ...) for every ring. The tails page is
 *              the one consumer position per ring, so such a writer *is* a
 *              consumer and may release records the honest one has not read:
 *              the honest consumer judges only records it could read before
 *              any overwrite. The kernel's side must hold: no torn stats, head
 *              never more than slots ahead of the tail in force, every slot
 *              of every ring a valid record of that ring afterwards.
 *   killed     processes that map the rings, scribble, start/reconfigure and
 *              get SIGKILLed at random moments, hundreds of times: afterwards
 *              no open count or mapping reference is left behind (a resize
 *              works), the arithmetic holds.
 * After each scenario the kernel log must be clean.
 */
#include "vmstress.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t g_seed;
static uint64_t g_mark;

/* what the children report through shared memory */
struct shared {
	volatile uint64_t passes[4];		/* per hostile writer */
	volatile uint64_t stats_calls;
	volatile uint64_t stats_bad;
	volatile uint64_t stats_err;
	char stats_first[400];
	volatile int stop;
};

static struct shared *sh;

/* ---- children ------------------------------------------------------------------------ */

struct hostile_arg {
	int id;
	bool plausible;
};

static int hostile_main(void *argp)
{
	const struct hostile_arg *a = argp;
	struct vt_dev d;
	struct th_rng rng;
	volatile uint64_t *words;
	volatile unsigned char *bytes;
	size_t nwords, i;
	uint64_t slots;

	th_rng_init(&rng, g_seed, 100 + (uint64_t)a->id);
	if (vt_open(&d) || vt_map(&d))
		return 2;
	words = (volatile uint64_t *)d.tails;
	bytes = (volatile unsigned char *)d.tails;
	nwords = d.info.tails_size / 8;
	slots = d.info.ring_slots;
	vt_child_ready();
	while (!sh->stop) {
		if (!a->plausible) {
			/* every byte of the page, 8 at a time, then some single bytes */
			for (i = 0; i < nwords; i++)
				words[i] = th_rand(&rng);
			for (i = 0; i < 64; i++)
				bytes[th_below(&rng, d.info.tails_size)] = (unsigned char)th_rand(&rng);
		} else {
			for (i = 0; i < 64; i++) {
				unsigned int r = (unsigned int)th_below(&rng, MONSTER_NR_RINGS);
				uint64_t h = __atomic_load_n(&d.hdr->ring[r].head, __ATOMIC_ACQUIRE);
				uint64_t v;

				switch (th_below(&rng, 12)) {
				case 0: v = h; break;
				case 1: v = h + 1; break;
				case 2: v = h - 1; break;
				case 3: v = h + slots; break;
				case 4: v = h - slots; break;
				case 5: v = 0; break;
				case 6: v = UINT64_MAX; break;
				case 7: v = h / 2; break;
				case 8: v = th_below(&rng, h + 2 * slots + 1); break;
				case 9: v = h - th_below(&rng, slots + 1); break;
				case 10: v = (uint64_t)1 << 63; break;
				default: v = th_rand(&rng); break;
				}
				if (th_below(&rng, 8) == 0)	/* a torn, byte-wise store */
					bytes[r * sizeof(struct monster_ring_tail) + th_below(&rng, 8)] =
						(unsigned char)v;
				else
					__atomic_store_n(&d.tails[r].tail, v, __ATOMIC_RELEASE);
			}
		}
		sh->passes[a->id]++;
	}
	return 0;
}

/* GET_STATS / GET_INFO / poll as fast as possible, checking what must hold mid-sweep */
static int spinner_main(void *arg)
{
	struct monster_stats st;
	struct monster_info in;
	struct pollfd p;
	char why[400];
	int fd = open(MONSTER_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	(void)arg;
	if (fd < 0)
		return 2;
	p.fd = fd;
	p.events = POLLIN;
	vt_child_ready();
	while (!sh->stop) {
		if (vt_get_stats(fd, &st)) {
			sh->stats_err++;
			continue;
		}
		sh->stats_calls++;
		if (vs_arith_running(&st, why, sizeof(why)) && !sh->stats_bad++)
			snprintf(sh->stats_first, sizeof(sh->stats_first), "%s", why);
		if ((sh->stats_calls & 7) == 0) {
			if (vt_ioctl(fd, MONSTER_IOC_GET_INFO, &in))
				sh->stats_err++;
			if (poll(&p, 1, 0) < 0)
				sh->stats_err++;
		}
	}
	close(fd);
	return 0;
}

/* ---- scenarios ----------------------------------------------------------------------- */

static void reset_shared(void)
{
	memset((void *)sh, 0, sizeof(*sh));
}

static void stop_children(pid_t *pids, int n)
{
	int i;

	sh->stop = 1;
	for (i = 0; i < n; i++)
		vt_kill(pids[i]);
}

/* Every slot of every ring: never written (all zero) or a valid record of that ring. */
static void scan_rings(const struct vt_dev *d, const char *name)
{
	static const struct monster_sample zero;
	uint64_t slots = d->info.ring_slots, idx, nzero = 0, nrec = 0, nbad = 0;
	uint64_t now = th_now_ns();
	char first[400] = "", desc[300];
	unsigned int r, bad;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		for (idx = 0; idx < slots; idx++) {
			const struct monster_sample *s = vt_rec(d, r, idx);

			if (memcmp(s, &zero, sizeof(zero)) == 0) {
				nzero++;
				continue;
			}
			nrec++;
			/* seq-ge-index cannot be judged by slot alone */
			bad = vt_validate(d, r, 0, s, now, MONSTER_SCOPE_PROCESS);
			if (!bad)
				continue;
			if (!nbad++)
				snprintf(first, sizeof(first), "ring %u slot %" PRIu64 " flags %#x: %s", r,
					 idx, bad, vt_describe(s, desc, sizeof(desc)));
		}
	}
	th_check(nbad == 0 && nrec > 0, name,
		 "%" PRIu64 " records and %" PRIu64 " empty slots scanned, %" PRIu64 " bad%s%s", nrec,
		 nzero, nbad, nbad ? "; first: " : "", first);
}

/*
 * Hostile writers + a stats spinner around an honest consumer.
 * plausible: the writers write believable tails (the honest consumer guards).
 */
static void hostile_run(bool plausible, uint32_t rate, unsigned int ms, const char *pfx)
{
	struct vs_consumer *c = calloc(1, sizeof(*c));
	struct hostile_arg args[2];
	struct monster_stats st0, st1;
	pid_t pids[3];
	char name[128];
	uint64_t t0, secs_ms, sweeps, passes, rings_with = 0, bad0, bad1;
	unsigned int r;
	int i, n = 0, err;

	if (!c)
		vt_bail("hostile-setup", "out of memory");
	reset_shared();
	err = vs_consumer_begin(c, MONSTER_SCOPE_PROCESS);
	if (err)
		vt_bail("hostile-setup", "honest consumer: open/map: %s", strerror(-err));
	c->guard = plausible;
	vt_set_rate_scope_or_bail(c->d.fd, rate, MONSTER_SCOPE_PROCESS, "hostile-setup");
	vt_get_stats_or_bail(c->d.fd, &st0, "hostile-setup");

	for (i = 0; i < 2; i++) {
		args[i].id = i;
		args[i].plausible = plausible;
		pids[n] = vt_spawn(plausible ? "monster-liar" : "monster-scribbl", hostile_main,
				   &args[i], true);
		if (pids[n] > 0)
			n++;
	}
	pids[n] = vt_spawn("monster-statspin", spinner_main, NULL, true);
	if (pids[n] > 0)
		n++;
	if (n != 3)
		th_fail("hostile-setup", "only %d of 3 hostile children started", n);

	err = vt_start(c->d.fd);
	if (err)
		vt_bail("hostile-setup", "START: %s", strerror(err));
	t0 = th_now_ns();
	vs_consume_for(c, ms);
	secs_ms = (th_now_ns() - t0) / 1000000ULL;
	vt_stop(c->d.fd);
	stop_children(pids, n);
	vt_get_stats_or_bail(c->d.fd, &st1, "hostile-setup");
	passes = sh->passes[0] + sh->passes[1];
	sweeps = st1.sweeps - st0.sweeps;

	/* the honest consumer's view, judged exactly (random) or guarded (plausible) */
	vs_consumer_finish(c, pfx, plausible);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		rings_with += c->consumed[r] > 0;

	snprintf(name, sizeof(name), "%s-writers-active", pfx);
	bad0 = VT_RING_SUM(&st0, bad_tails);
	bad1 = VT_RING_SUM(&st1, bad_tails);
	th_check(passes > 0 && bad1 > bad0, name,
		 "%" PRIu64 " passes over the tails page by 2 writers; bad_tails %" PRIu64 " -> %" PRIu64,
		 passes, bad0, bad1);
	snprintf(name, sizeof(name), "%s-stats-consistent", pfx);
	th_check(sh->stats_calls > 0 && sh->stats_bad == 0 && sh->stats_err == 0, name,
		 "%" PRIu64 " GET_STATS while sampling: %" PRIu64 " with tail > head or fill > slots, %" PRIu64
		 " errors%s%s", (uint64_t)sh->stats_calls, (uint64_t)sh->stats_bad,
		 (uint64_t)sh->stats_err, sh->stats_bad ? "; first: " : "", sh->stats_first);
	/*
	 * The hostiles cannot stop the sampler: at least 1/50 of the rate (emulation
	 * is slow and four busy processes share two CPUs with it).
	 */
	snprintf(name, sizeof(name), "%s-sampling-kept-up", pfx);
	th_check(sweeps * 50 * 1000 >= (uint64_t)rate * secs_ms && rings_with >= 10, name,
		 "%" PRIu64 " sweeps in %" PRIu64 " ms at %u Hz (overruns %" PRIu64 "), records in %" PRIu64
		 " of 15 rings", sweeps, secs_ms, rate, (uint64_t)(st1.overruns - st0.overruns), rings_with);
	if (plausible) {
		snprintf(name, sizeof(name), "%s-rings-scan", pfx);
		scan_rings(&c->d, name);
	}
	vs_consumer_end(c);
	free(c);
	snprintf(name, sizeof(name), "%s-kernel-log", pfx);
	vs_kmsg_check(&g_mark, name);
}

struct victim_arg {
	uint64_t seed;
};

/* a short-lived hostile: map, scribble, control, until SIGKILL */
static int victim_main(void *argp)
{
	const struct victim_arg *a = argp;
	struct th_rng rng;
	struct vt_dev d;
	volatile unsigned long sum = 0;
	size_t i;

	th_rng_init(&rng, a->seed, 7);
	if (vt_open(&d))
		return 2;
	if (th_below(&rng, 4) && vt_map(&d) == 0) {
		for (;;) {
			switch (th_below(&rng, 4)) {
			case 0:
				for (i = 0; i < d.info.tails_size / 8; i++)
					((volatile uint64_t *)d.tails)[i] = th_rand(&rng);
				break;
			case 1:
				for (i = 0; i < d.info.data_size; i += 4096)
					sum += d.data[i];
				break;
			case 2:
				vt_set_rate_scope(d.fd, 1 + (uint32_t)th_below(&rng, 2000),
						  (uint32_t)th_below(&rng, 2));
				break;
			default:
				vt_start(d.fd);
				break;
			}
		}
	}
	for (;;)
		vt_set_rate_scope(d.fd, 1 + (uint32_t)th_below(&rng, 2000), (uint32_t)th_below(&rng, 2));
	return 0;
}

static void killed_run(unsigned int ms)
{
	struct th_rng rng;
	struct vt_dev d;
	struct monster_config c0;
	uint64_t t0, cycles = 0;
	int err, e1, e2;

	th_rng_init(&rng, g_seed, 3);
	vt_open_or_bail(&d, "hostile-killed-setup");
	vt_get_config(d.fd, &c0);
	vt_set_rate_scope(d.fd, 1000, MONSTER_SCOPE_PROCESS);
	vt_start(d.fd);
	t0 = th_now_ns();
	while (th_now_ns() - t0 < (uint64_t)ms * 1000000ULL) {
		struct victim_arg a = { .seed = th_rand(&rng) };
		pid_t pid = vt_spawn("monster-victim", victim_main, &a, false);

		if (pid < 0)
			break;
		th_sleep_ns(th_below(&rng, 3000000));
		vt_kill(pid);
		cycles++;
	}
	/* the victims may have left the sampler running at another rate */
	vt_stop(d.fd);
	err = vt_set_config(d.fd, &c0);
	/* nobody else has the device open or mapped now: a resize must work */
	e1 = vt_set_slots(d.fd, 1024);
	e2 = vt_set_slots(d.fd, c0.ring_slots);
	th_check(cycles >= 20 && !err && !e1 && !e2, "hostile-killed-no-leaked-refs",
		 "%" PRIu64 " processes killed mid-use; then restore config: %s, resize to 1024: %s, back to %u: %s",
		 cycles, err ? strerror(err) : "ok", e1 ? strerror(e1) : "ok", c0.ring_slots,
		 e2 ? strerror(e2) : "ok");
	vt_info(&d);
	vs_check_arith(d.fd, NULL, "hostile-killed-arith");
	vt_close(&d);
	vs_kmsg_check(&g_mark, "hostile-killed-kernel-log");
}

int main(void)
{
	unsigned int ms;

	g_seed = vs_begin("t_90_hostile", 600, &g_mark);
	sh = vt_shared_alloc(sizeof(*sh));
	if (!sh)
		vt_bail("hostile-setup", "shared memory: %s", strerror(errno));
	vt_spawn_variety(6);

	ms = vs_ms(4000, 60000);
	hostile_run(false, 1000, ms, "hostile-random");
	hostile_run(true, 2000, vs_ms(3000, 45000), "hostile-plausible");
	killed_run(vs_ms(2000, 30000));
	return vt_end();
}
