// SPDX-License-Identifier: GPL-2.0
/*
 * control.c - monsterctl start, stop, reset and set: the commands that
 * change the sampler. Every value is checked with the ABI's rules before
 * the device is opened; a change is one request, all or nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "monsterctl.h"
#include "parse_num.h"

#define SET_KEYS "rate, scope, slots, node, changed_only, keyframe, sweep_threads, events, " \
		 "fault_tgid, fault_every"

static int parse_rate(const char *s, unsigned int *rate)
{
	unsigned long v;

	if (parse_ulong(s, 0, UINT32_MAX, &v) || !monster_rate_valid((__u32)v))
		return usage_error("rate must be %u..%u Hz (got '%s')", MONSTER_RATE_MIN,
				   MONSTER_RATE_MAX, s);
	*rate = (unsigned int)v;
	return 0;
}

/* ---- start ---- */

static int start_option(int opt, const char *arg, void *rate)
{
	return opt == 'r' ? parse_rate(arg, rate) : 0;
}

/* Start at rate (0: the configured one); a rate set for a start that fails is undone. */
static int start_sampler(struct lmonster *h, unsigned int rate, struct monster_config *cfg)
{
	struct monster_config old;
	struct monster_stats st;
	int ret = lmonster_get_config(h, &old);

	if (!ret)
		ret = lmonster_stats(h, &st);
	if (!ret && is_file_set(h))
		ret = -EOPNOTSUPP;
	if (!ret && st.running)
		ret = -EBUSY;	/* say so before touching the rate */
	*cfg = old;
	if (!ret && rate) {
		cfg->rate_hz = rate;
		ret = lmonster_set_config(h, cfg);
	}
	if (!ret) {
		ret = lmonster_start(h);
		if (ret && rate)
			lmonster_set_config(h, &old);
	}
	return ret;
}

static int run_start(struct lmonster *h, void *rate)
{
	struct monster_config cfg;
	int ret = start_sampler(h, *(unsigned int *)rate, &cfg);

	if (ret)
		return busy_error(ret, "the sampler is already running (%s stop first)", prog);
	printf("monster: sampling at %u Hz, scope %s\n", cfg.rate_hz, scope_name(cfg.scope));
	return 0;
}

