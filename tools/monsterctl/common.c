// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - what monsterctl's commands share: their messages for bad usage
 * and failures, reading the state, and the names of the values the ABI
 * defines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "monsterctl.h"

const char *const prog = "monsterctl";
const char *device_path;
const struct command *current_command;

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	if (current_command)
		fprintf(stderr, "%s: ", current_command->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (current_command)
		fprintf(stderr, " (see %s %s --help)\n", prog, current_command->name);
	else
		fprintf(stderr, " (see %s --help)\n", prog);
	return EXIT_USAGE;
}

const char *dev_name(void)
{
	return device_path ? device_path : MONSTER_DEVICE_PATH;
}

/* One line for a library error, with a hint where the code alone is ambiguous. */
int lib_error(int err)
{
	const char *what = current_command ? current_command->name : "open";

	if (err == -ENOENT && device_path && strcmp(device_path, MONSTER_DEVICE_PATH))
		fprintf(stderr, "%s: %s: no such file: give --device the monster device or a "
			"ring-set file\n", prog, device_path);
	else
		fprintf(stderr, "%s: %s: %s: %s\n", prog, what, dev_name(), lmonster_strerror(err));
	return EXIT_FAILED;
}

/* lib_error(), but -EBUSY explained by fmt: what it means to this command. */
int busy_error(int err, const char *fmt, ...)
{
	va_list ap;

	if (err != -EBUSY)
		return lib_error(err);
	fprintf(stderr, "%s: %s: ", prog, current_command->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

/* Writing the output failed (err from the JSON writer). */
int print_error(int err)
{
	fprintf(stderr, "%s: %s: cannot print the output: %s\n", prog, current_command->name,
		strerror(-err));
	return EXIT_FAILED;
}

int get_stats_config(struct lmonster *h, struct monster_stats *st, struct monster_config *cfg)
{
	int ret = lmonster_stats(h, st);

	if (!ret)
		ret = lmonster_get_config(h, cfg);
	return ret ? lib_error(ret) : 0;
}

bool is_file_set(struct lmonster *h)
{
	return (lmonster_flags(h) & (int)LMONSTER_F_FILE) != 0;
}

static const char *const scope_names[] = {
	[MONSTER_SCOPE_PROCESS] = "process",
	[MONSTER_SCOPE_THREAD] = "thread",
};

#define NR_SCOPE_NAMES (sizeof(scope_names) / sizeof(scope_names[0]))

const char *scope_name(unsigned int scope)
{
	return scope < NR_SCOPE_NAMES && monster_scope_valid(scope) ? scope_names[scope] :
	       "unknown";
}

/* The scope called name: 0, or -1 when there is none. */
int scope_value(const char *name, unsigned int *scope)
{
	unsigned int v;

	for (v = 0; v < NR_SCOPE_NAMES; v++) {
		if (monster_scope_valid(v) && !strcmp(name, scope_names[v])) {
			*scope = v;
			return 0;
		}
	}
	return -1;
}

void fmt_node(char *buf, size_t len, int node)
{
	if (node < 0)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%d", node);
}

/* How sweeps run, when not the default (every task, threads as needed). */
void print_sweep_mode(const struct monster_config *cfg)
{
	char threads[16];

	if (cfg->sweep_threads)
		snprintf(threads, sizeof(threads), "%u", cfg->sweep_threads);
	else
		snprintf(threads, sizeof(threads), "as needed");
	if (cfg->flags & MONSTER_CF_CHANGED_ONLY)
		printf("Sweeps: changed tasks only, every task every %u sweeps; threads %s\n",
		       cfg->keyframe ? cfg->keyframe : MONSTER_KEYFRAME_DEFAULT, threads);
	else
		printf("Sweeps: every task; threads %s\n", threads);
}

double ms(__u64 ns)
{
	return (double)ns / 1e6;
}
