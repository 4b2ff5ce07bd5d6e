// SPDX-License-Identifier: GPL-2.0
/*
 * unit_main.c - runs the native unit tests: `unit [NAME-SUBSTRING...]`.
 * Prints "PASS <tag>/<name>: <detail>" or "FAIL <tag>/<name>: <why>" per
 * test (tag from UNIT_TAG, e.g. native, asan, tsan) and exits 1 on any FAIL.
 * Also the records the suites push and check (unit.h).
 */
#include <string.h>

#include "unit.h"

void ut_make_record(struct monster_sample *s, uint64_t id)
{
	memset(s, 0, sizeof(*s));
	s->rip = th_mix(id * 5 + 1);
	s->rsp = th_mix(id * 5 + 2);
	s->rax = th_mix(id * 5 + 3);
	s->mem_bytes = th_mix(id * 5 + 4) & 0xffffffffffULL;
	s->cpu_time_ns = th_mix(id * 5 + 5) & 0xffffffffffULL;
	s->rbx = id;
	s->rcx = th_mix(id);
	s->pid = (uint32_t)(id % 4000000) + 1;
	s->tgid = s->pid;
	snprintf(s->comm, sizeof(s->comm), "t%llu", (unsigned long long)(id % 100000));
}

int ut_record_ok(const struct monster_sample *s)
{
	uint64_t c = monster_sample_combined(s);

	return s->rcx == th_mix(s->rbx) && s->shard == monster_shard(c) &&
	       s->hecke == monster_hecke(c, s->shard);
}

int main(int argc, char **argv)
{
	const struct th_test *suites[] = { uapi_tests, ring_tests, error_tests, abi_tests,
					    event_tests };
	size_t s;

	if (th_begin_tests("unit"))
		return 1;
	for (s = 0; s < TH_ARRAY_SIZE(suites); s++)
		th_run(suites[s], argc - 1, argv + 1);
	return th_end();
}
