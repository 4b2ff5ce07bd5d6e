// SPDX-License-Identifier: GPL-2.0
/*
 * monsterctl - control and inspect /dev/monster (or a file-backed ring set)
 * through liblmonster.
 *
 * Exit status: 0 success, 1 the device refused or failed, 2 bad usage.
 * Every error is one line on stderr naming the problem and the fix; input
 * is validated completely before anything is changed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lmonster.h"
#include "parse_num.h"

#ifndef MONSTERCTL_VERSION
#define MONSTERCTL_VERSION "unknown"
#endif

#define EXIT_USAGE 2

static const char *prog = "monsterctl";
static const char *device_path;		/* NULL: MONSTER_DEVICE_PATH */
static volatile sig_atomic_t interrupted;

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *summary;	/* one line for the command list */
	const char *help;
};

static const struct command *cur;	/* the command being run, for messages */

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	if (cur)
		fprintf(stderr, "%s: ", cur->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cur)
		fprintf(stderr, " (see %s %s --help)\n", prog, cur->name);
	else
		fprintf(stderr, " (see %s --help)\n", prog);
	return EXIT_USAGE;
}

static const char *dev_name(void)
{
	return device_path ? device_path : MONSTER_DEVICE_PATH;
}

/* One line for a library error, with a hint where the code alone is ambiguous. */
static int lib_error(int err)
{
	const char *what = cur ? cur->name : "open";

	if (err == -ENOENT && device_path && strcmp(device_path, MONSTER_DEVICE_PATH))
		fprintf(stderr, "%s: %s: no such file: give --device the monster device or a "
			"ring-set file\n", prog, device_path);
	else if (err == -EBUSY && cur && !strcmp(cur->name, "start"))
		fprintf(stderr, "%s: start: the sampler is already running (%s stop first)\n",
			prog, prog);
	else if (err == -EBUSY && cur && !strcmp(cur->name, "set"))
		fprintf(stderr, "%s: set: slots and node change only while the sampler is stopped "
			"and no other program has %s open (%s stop; close consumers)\n", prog,
			dev_name(), prog);
	else if (err == -EBUSY && cur && !strcmp(cur->name, "dump"))
		fprintf(stderr, "%s: dump: a ring is being consumed by another program (one consumer "
			"per ring: stop it or dump another --ring)\n", prog);
	else
		fprintf(stderr, "%s: %s: %s: %s\n", prog, what, dev_name(), lmonster_strerror(err));
	return 1;
}

static int open_dev(unsigned int flags, struct lmonster **h)
{
	int ret = lmonster_open(device_path, flags, h);

	return ret ? lib_error(ret) : 0;
}

static int is_file_set(struct lmonster *h)
{
	return (lmonster_flags(h) & (int)LMONSTER_F_FILE) != 0;
}

static const char *scope_name(unsigned int scope)
{
	return scope == MONSTER_SCOPE_THREAD ? "thread" : scope == MONSTER_SCOPE_PROCESS ?
	       "process" : "unknown";
}

static void fmt_node(char *buf, size_t len, int node)
{
	if (node < 0)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%d", node);
}

static double ms(__u64 ns)
{
	return (double)ns / 1e6;
}

/* Whether a command's arguments ask for help: answered before anything is validated. */
static int want_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

static void command_help(const struct command *c, FILE *f)
{
	fprintf(f, "usage: %s [--device PATH] %s%s%s\n\n%s", prog, c->name, *c->args ? " " : "",
		c->args, c->help);
}

/* getopt_long said '?': a missing value, or an option the command does not have. */
static int bad_option(char **argv, const char *optstring)
{
	const char *o = optopt ? strchr(optstring, optopt) : NULL;

	if (o && o[1] == ':')
		return usage_error("option '%s' needs a value", argv[optind - 1]);
	if (optopt)
		return usage_error("unknown option '-%c'", optopt);
	return usage_error("unknown option '%s'", argv[optind - 1]);
}

