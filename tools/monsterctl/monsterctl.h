/* SPDX-License-Identifier: GPL-2.0 */
/*
 * monsterctl.h - what monsterctl's files share: the shape of a command,
 * the helpers every command uses (common.c), the status lines that status
 * and watch both print (show.c) and the forms of a record that dump and
 * events both print (record.c).
 *
 * Exit status: 0 success, 1 the device refused or failed, 2 bad usage.
 * Every error is one line on stderr naming the problem and the fix; input
 * is validated completely before anything is changed.
 */
#ifndef MONSTERCTL_H
#define MONSTERCTL_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lmonster.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

/*
 * A command: its arguments are parsed into ctx (before the device is
 * touched), then run() works on the device opened with open_flags and
 * returns the exit status.
 */
struct command {
	const char *name;
	const char *args;
	const char *summary;	/* one line for the command list */
	const char *help;
	/* getopt_long's options, each handed to on_option (NULL: only --help) */
	const char *optstring;
	const struct option *options;
	int (*on_option)(int opt, const char *arg, void *ctx);
	/* or the operands, argv[0] being the command's name: 0 or the usage exit status */
	int (*parse)(int argc, char **argv, void *ctx);
	unsigned int open_flags;
	int (*run)(struct lmonster *h, void *ctx);
	void *ctx;
};

extern const struct command cmd_info, cmd_status, cmd_stats;	/* show.c */
extern const struct command cmd_start, cmd_stop, cmd_set, cmd_reset;	/* control.c */
extern const struct command cmd_dump;	/* dump.c */
extern const struct command cmd_watch;	/* watch.c */
extern const struct command cmd_events;	/* events.c */

/* common.c */
extern const char *const prog;
extern const char *device_path;		/* --device; NULL: MONSTER_DEVICE_PATH */
extern const struct command *current_command;	/* named in messages */

int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int lib_error(int err);
int busy_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int print_error(int err);
const char *dev_name(void);
int get_stats_config(struct lmonster *h, struct monster_stats *st,
		     struct monster_config *cfg);
bool is_file_set(struct lmonster *h);
const char *scope_name(unsigned int scope);
int scope_value(const char *name, unsigned int *scope);
void fmt_node(char *buf, size_t len, int node);
void print_sweep_mode(const struct monster_config *cfg);
void print_event_mode(const struct monster_config *cfg);
double ms(__u64 ns);
/* Milliseconds of CLOCK_MONOTONIC since t0. */
unsigned long ms_since(const struct timespec *t0);
/* SIGINT and SIGTERM set interrupted and cut a sleep or wait short (no SA_RESTART). */
extern volatile sig_atomic_t interrupted;
void catch_interrupts(void);
/* The name of a record kind, NULL for one monsterctl does not know (it is not printed). */
const char *kind_name(unsigned int kind);
/*
 * A comma-separated list of kind names, or "all" (every event kind), as
 * MONSTER_EVENT() bits; only the kinds in allow may be named. 0, or -1.
 */
int kinds_value(const char *list, unsigned int allow, unsigned int *kinds);
/* MONSTER_EVENT() bits as "fork,exec" ("none" for 0; bits without a name in hex). */
void fmt_kinds(char *buf, size_t len, unsigned int kinds);
/*
 * lmonster_kind_stats(): 0 with *have set, or 0 with *have false from a
 * driver without record kinds, or the exit status of a failure (printed).
 */
int get_kind_stats(struct lmonster *h, struct monster_kind_stats *ks, bool *have);

/* show.c */
void print_sampler_line(struct lmonster *h, const struct monster_stats *st,
			const struct monster_config *cfg);
void print_ring_line(const struct monster_ring_stats *r, unsigned int i, const double *rate);

/* record.c: a record of any kind monsterctl knows (kind_name() not NULL) */
struct jsonw;
void print_record_header(void);
void print_record_text(unsigned int ring, const struct monster_sample *s);
/* One JSON line; 0 or the JSON writer's error. */
int print_record_json(struct jsonw *w, unsigned int ring, const struct monster_sample *s);

#endif /* MONSTERCTL_H */
