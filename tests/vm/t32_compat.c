// SPDX-License-Identifier: GPL-2.0
/*
 * t32_compat - a 32-bit (i386) consumer: built with -m32 (tests.mk builds
 * every t32_*.c that way), it goes through compat_ioctl and a 32-bit address
 * space. The same structs, the same answers: GET_INFO/CONFIG/STATS, error
 * codes, the mapping, records, poll. Its own records carry 32-bit registers.
 */
#include "vmtest.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#if !defined(__i386__)
int main(void)
{
	vt_begin("t32_compat");
	th_skip("compat32", "built as a %zu-bit program: the compat path needs -m32",
		sizeof(void *) * 8);
	return vt_end();
}
#else

struct ctx {
	struct vt_dev *d;
	struct vt_validity val;
	struct monster_sample self;
	uint64_t self_n;
};

static void on_rec(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	struct ctx *c = arg;

	vt_validity_add(&c->val, c->d, ring, idx, s, 0, MONSTER_SCOPE_PROCESS);
	if (s->pid == (uint32_t)getpid()) {
		c->self = *s;
		c->self_n++;
	}
}

int main(void)
{
	struct monster_config cfg, c2;
	struct monster_stats st;
	struct vt_dev d;
	struct ctx *c;
	struct pollfd p;
	char comm[32] = "";
	int e1, e2, e3, e4, rc;

	vt_begin("t32_compat");
	vt_open_or_bail(&d, "compat32-open");
	th_check(d.info.abi_major == MONSTER_ABI_MAJOR && d.info.nr_rings == MONSTER_NR_RINGS &&
		 d.info.record_size == sizeof(struct monster_sample) && d.info.primes[14] == 71 &&
		 d.info.map_size >= d.info.data_offset + d.info.data_size,
		 "compat32-get-info",
		 "32-bit GET_INFO: abi %u, rings %u, record_size %u, prime[14] %u, map_size %llu",
		 d.info.abi_major, d.info.nr_rings, d.info.record_size, d.info.primes[14],
		 (unsigned long long)d.info.map_size);
	vt_stop(d.fd);

	e1 = vt_get_config(d.fd, &cfg);
	c2 = cfg;
	c2.rate_hz = 100;
	c2.scope = MONSTER_SCOPE_PROCESS;
	e2 = vt_set_config(d.fd, &c2);
	vt_get_config(d.fd, &c2);
	th_check(!e1 && !e2 && c2.rate_hz == 100 && c2.ring_slots == d.info.ring_slots,
		 "compat32-config", "GET_CONFIG: %s, SET_CONFIG rate 100: %s, read back rate %u slots %u",
		 e1 ? strerror(e1) : "ok", e2 ? strerror(e2) : "ok", c2.rate_hz, c2.ring_slots);
	c2.__pad2 = 1;
	e1 = vt_set_config(d.fd, &c2);
	e2 = vt_ioctl(d.fd, _IO(MONSTER_IOC_MAGIC, 0x7f), NULL);
	e3 = vt_ioctl(d.fd, MONSTER_IOC_GET_STATS, NULL);
	e4 = vt_ioctl(d.fd, MONSTER_IOC_GET_INFO, (void *)4);
	th_check(e1 == EINVAL && e2 == ENOTTY && e3 == EFAULT && e4 == EFAULT, "compat32-errors",
		 "reserved field set: %s (EINVAL), unknown nr: %s (ENOTTY), GET_STATS NULL: %s (EFAULT), GET_INFO at 4: %s (EFAULT)",
		 strerror(e1), strerror(e2), strerror(e3), strerror(e4));

	vt_map_or_bail(&d, "compat32-map");
	th_check(d.hdr->shared.magic == MONSTER_MAGIC && d.hdr->ring[14].prime == 71 &&
		 d.hdr->ring[14].data_offset == d.info.data_offset + 14 * d.info.ring_bytes,
		 "compat32-map", "32-bit mapping: magic %#x, ring 14 prime %u data_offset %llu",
		 d.hdr->shared.magic, d.hdr->ring[14].prime,
		 (unsigned long long)d.hdr->ring[14].data_offset);

	c = calloc(1, sizeof(*c));
	if (!c)
		vt_bail("compat32-setup", "out of memory");
	c->d = &d;
	vt_drain(&d);
	e1 = vt_start(d.fd);
	p = (struct pollfd){ .fd = d.fd, .events = POLLIN };
	rc = poll(&p, 1, 2000);
	th_check(!e1 && rc == 1 && (p.revents & POLLIN), "compat32-poll",
		 "START: %s; poll after a drain: %d (revents %#x)", e1 ? strerror(e1) : "ok", rc,
		 p.revents);
	vt_wait_sweeps(d.fd, 20, 5000, &d, on_rec, c);
	vt_stop(d.fd);
	vt_consume_all(&d, on_rec, c);
	vt_get_stats_or_bail(d.fd, &st, "compat32-stats");
	vt_validity_report_one(&c->val, "compat32-record-rules");

	vt_proc_comm(-1, comm, sizeof(comm));
	th_check(c->self_n > 0 && strncmp(c->self.comm, comm, 16) == 0 &&
		 !(c->self.flags & (MONSTER_SF_KTHREAD | MONSTER_SF_NO_REGS)) && c->self.rip &&
		 c->self.rip <= 0xffffffffULL && c->self.rsp && c->self.rsp <= 0xffffffffULL,
		 "compat32-own-registers",
		 "%llu records of this 32-bit process (comm '%.16s', /proc '%s'): flags %#x rip %#llx rsp %#llx (want 32-bit user addresses)",
		 (unsigned long long)c->self_n, c->self.comm, comm, c->self.flags,
		 (unsigned long long)c->self.rip, (unsigned long long)c->self.rsp);
	th_check(!st.running && st.sweeps > 0 && st.last_sweep_tasks > 0, "compat32-stats",
		 "GET_STATS: running %u sweeps %llu last_sweep_tasks %llu", st.running,
		 (unsigned long long)st.sweeps, (unsigned long long)st.last_sweep_tasks);
	{
		struct monster_sweep_hist h;

		e1 = vt_ioctl(d.fd, MONSTER_IOC_GET_SWEEP_HIST, &h);
		th_check(!e1 && h.sweeps == st.sweeps && h.total_ns == st.total_sweep_ns &&
			 h.count[monster_hist_bucket(st.max_sweep_ns)] > 0, "compat32-sweep-hist",
			 "GET_SWEEP_HIST: %s, sweeps %llu (GET_STATS %llu), total_ns %llu (%llu)",
			 e1 ? strerror(e1) : "ok", (unsigned long long)h.sweeps,
			 (unsigned long long)st.sweeps, (unsigned long long)h.total_ns,
			 (unsigned long long)st.total_sweep_ns);
	}
	free(c);
	vt_close(&d);
	return vt_end();
}
#endif