static int no_args(int argc, char **argv, const struct option *opts)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1)
		if (c == '?')
			return bad_option(argv, "+h");
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* ---- info ---- */

static int cmd_info(int argc, char **argv)
{
	struct lmonster *h;
	struct monster_info in;
	char node[16];
	unsigned int i;
	int ret = no_args(argc, argv, help_only);

	if (ret)
		return ret;
	ret = open_dev(LMONSTER_OPEN_CONTROL, &h);
	if (ret)
		return ret;
	lmonster_info(h, &in);
	fmt_node(node, sizeof(node), in.numa_node);
	printf("device       %s\n", dev_name());
	printf("kind         %s\n", is_file_set(h) ? "file-backed ring set" : "monster device");
	printf("abi          %u (liblmonster %s)\n", in.abi_major, lmonster_version());
	printf("rings        %u x %u slots x %u bytes (%.1f KiB per ring)\n", in.nr_rings,
	       in.ring_slots, in.record_size, (double)in.ring_bytes / 1024);
	printf("map size     %llu bytes (%.1f MiB)\n", (unsigned long long)in.map_size,
	       (double)in.map_size / (1024 * 1024));
	printf("numa node    %s\n", node);
	printf("page size    %u\n", in.page_size);
	printf("tails        offset %llu, %llu bytes (read-write)\n",
	       (unsigned long long)in.tails_offset, (unsigned long long)in.tails_size);
	printf("headers      offset %llu, %llu bytes (read-only)\n",
	       (unsigned long long)in.headers_offset, (unsigned long long)in.headers_size);
	printf("data         offset %llu, %llu bytes (read-only)\n",
	       (unsigned long long)in.data_offset, (unsigned long long)in.data_size);
	printf("primes      ");
	for (i = 0; i < in.nr_rings && i < MONSTER_NR_RINGS; i++)
		printf(" %u", in.primes[i]);
	printf("\n");
	lmonster_close(h);
	return 0;
}

/* ---- status / stats ---- */

static int get_all(struct lmonster *h, struct monster_stats *st, struct monster_config *cfg)
{
	int ret = lmonster_stats(h, st);

	if (!ret)
		ret = lmonster_get_config(h, cfg);
	return ret ? lib_error(ret) : 0;
}

static void print_sampler_line(struct lmonster *h, const struct monster_stats *st,
			       const struct monster_config *cfg)
{
	char node[16];

	fmt_node(node, sizeof(node), cfg->numa_node);
	if (is_file_set(h))
		printf("Sampler: file-backed ring set (recorded at %u Hz, scope %s, %u slots per ring)\n",
		       st->rate_hz, scope_name(st->scope), cfg->ring_slots);
	else
		printf("Sampler: %s at %u Hz (scope %s, %u slots per ring, NUMA node %s)\n",
		       st->running ? "running" : "stopped", st->rate_hz, scope_name(st->scope),
		       cfg->ring_slots, node);
	printf("Sweeps: %llu, overruns %llu, last sweep %.3f ms, max sweep %.3f ms, "
	       "%llu tasks in the last sweep\n", (unsigned long long)st->sweeps,
	       (unsigned long long)st->overruns, ms(st->last_sweep_ns), ms(st->max_sweep_ns),
	       (unsigned long long)st->last_sweep_tasks);
}

/* The seed's "Statistics" line, plus what was lost. */
static void print_ring_line(const struct monster_ring_stats *r, unsigned int i, const double *rate)
{
	printf("Prime %2u (shard %2u): %llu samples, ring: %llu/%u, dropped %llu", r->prime, i,
	       (unsigned long long)r->produced, (unsigned long long)r->fill, r->slots,
	       (unsigned long long)r->dropped);
	if (rate)
		printf(", %.1f/s", *rate);
	printf("\n");
}

