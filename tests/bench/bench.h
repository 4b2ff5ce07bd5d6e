/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - helpers shared by the `make bench` programs (spawn, procscan, monbench).
 *
 * Every measurement is printed as one raw line
 *
 *	BENCH <key> <value>
 *
 * one line per run; tests/bench/report.sh groups the lines by key and prints the
 * median and the spread (min-max) of each. Facts about the machine are printed as
 * `BENCHINFO <key> <text>`. Anything else a program prints is commentary for the log.
 * The clock and sleeps are the test harness's (../harness.h); bench.c has the rest.
 */
#ifndef MONSTER_BENCH_H
#define MONSTER_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"

/* One raw figure: key is "<prefix>.<metric>", e.g. vm.n1000.kernel.ns_per_task. */
void bench_out(double value, const char *fmt, ...) TH_PRINTF(2, 3);
/* A fact about the machine: BENCHINFO <key> <text>. */
void bench_info(const char *key, const char *fmt, ...) TH_PRINTF(2, 3);
/* "<prog>: <message>" on stderr, exit 1. */
void bench_die(const char *prog, const char *fmt, ...) TH_PRINTF(2, 3) __attribute__((noreturn));
/* The q-quantile (0..1) of v[0..n), nearest rank; sorts v. */
double bench_quantile(double *v, size_t n, double q);
/* Parses "--name value" style options into unsigned values; returns 1 if it took argv[*i]. */
int bench_opt_uint(int argc, char **argv, int *i, const char *name, unsigned long *out);
/* The same for a string value. */
int bench_opt_str(int argc, char **argv, int *i, const char *name, const char **out);

#endif /* MONSTER_BENCH_H */
