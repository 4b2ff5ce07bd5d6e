// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - what monsterctl's commands share: their messages for bad usage
 * and failures, reading the state, the names of the values the ABI
 * defines, and how a long-running command learns it was interrupted.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static const char *const kind_names[] = {
	[MONSTER_KIND_SAMPLE] = "sample",
	[MONSTER_KIND_FORK] = "fork",
	[MONSTER_KIND_EXEC] = "exec",
	[MONSTER_KIND_EXIT] = "exit",
	[MONSTER_KIND_FAULT] = "fault",
	[MONSTER_KIND_RECLAIM] = "reclaim",
};

#define NR_KIND_NAMES (sizeof(kind_names) / sizeof(kind_names[0]))

const char *kind_name(unsigned int kind)
{
	return kind < NR_KIND_NAMES ? kind_names[kind] : NULL;
}

/* The kind called name (len bytes), if allow has it: 0, or -1. */
static int kind_value(const char *name, size_t len, unsigned int allow, unsigned int *kind)
{
	unsigned int k;

	for (k = 0; k < NR_KIND_NAMES; k++) {
		if (kind_names[k] && (allow & MONSTER_EVENT(k)) && strlen(kind_names[k]) == len &&
		    !strncmp(name, kind_names[k], len)) {
			*kind = k;
			return 0;
		}
	}
	return -1;
}

int kinds_value(const char *list, unsigned int allow, unsigned int *kinds)
{
	const char *p = list;
	unsigned int k;

	if (!strcmp(list, "all")) {
		*kinds = allow & MONSTER_EVENTS_ALL;
		return 0;
	}
	*kinds = 0;
	for (;;) {
		size_t len = strcspn(p, ",");

		if (kind_value(p, len, allow, &k))
			return -1;
		*kinds |= MONSTER_EVENT(k);
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

void fmt_kinds(char *buf, size_t len, unsigned int kinds)
{
	size_t n = 0;
	unsigned int k;

	buf[0] = '\0';
	for (k = 0; k < 32 && n < len; k++) {
		if (!(kinds >> k & 1) || !kind_name(k))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", kind_name(k));
		kinds &= ~MONSTER_EVENT(k);
	}
	if (kinds && n < len)
		snprintf(buf + n, len - n, "%s%#x", n ? "," : "", kinds);
	else if (!n)
		snprintf(buf, len, "none");
}

int get_kind_stats(struct lmonster *h, struct monster_kind_stats *ks, bool *have)
{
	struct monster_info in;
	int ret;

	*have = false;
	if (lmonster_info(h, &in) || !(in.features & MONSTER_FEAT_EVENTS))
		return 0;	/* a driver from before record kinds: nothing to show */
	ret = lmonster_kind_stats(h, ks);
	if (ret)
		return lib_error(ret);
	*have = true;
	return 0;
}

volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

void catch_interrupts(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;	/* no SA_RESTART: a sleep or wait ends at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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

/* The events being recorded and the fault filters, when any is set. */
void print_event_mode(const struct monster_config *cfg)
{
	char kinds[96], tgid[32], every[32];

	fmt_kinds(kinds, sizeof(kinds), cfg->events);
	printf("Events: %s", kinds);
	if ((cfg->events & MONSTER_EVENT(MONSTER_KIND_FAULT)) || cfg->fault_tgid ||
	    cfg->fault_every) {
		if (cfg->fault_tgid)
			snprintf(tgid, sizeof(tgid), "process %u", cfg->fault_tgid);
		else
			snprintf(tgid, sizeof(tgid), "every process");
		if (cfg->fault_every > 1)
			snprintf(every, sizeof(every), "one in %u", cfg->fault_every);
		else
			snprintf(every, sizeof(every), "every one");
		printf("; faults of %s, %s", tgid, every);
	}
	printf("\n");
}

double ms(__u64 ns)
{
	return (double)ns / 1e6;
}

unsigned long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (unsigned long)((t1.tv_sec - t0->tv_sec) * 1000 +
			       (t1.tv_nsec - t0->tv_nsec) / 1000000);
}