static int cmd_status(int argc, char **argv)
{
	struct monster_stats st;
	struct monster_config cfg;
	struct lmonster *h;
	__u64 total = 0, dropped = 0;
	unsigned int i;
	int ret = no_args(argc, argv, help_only);

	if (ret)
		return ret;
	ret = open_dev(LMONSTER_OPEN_CONTROL, &h);
	if (ret)
		return ret;
	ret = get_all(h, &st, &cfg);
	if (!ret) {
		for (i = 0; i < MONSTER_NR_RINGS; i++) {
			total += st.ring[i].produced;
			dropped += st.ring[i].dropped;
		}
		printf("=== Monster Process Sampler Statistics ===\n");
		print_sampler_line(h, &st, &cfg);
		printf("Total samples: %llu (dropped %llu)\n", (unsigned long long)total,
		       (unsigned long long)dropped);
		for (i = 0; i < MONSTER_NR_RINGS; i++)
			print_ring_line(&st.ring[i], i, NULL);
	}
	lmonster_close(h);
	return ret;
}

static void print_stats_json(struct lmonster *h, const struct monster_stats *st,
			     const struct monster_config *cfg)
{
	unsigned int i;

	printf("{\"device\":\"%s\",\"file_backed\":%s,\"running\":%s,\"rate_hz\":%u,"
	       "\"scope\":\"%s\",\"ring_slots\":%u,\"numa_node\":%d,\"sweeps\":%llu,"
	       "\"overruns\":%llu,\"tasks_sampled\":%llu,\"last_sweep_ns\":%llu,"
	       "\"max_sweep_ns\":%llu,\"total_sweep_ns\":%llu,\"last_sweep_tasks\":%llu,\"rings\":[",
	       is_file_set(h) ? "file" : "device", is_file_set(h) ? "true" : "false",
	       st->running ? "true" : "false", st->rate_hz, scope_name(st->scope), cfg->ring_slots,
	       cfg->numa_node, (unsigned long long)st->sweeps, (unsigned long long)st->overruns,
	       (unsigned long long)st->tasks_sampled, (unsigned long long)st->last_sweep_ns,
	       (unsigned long long)st->max_sweep_ns, (unsigned long long)st->total_sweep_ns,
	       (unsigned long long)st->last_sweep_tasks);
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		const struct monster_ring_stats *r = &st->ring[i];

		printf("%s{\"ring\":%u,\"prime\":%u,\"slots\":%u,\"produced\":%llu,\"dropped\":%llu,"
		       "\"head\":%llu,\"tail\":%llu,\"fill\":%llu,\"bad_tails\":%llu}", i ? "," : "",
		       i, r->prime, r->slots, (unsigned long long)r->produced,
		       (unsigned long long)r->dropped, (unsigned long long)r->head,
		       (unsigned long long)r->tail, (unsigned long long)r->fill,
		       (unsigned long long)r->bad_tails);
	}
	printf("]}\n");
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct monster_stats st;
	struct monster_config cfg;
	struct lmonster *h;
	unsigned int i;
	int c, json = 0, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == '?')
			return bad_option(argv, "+jh");
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	ret = open_dev(LMONSTER_OPEN_CONTROL, &h);
	if (ret)
		return ret;
	ret = get_all(h, &st, &cfg);
	if (!ret && json) {
		print_stats_json(h, &st, &cfg);
	} else if (!ret) {
		print_sampler_line(h, &st, &cfg);
		printf("Sweep time: mean %.3f ms; %llu samples in all\n",
		       st.sweeps ? ms(st.total_sweep_ns) / (double)st.sweeps : 0.0,
		       (unsigned long long)st.tasks_sampled);
		printf("%4s %5s %7s %12s %10s %12s %12s %7s %9s\n", "ring", "prime", "slots",
		       "produced", "dropped", "head", "tail", "fill", "bad_tails");
		for (i = 0; i < MONSTER_NR_RINGS; i++) {
			const struct monster_ring_stats *r = &st.ring[i];

			printf("%4u %5u %7u %12llu %10llu %12llu %12llu %7llu %9llu\n", i, r->prime,
			       r->slots, (unsigned long long)r->produced,
			       (unsigned long long)r->dropped, (unsigned long long)r->head,
			       (unsigned long long)r->tail, (unsigned long long)r->fill,
			       (unsigned long long)r->bad_tails);
		}
	}
	lmonster_close(h);
	return ret;
}