static const struct option start_options[] = {
	{ "rate", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static unsigned int start_rate;	/* 0: the configured rate */

const struct command cmd_start = {
	.name = "start",
	.args = "[--rate HZ]",
	.summary = "start sampling",
	.help = "Start sampling. --rate HZ (1..10000) sets the rate first; if starting fails the\n"
		"old rate is restored.\n",
	.optstring = "+r:h",
	.options = start_options,
	.on_option = start_option,
	.open_flags = LMONSTER_OPEN_CONTROL,
	.run = run_start,
	.ctx = &start_rate,
};

/* ---- stop, reset ---- */

static int run_simple(struct lmonster *h, int (*op)(struct lmonster *), const char *done)
{
	int ret = op(h);

	if (ret)
		return lib_error(ret);
	printf("monster: %s\n", done);
	return 0;
}

static int run_stop(struct lmonster *h, void *ctx)
{
	(void)ctx;
	return run_simple(h, lmonster_stop, "stopped");
}

static int run_reset(struct lmonster *h, void *ctx)
{
	(void)ctx;
	return run_simple(h, lmonster_reset, "statistics reset");
}

const struct command cmd_stop = {
	.name = "stop",
	.args = "",
	.summary = "stop sampling",
	.help = "Stop sampling (stopping a stopped sampler is not an error).\n",
	.open_flags = LMONSTER_OPEN_CONTROL,
	.run = run_stop,
};

const struct command cmd_reset = {
	.name = "reset",
	.args = "",
	.summary = "zero the sweep statistics",
	.help = "Zero the sweep statistics and bad-tail counters (ring indices stay).\n",
	.open_flags = LMONSTER_OPEN_CONTROL,
	.run = run_reset,
};

/* ---- set ---- */

enum {
	HAVE_RATE = 1, HAVE_SCOPE = 2, HAVE_SLOTS = 4, HAVE_NODE = 8, HAVE_CHANGED = 16,
	HAVE_KEYFRAME = 32, HAVE_THREADS = 64, HAVE_EVENTS = 128, HAVE_FAULT_TGID = 256,
	HAVE_FAULT_EVERY = 512,
};

/* The new values of a set: the fields of cfg that have names (HAVE_*). */
struct settings {
	struct monster_config cfg;
	unsigned int have;
};

static int set_rate(const char *val, struct settings *s)
{
	return parse_rate(val, &s->cfg.rate_hz);
}

static int set_scope(const char *val, struct settings *s)
{
	if (scope_value(val, &s->cfg.scope))
		return usage_error("scope must be 'process' or 'thread' (got '%s')", val);
	return 0;
}

static int set_slots(const char *val, struct settings *s)
{
	unsigned long v;

	if (parse_ulong(val, 0, UINT32_MAX, &v) || !monster_slots_valid((__u32)v))
		return usage_error("slots must be a power of two in %u..%u (got '%s')",
				   MONSTER_SLOTS_MIN, MONSTER_SLOTS_MAX, val);
	s->cfg.ring_slots = (__u32)v;
	return 0;
}

static int set_node(const char *val, struct settings *s)
{
	unsigned long v;

	if (!strcmp(val, "any") || !strcmp(val, "-1"))
		s->cfg.numa_node = MONSTER_NODE_ANY;
	else if (!parse_ulong(val, 0, 4095, &v))
		s->cfg.numa_node = (int)v;
	else
		return usage_error("node must be 'any' or a NUMA node number (got '%s')", val);
	return 0;
}

static int set_changed_only(const char *val, struct settings *s)
{
	if (!strcmp(val, "1"))
		s->cfg.flags |= MONSTER_CF_CHANGED_ONLY;
	else if (!strcmp(val, "0"))
		s->cfg.flags &= ~MONSTER_CF_CHANGED_ONLY;
	else
		return usage_error("changed_only must be 0 or 1 (got '%s')", val);
	return 0;
}

static int set_keyframe(const char *val, struct settings *s)
{
	unsigned long v;

	if (parse_ulong(val, 0, UINT32_MAX, &v) || !monster_keyframe_valid((__u32)v))
		return usage_error("keyframe must be 0 (default: %u) or a sweep count up to %u "
				   "(got '%s')", MONSTER_KEYFRAME_DEFAULT, MONSTER_KEYFRAME_MAX, val);
	s->cfg.keyframe = (__u32)v;
	return 0;
}

static int set_sweep_threads(const char *val, struct settings *s)
{
	unsigned long v;

	if (parse_ulong(val, 0, UINT32_MAX, &v) || !monster_sweep_threads_valid((__u32)v))
		return usage_error("sweep_threads must be 0 (as many as needed) or 1..%u (got '%s')",
				   MONSTER_SWEEP_THREADS_MAX, val);
	s->cfg.sweep_threads = (__u32)v;
	return 0;
}

static int set_events(const char *val, struct settings *s)
{
	if (!strcmp(val, "none"))
		s->cfg.events = 0;
	else if (kinds_value(val, MONSTER_EVENTS_ALL, &s->cfg.events))
		return usage_error("events must be 'none', 'all' or a list of fork, exec, exit, "
				   "fault, reclaim (got '%s')", val);
	return 0;
}

/* A 32-bit count or id, 0 allowed: 0, or -1. */
static int parse_u32(const char *val, __u32 *v)
{
	unsigned long x;

	if (parse_ulong(val, 0, UINT32_MAX, &x))
		return -1;
	*v = (__u32)x;
	return 0;
}

static int set_fault_tgid(const char *val, struct settings *s)
{
	if (parse_u32(val, &s->cfg.fault_tgid))
		return usage_error("fault_tgid must be 0 (every process) or a process id (got '%s')",
				   val);
	return 0;
}

static int set_fault_every(const char *val, struct settings *s)
{
	if (parse_u32(val, &s->cfg.fault_every))
		return usage_error("fault_every must be 0 or 1 (every fault) or N, one fault in N "
				   "(got '%s')", val);
	return 0;
}

static const struct {
	const char *name;
	unsigned int bit;
	int (*parse)(const char *val, struct settings *s);
} set_keys[] = {
	{ "rate", HAVE_RATE, set_rate },
	{ "scope", HAVE_SCOPE, set_scope },
	{ "slots", HAVE_SLOTS, set_slots },
	{ "node", HAVE_NODE, set_node },
	{ "changed_only", HAVE_CHANGED, set_changed_only },
	{ "keyframe", HAVE_KEYFRAME, set_keyframe },
	{ "sweep_threads", HAVE_THREADS, set_sweep_threads },
	{ "events", HAVE_EVENTS, set_events },
	{ "fault_tgid", HAVE_FAULT_TGID, set_fault_tgid },
	{ "fault_every", HAVE_FAULT_EVERY, set_fault_every },
};

#define NR_SET_KEYS (sizeof(set_keys) / sizeof(set_keys[0]))

/* One KEY=VALUE into s: 0, or the usage exit status. */
static int parse_setting(const char *arg, struct settings *s)
{
	const char *eq = strchr(arg, '=');
	size_t klen, k;
	int ret;

	if (arg[0] == '-')
		return usage_error("unknown option '%s'", arg);
	if (!eq || eq == arg)
		return usage_error("expected KEY=VALUE, got '%s'", arg);
	klen = (size_t)(eq - arg);
	for (k = 0; k < NR_SET_KEYS; k++)
		if (strlen(set_keys[k].name) == klen && !strncmp(arg, set_keys[k].name, klen))
			break;
	if (k == NR_SET_KEYS)
		return usage_error("unknown key '%.*s' (keys: " SET_KEYS ")", (int)klen, arg);
	ret = set_keys[k].parse(eq + 1, s);
	if (ret)
		return ret;
	if (s->have & set_keys[k].bit)
		return usage_error("'%.*s' given twice", (int)klen, arg);
	s->have |= set_keys[k].bit;
	return 0;
}

/* The device's configuration with the settings applied, in one request. */
static int apply_settings(struct lmonster *h, const struct settings *s, struct monster_config *cfg)
{
	int ret = lmonster_get_config(h, cfg);

	if (!ret && is_file_set(h))
		ret = -EOPNOTSUPP;
	if (ret)
		return ret;
	if (s->have & HAVE_RATE)
		cfg->rate_hz = s->cfg.rate_hz;
	if (s->have & HAVE_SCOPE)
		cfg->scope = s->cfg.scope;
	if (s->have & HAVE_SLOTS)
		cfg->ring_slots = s->cfg.ring_slots;
	if (s->have & HAVE_NODE)
		cfg->numa_node = s->cfg.numa_node;
	if (s->have & HAVE_CHANGED)
		cfg->flags = (cfg->flags & ~MONSTER_CF_CHANGED_ONLY) |
			     (s->cfg.flags & MONSTER_CF_CHANGED_ONLY);
	if (s->have & HAVE_KEYFRAME)
		cfg->keyframe = s->cfg.keyframe;
	if (s->have & HAVE_THREADS)
		cfg->sweep_threads = s->cfg.sweep_threads;
	if (s->have & HAVE_EVENTS)
		cfg->events = s->cfg.events;
	if (s->have & HAVE_FAULT_TGID)
		cfg->fault_tgid = s->cfg.fault_tgid;
	if (s->have & HAVE_FAULT_EVERY)
		cfg->fault_every = s->cfg.fault_every;
	return lmonster_set_config(h, cfg);
}

/* Every KEY=VALUE, all checked before the device is opened. */
static int parse_set(int argc, char **argv, void *settings)
{
	int i, ret;

	if (argc < 2)
		return usage_error("nothing to set: give KEY=VALUE (keys: " SET_KEYS ")");
	for (i = 1; i < argc; i++) {
		ret = parse_setting(argv[i], settings);
		if (ret)
			return ret;
	}
	return 0;
}

static int run_set(struct lmonster *h, void *settings)
{
	struct monster_config cfg;
	char node[16];
	int ret = apply_settings(h, settings, &cfg);

	if (ret)
		return busy_error(ret, "slots, node and sweep_threads change only while the sampler "
				  "is stopped, slots and node also only while no other program has "
				  "%s open (%s stop; close consumers)", dev_name(), prog);
	fmt_node(node, sizeof(node), cfg.numa_node);
	printf("monster: rate %u Hz, scope %s, %u slots per ring, NUMA node %s\n", cfg.rate_hz,
	       scope_name(cfg.scope), cfg.ring_slots, node);
	if ((cfg.flags & MONSTER_CF_CHANGED_ONLY) || cfg.keyframe || cfg.sweep_threads) {
		fputs("monster: ", stdout);
		print_sweep_mode(&cfg);
	}
	if (cfg.events || cfg.fault_tgid || cfg.fault_every) {
		fputs("monster: ", stdout);
		print_event_mode(&cfg);
	}
	return 0;
}

static struct settings set_values;

const struct command cmd_set = {
	.name = "set",
	.args = "KEY=VALUE...",
	.summary = "change rate, scope, slots, node, sweep mode, events",
	.help = "Change the configuration in one step; every value is checked before any is\n"
		"applied. Keys:\n"
		"  rate=HZ                 1..10000 samples per second\n"
		"  scope=process|thread    one record per process or per thread\n"
		"  slots=N                 records per ring, a power of two in 64..262144\n"
		"  node=N|any              NUMA node for the ring memory\n"
		"  changed_only=0|1        1: a task that has not run since the previous sweep\n"
		"                          gets no record, but in every keyframe-th sweep\n"
		"  keyframe=N              with changed_only, every Nth sweep writes every task\n"
		"                          (0: every 100th)\n"
		"  sweep_threads=N         threads a sweep may use (0: as many as keep it within\n"
		"                          half a period, up to the CPUs)\n"
		"  events=LIST|all|none    the events to record while the sampler runs: fork,\n"
		"                          exec, exit, fault, reclaim (see monsterctl events)\n"
		"  fault_tgid=N            fault events of process N only (0: of every process)\n"
		"  fault_every=N           one fault event in N (0 or 1: every fault)\n"
		"slots and node re-allocate the rings: only while the sampler is stopped and\n"
		"no other program has the device open; sweep_threads only while stopped.\n",
	.parse = parse_set,
	.open_flags = LMONSTER_OPEN_CONTROL,
	.run = run_set,
	.ctx = &set_values,
};
