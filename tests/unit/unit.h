/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unit.h - the native unit tests' tiny harness. A test is a function that
 * runs CHECKs and ends with PASSED(detail); the first failing CHECK prints
 * "FAIL <tag/name>: file:line: message" and jumps to the test's "out:"
 * label, where it frees what it holds (ASan's leak check runs at exit).
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdint.h>
#include <stdio.h>

#include "lmonster.h"

struct unit_test {
	const char *name;
	void (*fn)(void);
};

void ut_begin(const char *name);
__attribute__((format(printf, 3, 4)))
void ut_fail(const char *file, int line, const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void ut_pass(const char *fmt, ...);
/* Scales record counts: 1 natively, smaller under sanitizers (UNIT_SCALE). */
unsigned long ut_scale(unsigned long native);
/* Open file descriptors and mappings of this process, to catch leaks. */
int ut_count_fds(void);
int ut_count_maps(void);
/* A fresh path under the test's temporary directory. */
const char *ut_path(const char *base);
/* splitmix64: deterministic per-index pseudo-random values. */
uint64_t ut_mix(uint64_t x);
/* A record whose payload lets a consumer check it: rbx = id, rcx = ut_mix(id). */
void ut_make_record(struct monster_sample *s, uint64_t id);
int ut_record_ok(const struct monster_sample *s);

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			ut_fail(__FILE__, __LINE__, __VA_ARGS__);     \
			goto out;                                     \
		}                                                     \
	} while (0)

/* -errno checks with the library's message in the failure line */
#define CHECK_RET(expr, want)                                                     \
	do {                                                                      \
		int ut_r_ = (expr);                                               \
		if (ut_r_ != (want)) {                                            \
			ut_fail(__FILE__, __LINE__, "%s = %d (%s), expected %d", #expr, \
				ut_r_, lmonster_strerror(ut_r_), (want));         \
			goto out;                                                 \
		}                                                                 \
	} while (0)

#define PASSED(...) ut_pass(__VA_ARGS__)

extern const struct unit_test uapi_tests[], ring_tests[], error_tests[], abi_tests[];

#endif /* UNIT_H */
