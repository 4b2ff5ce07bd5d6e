// SPDX-License-Identifier: GPL-2.0
/*
 * t_95_event_storm - every event kind on while fork/exec/exit and page-fault
 * storms run at full speed (30 s; longer with MONSTER_STRESS=long): a
 * consumer keeps up, then stalls while the rings fill and drop, then
 * resumes. Throughout, every GET_STATS adds up (produced == head + dropped
 * per ring), samples keep coming, the test itself keeps being scheduled;
 * at the end the counts per kind add up to each ring's and the consumer's
 * sequence gaps to the drops. Then the module is unloaded while the probes
 * fire, and loaded back. The kernel log stays clean.
 */
#include "vmstress.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKERS		3
#define FAULTERS	2

static uint64_t g_kmark;
static const char *g_self;

/* forks children that exec this program and exit at once, as fast as it can */
static int forker_main(void *arg)
{
	(void)arg;
	vt_child_ready();
	for (;;) {
		pid_t pid = fork();

		if (pid == 0) {
			execl(g_self, g_self, "--exit", (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	return 0;
}

struct watch {
	unsigned int reads, bad, sampled_stalled;
	uint64_t worst_nap_ns;
	char first[200];
	uint64_t samples_at_stall;
};

/* One look while the storm runs: the counters add up, the test got the CPU back. */
static void look(struct vt_dev *d, struct watch *w, bool stalled)
{
	struct monster_stats st;
	uint64_t t0 = th_now_ns(), nap;
	unsigned int r;

	th_sleep_ms(10);
	nap = th_now_ns() - t0;
	if (nap > w->worst_nap_ns)
		w->worst_nap_ns = nap;
	if (vt_get_stats(d->fd, &st))
		return;
	w->reads++;
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		if (st.ring[r].produced != st.ring[r].head + st.ring[r].dropped && !w->bad++)
			snprintf(w->first, sizeof(w->first), "ring %u: produced %llu head %llu "
				 "dropped %llu", r, (unsigned long long)st.ring[r].produced,
				 (unsigned long long)st.ring[r].head,
				 (unsigned long long)st.ring[r].dropped);
	if (stalled && !w->samples_at_stall)
		w->samples_at_stall = st.sweeps;
	if (stalled)
		w->sampled_stalled = (unsigned int)(st.sweeps - w->samples_at_stall);
}

static void storm(unsigned int secs)
{
	struct vs_consumer c;
	struct monster_config cfg;
	struct monster_kind_stats ks;
	struct monster_stats st;
	struct watch w = { 0 };
	unsigned int i, r, k, phase_ms = secs * 1000 / 3, mismatch = 0;
	uint64_t end, kinds[MONSTER_NR_KINDS] = { 0 };
	pid_t kids[FORKERS + FAULTERS];

	if (vs_consumer_begin(&c, MONSTER_SCOPE_PROCESS))
		vt_bail("storm-setup", "cannot start the consumer");
	vt_get_config(c.d.fd, &cfg);
	cfg.rate_hz = 100;
	cfg.events = MONSTER_EVENTS_ALL;
	if (vt_set_config(c.d.fd, &cfg))
		vt_bail("storm-setup", "SET_CONFIG events=all: %s", strerror(errno));
	/*
	 * The probes go in before the storm and out after it: switching the
	 * page-fault tracepoint patches exc_page_fault(), and qemu's software
	 * emulation has been seen to run the patch's transient int3 on another
	 * vCPU after the kernel's own synchronisation (an emulator's race: an
	 * "Oops: int3" in exc_page_fault), once in tens of runs.
	 */
	vt_start(c.d.fd);
	for (i = 0; i < FORKERS; i++)
		kids[i] = vt_spawn("monster-forker", forker_main, NULL, true);
	for (i = 0; i < FAULTERS; i++)
		kids[FORKERS + i] = vt_spawn("monster-faulter", vt_child_fault, NULL, true);

	/* keeping up, stalled (the rings fill and drop), keeping up again */
	end = th_now_ns() + (uint64_t)phase_ms * 1000000;
	while (th_now_ns() < end) {
		vs_consume(&c);
		look(&c.d, &w, false);
	}
	end = th_now_ns() + (uint64_t)phase_ms * 1000000;
	while (th_now_ns() < end)
		look(&c.d, &w, true);
	end = th_now_ns() + (uint64_t)phase_ms * 1000000;
	while (th_now_ns() < end) {
		vs_consume(&c);
		look(&c.d, &w, false);
	}
	for (i = 0; i < FORKERS + FAULTERS; i++)
		vt_kill(kids[i]);
	vt_stop(c.d.fd);

	th_check(w.reads > 50 && !w.bad, "storm-counters-exact",
		 "%u GET_STATS reads during the storm, %u with produced != head + dropped%s%s",
		 w.reads, w.bad, w.first[0] ? "; " : "", w.first);
	th_check(w.sampled_stalled > 0, "storm-samples-flow",
		 "%u sweeps while the consumer stalled", w.sampled_stalled);
	th_check(w.worst_nap_ns < 2000000000ULL, "storm-responsive",
		 "the longest 10 ms nap of this test took %llu ms",
		 (unsigned long long)(w.worst_nap_ns / 1000000));

	vt_get_stats_or_bail(c.d.fd, &st, "storm-stats");
	if (vt_ioctl(c.d.fd, MONSTER_IOC_GET_KIND_STATS, &ks))
		vt_bail("storm-stats", "GET_KIND_STATS: %s", strerror(errno));
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		uint64_t p = 0, dr = 0;

		for (k = 0; k < MONSTER_NR_KINDS; k++) {
			p += ks.produced[k][r];
			dr += ks.dropped[k][r];
			kinds[k] += ks.produced[k][r];
		}
		mismatch += p != st.ring[r].produced || dr != st.ring[r].dropped;
	}
	th_check(!mismatch && kinds[MONSTER_KIND_FORK] && kinds[MONSTER_KIND_EXEC] &&
		 kinds[MONSTER_KIND_EXIT] && kinds[MONSTER_KIND_FAULT] && kinds[MONSTER_KIND_SAMPLE],
		 "storm-kinds-add-up", "%u rings whose kinds do not add up to the ring's counts; "
		 "samples %llu, forks %llu, execs %llu, exits %llu, faults %llu, reclaim %llu",
		 mismatch, (unsigned long long)kinds[0], (unsigned long long)kinds[1],
		 (unsigned long long)kinds[2], (unsigned long long)kinds[3],
		 (unsigned long long)kinds[4], (unsigned long long)kinds[5]);
	vs_consumer_finish(&c, "storm", false);
	cfg.events = 0;
	vt_set_config(c.d.fd, &cfg);
	vs_consumer_end(&c);
	vs_kmsg_check(&g_kmark, "storm-kernel-log");
}

/*
 * The module goes while the probes fire: nobody holds the device, the
 * fork/exec/exit storm goes on (without the fault storm, for the reason
 * given in storm()).
 */
static void unload_while_firing(unsigned int secs)
{
	struct monster_config cfg;
	struct vt_dev d;
	pid_t kids[FORKERS];
	unsigned int i;
	int err;

	vt_open_or_bail(&d, "storm-unload");
	vt_get_config(d.fd, &cfg);
	cfg.events = MONSTER_EVENTS_ALL;
	vt_set_config(d.fd, &cfg);
	vt_start(d.fd);
	/* closed before the storm forks: no child may hold the device */
	vt_close(&d);
	for (i = 0; i < FORKERS; i++)
		kids[i] = vt_spawn("monster-forker", forker_main, NULL, true);
	th_sleep_ms(secs * 1000);
	err = vt_module_unload(O_NONBLOCK);
	th_check(!err, "storm-rmmod-firing", "rmmod with the sampler and every probe running: %s",
		 err ? strerror(err) : "ok");
	th_sleep_ms(500);
	for (i = 0; i < FORKERS; i++)
		vt_kill(kids[i]);
	err = vt_module_reload();
	th_check(!err, "storm-reload", "%s", err ? strerror(err) : "monster.ko back");
	vs_kmsg_check(&g_kmark, "storm-unload-kernel-log");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--exit"))
		return 0;
	g_self = argv[0][0] == '/' ? argv[0] : "/tests/t_95_event_storm";
	vs_begin("t_95_event_storm", 900, &g_kmark);
	storm(vs_long() ? 120 : 30);
	unload_while_firing(vs_long() ? 20 : 3);
	return vt_end();
}