/* ---- start / stop / reset / set ---- */

static int parse_rate(const char *s, unsigned int *rate)
{
	unsigned long v;

	if (parse_ulong(s, MONSTER_RATE_MIN, MONSTER_RATE_MAX, &v))
		return usage_error("rate must be %u..%u Hz (got '%s')", MONSTER_RATE_MIN,
				   MONSTER_RATE_MAX, s);
	*rate = (unsigned int)v;
	return 0;
}

static int cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct monster_config old, cfg;
	struct monster_stats st;
	struct lmonster *h;
	unsigned int rate = 0;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
		if (c == 'r') {
			ret = parse_rate(optarg, &rate);
			if (ret)
				return ret;
		} else if (c == '?') {
			return bad_option(argv, "+r:h");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	ret = open_dev(LMONSTER_OPEN_CONTROL, &h);
	if (ret)
		return ret;
	ret = lmonster_get_config(h, &old);
	if (!ret)
		ret = lmonster_stats(h, &st);
	if (!ret && is_file_set(h))
		ret = -EOPNOTSUPP;
	if (!ret && st.running)
		ret = -EBUSY;	/* say so before touching the rate */
	cfg = old;
	if (!ret && rate) {
		cfg.rate_hz = rate;
		ret = lmonster_set_config(h, &cfg);
	}
	if (!ret) {
		ret = lmonster_start(h);
		if (ret && rate)
			lmonster_set_config(h, &old);	/* nothing half-done */
	}
	if (ret) {
		lib_error(ret);
	} else {
		printf("monster: sampling at %u Hz, scope %s\n", cfg.rate_hz, scope_name(cfg.scope));
	}
	lmonster_close(h);
	return ret ? 1 : 0;
}

static int simple_ioctl(int argc, char **argv, int (*op)(struct lmonster *), const char *done)
{
	struct lmonster *h;
	int ret = no_args(argc, argv, help_only);

	if (ret)
		return ret;
	ret = open_dev(LMONSTER_OPEN_CONTROL, &h);
	if (ret)
		return ret;
	ret = op(h);
	if (ret)
		lib_error(ret);
	else
		printf("monster: %s\n", done);
	lmonster_close(h);
	return ret ? 1 : 0;
}

static int cmd_stop(int argc, char **argv)
{
	return simple_ioctl(argc, argv, lmonster_stop, "stopped");
}

static int cmd_reset(int argc, char **argv)
{
	return simple_ioctl(argc, argv, lmonster_reset, "statistics reset");
}

