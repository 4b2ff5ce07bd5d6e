/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unit.h - what the native unit tests of liblmonster share on top of the
 * harness (../harness.h: CHECK, PASSED, th_path, ...): CHECK_RET with the
 * library's message, records a consumer can check, and the suites.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdint.h>
#include <stdio.h>

#include "../harness.h"
#include "lmonster.h"

/* -errno checks with the library's message in the failure line */
#define CHECK_RET(expr, want) CHECK_RET_MSG(lmonster_strerror, expr, want)

/* A record whose payload lets a consumer check it: rbx = id, rcx = th_mix(id). */
void ut_make_record(struct monster_sample *s, uint64_t id);
int ut_record_ok(const struct monster_sample *s);

extern const struct th_test uapi_tests[], ring_tests[], error_tests[], abi_tests[];
extern const struct th_test event_tests[];

#endif /* UNIT_H */
