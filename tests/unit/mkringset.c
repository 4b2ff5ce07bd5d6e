// SPDX-License-Identifier: GPL-2.0
/*
 * mkringset.c - a test helper: writes a file-backed ring set for the CLI
 * and pkg-config tests, or holds a ring's claim to test "one consumer per ring".
 *
 *   mkringset PATH [--slots N] [--records K] [--ring R] [--sweeps S] [--comm HEX]...
 *             [--events E]
 *       create PATH (replacing it) and push K records, ids 0..K-1: rbx = id,
 *       rcx = th_mix(id); ring R, or the shard rule if no --ring; with --comm,
 *       record id's comm is the (id mod n)th of the n given, up to 15 bytes
 *       in hex (any byte but NUL); then E events by the shard rule, event i
 *       (timestamp_ns 2000000000 + i) of kind fork, exec, exit, fault,
 *       reclaim for i mod 5, but of a kind no release knows (99) for every
 *       i mod 7 == 6, each field a function of i (make_event(); cli.sh checks
 *       them)
 *   mkringset PATH --hold R
 *       claim ring R of PATH, print "held", keep it until stdin closes
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "lmonster.h"

/* hex pairs into comm (NUL-terminated): 0, or -1 for bad or too many digits, or a NUL */
static int parse_comm(const char *hex, char *comm, size_t size)
{
	size_t i, n = strlen(hex) / 2;
	unsigned int b;

	if (strlen(hex) % 2 || n >= size)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]) ||
		    sscanf(hex + 2 * i, "%2x", &b) != 1 || !b)
			return -1;
		comm[i] = (char)b;
	}
	comm[n] = '\0';
	return 0;
}

#define EVENT_T0	2000000000ULL
#define UNKNOWN_KIND	99