static int cmd_set(int argc, char **argv)
{
	struct monster_config cfg;
	struct lmonster *h;
	unsigned int rate = 0, scope = 0, slots = 0, have = 0;
	int node = 0, i, ret;
	enum { HAVE_RATE = 1, HAVE_SCOPE = 2, HAVE_SLOTS = 4, HAVE_NODE = 8 };
	char nodebuf[16];

	if (argc < 2)
		return usage_error("nothing to set: give KEY=VALUE (keys: rate, scope, slots, node)");
	/* validate everything before touching the device */
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *key = argv[i], *val;
		unsigned long v;
		size_t klen;
		int bit;

		if (argv[i][0] == '-')
			return usage_error("unknown option '%s'", argv[i]);
		if (!eq || eq == argv[i])
			return usage_error("expected KEY=VALUE, got '%s'", argv[i]);
		klen = (size_t)(eq - key);
		val = eq + 1;
		if (klen == 4 && !strncmp(key, "rate", 4)) {
			bit = HAVE_RATE;
			ret = parse_rate(val, &rate);
			if (ret)
				return ret;
		} else if (klen == 5 && !strncmp(key, "scope", 5)) {
			bit = HAVE_SCOPE;
			if (!strcmp(val, "process"))
				scope = MONSTER_SCOPE_PROCESS;
			else if (!strcmp(val, "thread"))
				scope = MONSTER_SCOPE_THREAD;
			else
				return usage_error("scope must be 'process' or 'thread' (got '%s')", val);
		} else if (klen == 5 && !strncmp(key, "slots", 5)) {
			bit = HAVE_SLOTS;
			if (parse_ulong(val, MONSTER_SLOTS_MIN, MONSTER_SLOTS_MAX, &v) || (v & (v - 1)))
				return usage_error("slots must be a power of two in %u..%u (got '%s')",
						   MONSTER_SLOTS_MIN, MONSTER_SLOTS_MAX, val);
			slots = (unsigned int)v;
		} else if (klen == 4 && !strncmp(key, "node", 4)) {
			bit = HAVE_NODE;
			if (!strcmp(val, "any") || !strcmp(val, "-1"))
				node = MONSTER_NODE_ANY;
			else if (!parse_ulong(val, 0, 4095, &v))
				node = (int)v;
			else
				return usage_error("node must be 'any' or a NUMA node number (got '%s')",
						   val);
		} else {
			return usage_error("unknown key '%.*s' (keys: rate, scope, slots, node)",
					   (int)klen, key);
		}
		if (have & bit)
			return usage_error("'%.*s' given twice", (int)klen, key);
		have |= bit;
	}
	ret = open_dev(LMONSTER_OPEN_CONTROL, &h);
	if (ret)
		return ret;
	ret = lmonster_get_config(h, &cfg);
	if (!ret && is_file_set(h))
		ret = -EOPNOTSUPP;
	if (!ret) {
		if (have & HAVE_RATE)
			cfg.rate_hz = rate;
		if (have & HAVE_SCOPE)
			cfg.scope = scope;
		if (have & HAVE_SLOTS)
			cfg.ring_slots = slots;
		if (have & HAVE_NODE)
			cfg.numa_node = node;
		ret = lmonster_set_config(h, &cfg);	/* one ioctl: all or nothing */
	}
	if (ret) {
		lib_error(ret);
	} else {
		fmt_node(nodebuf, sizeof(nodebuf), cfg.numa_node);
		printf("monster: rate %u Hz, scope %s, %u slots per ring, NUMA node %s\n",
		       cfg.rate_hz, scope_name(cfg.scope), cfg.ring_slots, nodebuf);
	}
	lmonster_close(h);
	return ret ? 1 : 0;
}

/* ---- dump ---- */

static void json_string(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);	/* comm is bytes: keep the JSON valid */
		else
			putchar(c);
	}
	putchar('"');
}

static char state_char(unsigned int state)
{
	return state < sizeof(MONSTER_STATE_CHARS) - 1 ? MONSTER_STATE_CHARS[state] : '?';
}