/* Event i, as cli.sh expects it. */
static void make_event(struct monster_event *e, unsigned long i)
{
	static const unsigned int kinds[] = { MONSTER_KIND_FORK, MONSTER_KIND_EXEC,
		MONSTER_KIND_EXIT, MONSTER_KIND_FAULT, MONSTER_KIND_RECLAIM };
	unsigned int w;

	memset(e, 0, sizeof(*e));
	e->kind = (__u8)(i % 7 == 6 ? UNKNOWN_KIND : kinds[i % 5]);
	e->timestamp_ns = EVENT_T0 + i;
	e->pid = (__u32)(300 + i % 4);
	e->tgid = 300;
	e->cpu = (__u32)(i % 2);
	snprintf(e->comm, sizeof(e->comm), "ev-%u", (unsigned int)(i % 1000000));
	switch (e->kind) {
	case MONSTER_KIND_FORK:
		e->flags = i % 2 ? MONSTER_EF_THREAD : 0;
		e->fork.parent_pid = (__u32)(200 + i);
		e->fork.parent_tgid = 200;
		e->fork.child_start_ns = 5000 + i;
		e->fork.parent_start_ns = 4000;
		break;
	case MONSTER_KIND_EXEC:
		e->exec.old_pid = (__u32)(300 + i % 4);
		if (i % 10 == 1)	/* a byte string, as comm is */
			snprintf(e->exec.filename, sizeof(e->exec.filename),
				 "/tmp/we\"ird\\\xc3\xa9\x01\xff");
		else
			snprintf(e->exec.filename, sizeof(e->exec.filename), "/usr/bin/prog-%lu", i);
		break;
	case MONSTER_KIND_EXIT:
		e->flags = MONSTER_EF_GROUP_EXIT;
		e->exit.exit_code = i % 3 == 0 ? -1 : (__s32)(i % 256);
		e->exit.signal = i % 3 == 0 ? 9 : 0;
		e->exit.utime_ns = i * 1000;
		e->exit.stime_ns = i * 500;
		e->exit.runtime_ns = i * 1500;
		e->exit.min_flt = i;
		e->exit.maj_flt = i / 2;
		e->exit.nvcsw = i + 1;
		e->exit.nivcsw = i + 2;
		e->exit.peak_rss_bytes = (i + 1) * 4096;
		e->exit.start_time_ns = 7000 + i;
		break;
	case MONSTER_KIND_FAULT:
		e->fault.address = 0x7f0000000000ULL + i * 4096;
		e->fault.ip = 0x401000 + i;
		e->fault.error_code = i % 8;
		if (i % 4 == 1) {
			e->flags = MONSTER_EF_KERNEL;
			e->fault.address = 0xffff888000000000ULL + i;
		} else if (i % 4 == 3) {
			e->flags = MONSTER_EF_KERNEL | MONSTER_EF_HIDDEN;
			e->fault.address = 0;
			e->fault.ip = 0;
		}
		break;
	case MONSTER_KIND_RECLAIM:
		e->reclaim.interval_ns = 1000000000;
		for (w = 1; w < 14; w++)	/* kswapd_wakes .. allocstall: i + 1 .. i + 13 */
			e->words[w] = i + w;
		break;
	default:
		for (w = 0; w < 17; w++)
			e->words[w] = th_mix(i * 17 + w);
		break;
	}
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "mkringset: %s: %s\n", what, lmonster_strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long slots = 64, records = 0, sweeps = 1, ncomms = 0, events = 0;
	long ring = LMONSTER_RING_AUTO, hold = -1;
	struct lmonster_producer *p;
	struct monster_sample s;
	union {
		struct monster_sample s;
		struct monster_event e;
	} ev;
	char comms[32][sizeof(s.comm)];
	unsigned long id;
	int i, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: mkringset PATH [--slots N] [--records K] [--ring R] "
			"[--sweeps S] [--comm HEX]... [--events E] | PATH --hold R\n");
		return 2;
	}
	for (i = 2; i + 1 < argc; i += 2) {
		unsigned long v = strtoul(argv[i + 1], NULL, 0);

		if (!strcmp(argv[i], "--comm")) {
			if (ncomms == sizeof(comms) / sizeof(comms[0]) ||
			    parse_comm(argv[i + 1], comms[ncomms++], sizeof(s.comm))) {
				fprintf(stderr, "mkringset: bad --comm %s\n", argv[i + 1]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--slots"))
			slots = v;
		else if (!strcmp(argv[i], "--records"))
			records = v;
		else if (!strcmp(argv[i], "--ring"))
			ring = (long)v;
		else if (!strcmp(argv[i], "--sweeps"))
			sweeps = v;
		else if (!strcmp(argv[i], "--hold"))
			hold = (long)v;
		else if (!strcmp(argv[i], "--events"))
			events = v;
		else
			return fprintf(stderr, "mkringset: unknown option %s\n", argv[i]), 2;
	}
	if (hold >= 0) {
		struct lmonster *h;
		char c;

		ret = lmonster_open(argv[1], 0, &h);
		if (ret)
			return fail(argv[1], ret);
		ret = lmonster_claim(h, 1U << hold);
		if (ret)
			return fail("claim", ret);
		printf("held\n");
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
		lmonster_close(h);
		return 0;
	}
	ret = lmonster_producer_create(argv[1], (unsigned int)slots, LMONSTER_CREATE_REPLACE, &p);
	if (ret)
		return fail(argv[1], ret);
	for (id = 0; id < records; id++) {
		memset(&s, 0, sizeof(s));
		s.timestamp_ns = 1000000000ULL + id * 10000000ULL;
		s.pid = (uint32_t)(100 + id % 50);
		s.tgid = s.pid;
		s.cpu = (uint32_t)(id % 2);
		s.state = (uint8_t)(id % 3);
		s.nr_threads = 1;
		if (ncomms)
			memcpy(s.comm, comms[id % ncomms], sizeof(s.comm));
		else
			snprintf(s.comm, sizeof(s.comm), id % 7 == 3 ? "we\"ird\\%lu" : "proc-%lu",
				 id % 50);
		s.rip = th_mix(id * 3 + 1) & 0x7fffffffffffULL;
		s.rsp = th_mix(id * 3 + 2) & 0x7fffffffffffULL;
		s.rax = th_mix(id * 3 + 3) & 0xffff;
		s.rbx = id;
		s.rcx = th_mix(id);
		s.mem_bytes = (4096 + id % 1000) * 4096ULL;
		s.utime_ns = id * 1000000ULL;
		s.stime_ns = id * 500000ULL;
		s.cpu_time_ns = s.utime_ns + s.stime_ns;
		ret = lmonster_producer_push(p, (int)ring, &s);
		if (ret && ret != -ENOBUFS)
			return fail("push", ret);
	}
	for (id = 0; id < events; id++) {
		make_event(&ev.e, id);
		ret = lmonster_producer_push(p, LMONSTER_RING_AUTO, &ev.s);
		if (ret && ret != -ENOBUFS)
			return fail("push", ret);
	}
	while (sweeps--)
		lmonster_producer_sweep(p);
	lmonster_producer_close(p);
	return 0;
}