static void print_record(unsigned int ring, const struct monster_sample *s, int json)
{
	if (json) {
		printf("{\"ring\":%u,\"prime\":%u,\"seq\":%llu,\"timestamp_ns\":%llu,\"pid\":%u,"
		       "\"tgid\":%u,\"cpu\":%u,\"flags\":%u,\"state\":\"%c\",\"shard\":%u,\"hecke\":%u,"
		       "\"nr_threads\":%u,\"comm\":", ring, monster_prime(ring),
		       (unsigned long long)s->seq, (unsigned long long)s->timestamp_ns, s->pid, s->tgid,
		       s->cpu, s->flags, state_char(s->state), s->shard, s->hecke, s->nr_threads);
		json_string(s->comm, sizeof(s->comm));
		/* registers as strings: jq's numbers are doubles */
		printf(",\"rip\":\"0x%llx\",\"rsp\":\"0x%llx\",\"rax\":\"0x%llx\",\"rbx\":\"0x%llx\","
		       "\"rcx\":\"0x%llx\",\"rdx\":\"0x%llx\",\"mem_bytes\":%llu,\"cpu_time_ns\":%llu,"
		       "\"utime_ns\":%llu,\"stime_ns\":%llu,\"runtime_ns\":%llu,\"min_flt\":%llu,"
		       "\"maj_flt\":%llu,\"nvcsw\":%llu,\"nivcsw\":%llu,\"run_delay_ns\":%llu,"
		       "\"start_time_ns\":%llu}\n",
		       (unsigned long long)s->rip, (unsigned long long)s->rsp,
		       (unsigned long long)s->rax, (unsigned long long)s->rbx,
		       (unsigned long long)s->rcx, (unsigned long long)s->rdx,
		       (unsigned long long)s->mem_bytes, (unsigned long long)s->cpu_time_ns,
		       (unsigned long long)s->utime_ns, (unsigned long long)s->stime_ns,
		       (unsigned long long)s->runtime_ns, (unsigned long long)s->min_flt,
		       (unsigned long long)s->maj_flt, (unsigned long long)s->nvcsw,
		       (unsigned long long)s->nivcsw, (unsigned long long)s->run_delay_ns,
		       (unsigned long long)s->start_time_ns);
	} else {
		char comm[sizeof(s->comm) + 1];
		size_t i;

		for (i = 0; i < sizeof(s->comm) && s->comm[i]; i++)
			comm[i] = (s->comm[i] > 0x20 && s->comm[i] < 0x7f) ? s->comm[i] : '?';
		comm[i] = '\0';
		printf("%4u %5u %10llu %16.6f %7u %7u %3u %c %-16s %10llu %11.3f 0x%016llx %5u\n",
		       ring, monster_prime(ring), (unsigned long long)s->seq,
		       (double)s->timestamp_ns / 1e9, s->pid, s->tgid, s->cpu, state_char(s->state),
		       comm, (unsigned long long)(s->mem_bytes / 1024), ms(s->cpu_time_ns),
		       (unsigned long long)s->rip, s->hecke);
	}
}

static int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ring", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long ring = ULONG_MAX, count = 0, timeout = 0, done = 0, v;
	unsigned int mask, r;
	struct timespec t0, t1;
	struct lmonster *h;
	int c, json = 0, ret = 0, timed = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:c:jt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_ulong(optarg, 0, MONSTER_NR_RINGS - 1, &v))
				return usage_error("ring must be 0..%u (got '%s')", MONSTER_NR_RINGS - 1,
						   optarg);
			ring = v;
			break;
		case 'c':
			if (parse_ulong(optarg, 1, UINT_MAX, &count))
				return usage_error("count must be a positive integer (got '%s')", optarg);
			break;
		case 't':
			if (parse_ulong(optarg, 0, INT_MAX, &timeout))
				return usage_error("timeout must be milliseconds >= 0 (got '%s')", optarg);
			timed = 1;
			break;
		case 'j':
			json = 1;
			break;
		case '?':
			return bad_option(argv, "+r:c:jt:h");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	/* with --count and no --timeout, wait up to 2 s for the records to come */
	if (count && !timed)
		timeout = 2000;
	mask = ring == ULONG_MAX ? LMONSTER_ALL_RINGS : 1U << ring;

	ret = open_dev(0, &h);
	if (ret)
		return ret;
	ret = lmonster_claim(h, mask);
	if (ret)
		goto fail;
	if (!json)
		printf("%4s %5s %10s %16s %7s %7s %3s %s %-16s %10s %11s %-18s %5s\n", "RING", "PRIME",
		       "SEQ", "TIME(s)", "PID", "TGID", "CPU", "S", "COMM", "RSS(KiB)", "CPU(ms)",
		       "RIP", "HECKE");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (r = 0; r < MONSTER_NR_RINGS && (!count || done < count); r++) {
			const struct monster_sample *recs;
			unsigned int n, i;

			if (!(mask >> r & 1))
				continue;
			while ((!count || done < count) &&
			       (ret = lmonster_ring_peek(h, r, &recs, &n)) == 0 && n) {
				if (count && n > count - done)
					n = (unsigned int)(count - done);
				for (i = 0; i < n; i++)
					print_record(r, &recs[i], json);
				/* consumed once printed: the tail moves like any consumer's */
				ret = lmonster_ring_release(h, r, n);
				if (ret)
					goto fail;
				done += n;
			}
			if (ret)
				goto fail;
		}
		if (!count || done >= count || interrupted)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		v = (unsigned long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (v >= timeout)
			break;
		ret = lmonster_wait(h, (int)(timeout - v));
		if (ret == -ETIMEDOUT || ret == -EINTR) {
			ret = 0;
			break;
		}
		if (ret)
			goto fail;
	}
	if (!json)
		printf("(%lu records)\n", done);
	if (count && done < count)
		fprintf(stderr, "%s: dump: only %lu of %lu records arrived within %lu ms "
			"(is the sampler running? %s start)\n", prog, done, count, timeout, prog);
	lmonster_close(h);
	return 0;
fail:
	lib_error(ret);
	lmonster_close(h);
	return 1;
}

/* ---- watch ---- */

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct monster_stats st, prev;
	struct monster_config cfg;
	struct sigaction sa;
	struct timespec now, last = { 0, 0 };
	struct lmonster *h;
	unsigned long iterations = 0, it = 0;
	double interval = 1.0, rates[MONSTER_NR_RINGS];
	int c, ret, tty = isatty(STDOUT_FILENO);
	unsigned int i;
	char *end;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+i:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(interval >= 0.01 && interval <= 3600))
				return usage_error("interval must be 0.01..3600 seconds (got '%s')", optarg);
			break;
		case 'n':
			if (parse_ulong(optarg, 1, ULONG_MAX, &iterations))
				return usage_error("iterations must be a positive integer (got '%s')",
						   optarg);
			break;
		case '?':
			return bad_option(argv, "+i:n:h");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	ret = open_dev(LMONSTER_OPEN_CONTROL, &h);
	if (ret)
		return ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: the sleep ends at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(&prev, 0, sizeof(prev));
	while (!interrupted) {
		struct timespec nap;
		double dt;
		__u64 total = 0;

		ret = get_all(h, &st, &cfg);
		if (ret)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		dt = (double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec - last.tv_nsec) / 1e9;
		if (tty)
			printf("\033[H\033[2J");
		printf("=== Monster Process Sampler Statistics === (every %.2g s, Ctrl-C to quit)\n",
		       interval);
		print_sampler_line(h, &st, &cfg);
		for (i = 0; i < MONSTER_NR_RINGS; i++)
			total += st.ring[i].produced;
		printf("Total samples: %llu\n", (unsigned long long)total);
		for (i = 0; i < MONSTER_NR_RINGS; i++) {
			rates[i] = it && dt > 0 ?
				   (double)(st.ring[i].produced - prev.ring[i].produced) / dt : 0.0;
			print_ring_line(&st.ring[i], i, &rates[i]);
		}
		fflush(stdout);
		prev = st;
		last = now;
		if (++it == iterations)
			break;
		nap.tv_sec = (time_t)interval;
		nap.tv_nsec = (long)((interval - (double)nap.tv_sec) * 1e9);
		nanosleep(&nap, NULL);
	}
	lmonster_close(h);
	return ret;
}

/* ---- main ---- */

static const struct command commands[] = {
	{ "info", cmd_info, "", "ring layout, ABI version, NUMA node",
	  "Show the layout of the rings: ABI version, ring count and size, mapping\n"
	  "regions, NUMA node.\n" },
	{ "status", cmd_status, "", "sampler state and per-ring statistics",
	  "Show the sampler's state and, per ring, the seed's statistics line:\n"
	  "  Prime  2 (shard  0): N samples, ring: FILL/SLOTS, dropped D\n"
	  "plus sweeps, overruns, last and max sweep time and the rate.\n" },
	{ "start", cmd_start, "[--rate HZ]", "start sampling",
	  "Start sampling. --rate HZ (1..10000) sets the rate first; if starting fails the\n"
	  "old rate is restored.\n" },
	{ "stop", cmd_stop, "", "stop sampling", "Stop sampling (stopping a stopped sampler is not an error).\n" },
	{ "set", cmd_set, "KEY=VALUE...", "change rate, scope, slots, node",
	  "Change the configuration in one step; every value is checked before any is\n"
	  "applied. Keys:\n"
	  "  rate=HZ                 1..10000 samples per second\n"
	  "  scope=process|thread    one record per process or per thread\n"
	  "  slots=N                 records per ring, a power of two in 64..262144\n"
	  "  node=N|any              NUMA node for the ring memory\n"
	  "slots and node re-allocate the rings: only while the sampler is stopped and\n"
	  "no other program has the device open.\n" },
	{ "stats", cmd_stats, "[--json]", "every counter, or one JSON object",
	  "Show every statistic: per ring produced, dropped, head, tail, fill and bad\n"
	  "tails, plus sweep counts and times. --json prints one JSON object.\n" },
	{ "reset", cmd_reset, "", "zero the sweep statistics", "Zero the sweep statistics and bad-tail counters (ring indices stay).\n" },
	{ "dump", cmd_dump, "[--ring N] [--count K] [--json] [--timeout MS]",
	  "print and consume records",
	  "Print records and consume them (the ring's tail advances as for any consumer;\n"
	  "each ring has one consumer at a time). --ring N: only ring N (0..14), else all.\n"
	  "--count K: stop after K records, waiting up to --timeout MS (default 2000) for\n"
	  "them; without --count, print what is ready now. --json: one JSON object per\n"
	  "line (registers as hex strings).\n" },
	{ "watch", cmd_watch, "[--interval SEC] [--iterations N]",
	  "refresh the statistics until Ctrl-C",
	  "Refresh the statistics every SEC seconds (default 1) with per-ring rates, until\n"
	  "interrupted (Ctrl-C) or N refreshes.\n" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void main_help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s [--device PATH] COMMAND [ARGS]\n"
		"       %s --help | --version\n\n"
		"Control and inspect the monster process sampler.\n\ncommands:\n", prog, prog);
	for (i = 0; i < NR_COMMANDS; i++)
		if (*commands[i].args)
			fprintf(f, "  %-6s %-36s %s\n", commands[i].name, commands[i].summary,
				commands[i].args);
		else
			fprintf(f, "  %-6s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\noptions:\n"
		"  -d, --device PATH   the device, or a file-backed ring set (default %s)\n"
		"  -h, --help          this help; '%s COMMAND --help' for a command\n"
		"  -V, --version       print versions\n\n"
		"Exit status: 0 ok, 1 the operation failed, 2 bad usage. See monsterctl(8).\n",
		MONSTER_DEVICE_PATH, prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!*optarg)
				return usage_error("--device needs a path");
			device_path = optarg;
			break;
		case 'h':
			main_help(stdout);
			return 0;
		case 'V':
			printf("monsterctl %s (liblmonster %s, monster ABI %u)\n", MONSTERCTL_VERSION,
			       lmonster_version(), MONSTER_ABI_MAJOR);
			return 0;
		default:
			if (optopt == 'd')
				return usage_error("option '%s' needs a path", argv[optind - 1]);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {	/* monsterctl help [COMMAND] */
		if (optind + 1 >= argc) {
			main_help(stdout);
			return 0;
		}
		for (i = 0; i < NR_COMMANDS; i++)
			if (!strcmp(argv[optind + 1], commands[i].name)) {
				command_help(&commands[i], stdout);
				return 0;
			}
		return usage_error("unknown command '%s'", argv[optind + 1]);
	}
	for (i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		cur = &commands[i];
		if (want_help(argc - optind, argv + optind)) {
			command_help(cur, stdout);
			return 0;
		}
		return cur->fn(argc - optind, argv + optind);
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
