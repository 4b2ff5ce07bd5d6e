// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - a view as Prometheus text (exposition format 0.0.4) or
 * OpenMetrics 1.0. Names follow the Prometheus conventions: the monster_
 * prefix, base units (seconds, bytes) in the name, _total on counters.
 * Labels are bounded: a group (at most --top N + 1 values), a CPU mode, a
 * switch type, a ring and its prime. No pid, address or register is ever
 * written.
 *
 * The two formats differ in a counter's family name (OpenMetrics drops
 * _total from TYPE and HELP), in # UNIT lines and in the final # EOF.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "exporter.h"

/* histogram bucket bounds: 2^10 ns (about 1 us) .. 2^36 ns (about 69 s) */
#define HIST_FIRST	10
#define HIST_LAST	36

struct fmt {
	FILE *out;
	enum text_format f;
};

bool accepts_openmetrics(const char *accept)
{
	return accept && strstr(accept, "application/openmetrics-text");
}

const char *format_content_type(enum text_format f)
{
	return f == FORMAT_OPENMETRICS ?
		"application/openmetrics-text; version=1.0.0; charset=utf-8" :
		"text/plain; version=0.0.4; charset=utf-8";
}

/* ns as exact decimal seconds, trailing zeros dropped ("1.5", "0.000001024", "3") */
static void seconds(char *buf, size_t size, uint64_t ns)
{
	size_t n = (size_t)snprintf(buf, size, "%" PRIu64 ".%09" PRIu64,
				    (uint64_t)(ns / 1000000000U), (uint64_t)(ns % 1000000000U));

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/*
 * A label value: bytes (a comm is not necessarily UTF-8) as the code points
 * of the same value, like the tools' JSON, so any byte string is valid
 * UTF-8 here; backslash, quote and newline escaped as the format asks.
 */
static void label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\' || c == '"')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "%c%c", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
		else
			fputc(c, out);
	}
}

/*
 * # HELP / # TYPE (/ # UNIT) of a family. name is the sample name: a counter's
 * ends in _total, which OpenMetrics leaves out of the family name.
 */
static void family(struct fmt *m, const char *name, const char *type, const char *unit,
		   const char *help)
{
	size_t len = strlen(name);

	if (m->f == FORMAT_OPENMETRICS && !strcmp(type, "counter") && len > 6 &&
	    !strcmp(name + len - 6, "_total"))
		len -= 6;
	fprintf(m->out, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)len, name, help, (int)len,
		name, type);
	if (m->f == FORMAT_OPENMETRICS && unit)
		fprintf(m->out, "# UNIT %.*s %s\n", (int)len, name, unit);
}

static void group_label(struct fmt *m, const char *name, const struct view_group *g)
{
	fprintf(m->out, "%s{group=\"", name);
	label_value(m->out, g->name);
	fputc('"', m->out);
}

static void group_uint(struct fmt *m, const char *name, const struct view_group *g,
		       const char *extra, uint64_t v)
{
	group_label(m, name, g);
	fprintf(m->out, "%s} %" PRIu64 "\n", extra ? extra : "", v);
}

static void group_seconds(struct fmt *m, const char *name, const struct view_group *g,
			  const char *extra, uint64_t ns)
{
	char buf[48];

	seconds(buf, sizeof(buf), ns);
	group_label(m, name, g);
	fprintf(m->out, "%s} %s\n", extra ? extra : "", buf);
}

#define FOR_GROUPS(v, g) for (const struct view_group *g = (v)->groups; \
			      g < (v)->groups + (v)->ngroups; g++)

static void group_metrics(struct fmt *m, const struct view *v)
{
	family(m, "monster_group_cpu_seconds_total", "counter", "seconds",
	       "CPU time of the group's tasks, as /proc/PID/stat reports it, by mode.");
	FOR_GROUPS(v, g) {
		group_seconds(m, "monster_group_cpu_seconds_total", g, ",mode=\"user\"",
			      g->total.user_ns);
		group_seconds(m, "monster_group_cpu_seconds_total", g, ",mode=\"system\"",
			      g->total.system_ns);
	}
	family(m, "monster_group_resident_bytes", "gauge", "bytes",
	       "Resident set size of the group's live tasks.");
	FOR_GROUPS(v, g)
		group_uint(m, "monster_group_resident_bytes", g, NULL, g->resident_bytes);
	family(m, "monster_group_minor_page_faults_total", "counter", NULL,
	       "Page faults that needed no I/O.");
	FOR_GROUPS(v, g)
		group_uint(m, "monster_group_minor_page_faults_total", g, NULL, g->total.min_flt);
	family(m, "monster_group_major_page_faults_total", "counter", NULL,
	       "Page faults that read from storage.");
	FOR_GROUPS(v, g)
		group_uint(m, "monster_group_major_page_faults_total", g, NULL, g->total.maj_flt);
	family(m, "monster_group_context_switches_total", "counter", NULL,
	       "Context switches by type: voluntary (the task waited) or involuntary "
	       "(it was preempted).");
	FOR_GROUPS(v, g) {
		group_uint(m, "monster_group_context_switches_total", g, ",type=\"voluntary\"",
			   g->total.nvcsw);
		group_uint(m, "monster_group_context_switches_total", g, ",type=\"involuntary\"",
			   g->total.nivcsw);
	}
	family(m, "monster_group_run_delay_seconds_total", "counter", "seconds",
	       "Time the group's tasks spent runnable, waiting for a CPU.");
	FOR_GROUPS(v, g)
		group_seconds(m, "monster_group_run_delay_seconds_total", g, NULL,
			      g->total.run_delay_ns);
	family(m, "monster_group_processes", "gauge", NULL, "Live processes in the group.");
	FOR_GROUPS(v, g)
		group_uint(m, "monster_group_processes", g, NULL, g->processes);
	family(m, "monster_group_threads", "gauge", NULL, "Live threads in the group.");
	FOR_GROUPS(v, g)
		group_uint(m, "monster_group_threads", g, NULL, g->threads);
	if (!v->events_fork_exit)
		return;
	family(m, "monster_group_forks_total", "counter", NULL,
	       "Processes and threads the group's tasks created (fork events).");
	FOR_GROUPS(v, g)
		group_uint(m, "monster_group_forks_total", g, NULL, g->forks);
	family(m, "monster_group_exits_total", "counter", NULL,
	       "Exits of the group's tasks (exit events).");
	FOR_GROUPS(v, g)
		group_uint(m, "monster_group_exits_total", g, NULL, g->exits);
}

static void plain(struct fmt *m, const char *name, const char *type, const char *help,
		  uint64_t v)
{
	family(m, name, type, NULL, help);
	fprintf(m->out, "%s %" PRIu64 "\n", name, v);
}

static void sweep_histogram(struct fmt *m, const struct monster_sweep_hist *h)
{
	uint64_t cum = 0;
	unsigned int b;
	char le[48];

	family(m, "monster_sweep_duration_seconds", "histogram", "seconds",
	       "How long the sampler's sweeps took (a bucket counts the sweeps shorter "
	       "than its bound, a power of two of nanoseconds).");
	for (b = 0; b < HIST_FIRST; b++)
		cum += h->count[b];
	for (b = HIST_FIRST; b <= HIST_LAST; b++) {
		cum += h->count[b];
		seconds(le, sizeof(le), 1ULL << b);
		fprintf(m->out, "monster_sweep_duration_seconds_bucket{le=\"%s\"} %" PRIu64 "\n",
			le, cum);
	}
	fprintf(m->out, "monster_sweep_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
		(uint64_t)h->sweeps);
	seconds(le, sizeof(le), h->total_ns);
	fprintf(m->out, "monster_sweep_duration_seconds_sum %s\n", le);
	fprintf(m->out, "monster_sweep_duration_seconds_count %" PRIu64 "\n",
		(uint64_t)h->sweeps);
}

static void ring_family(struct fmt *m, const struct view *v, const char *name,
			const char *type, const char *help, size_t field)
{
	unsigned int r;

	family(m, name, type, NULL, help);
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		uint64_t val;

		memcpy(&val, (const char *)&v->ring[r] + field, sizeof(val));
		fprintf(m->out, "%s{ring=\"%u\",prime=\"%u\"} %" PRIu64 "\n", name, r,
			v->ring[r].prime, val);
	}
}

static void health_metrics(struct fmt *m, const struct view *v)
{
	plain(m, "monster_sweeps_total", "counter", "Sweeps the sampler completed.", v->sweeps);
	plain(m, "monster_sweep_overruns_total", "counter",
	      "Sampling periods missed because a sweep ran late.", v->overruns);
	plain(m, "monster_sampler_rate_hertz", "gauge", "Sweeps a second the sampler is set to.",
	      v->rate_hz);
	if (v->have_hist)
		sweep_histogram(m, &v->hist);
	ring_family(m, v, "monster_ring_records_produced_total", "counter",
		    "Records the producer generated into the ring.",
		    offsetof(struct view_ring, produced));
	ring_family(m, v, "monster_ring_records_dropped_total", "counter",
		    "Records lost because the ring was full.", offsetof(struct view_ring, dropped));
	ring_family(m, v, "monster_ring_fill_records", "gauge",
		    "Records in the ring not yet consumed.", offsetof(struct view_ring, fill));
	ring_family(m, v, "monster_ring_bad_tails_total", "counter",
		    "Consumer tails the producer ignored as out of range.",
		    offsetof(struct view_ring, bad_tails));
	plain(m, "monster_exporter_records_total", "counter",
	      "Records this exporter consumed from the rings.", v->records);
	plain(m, "monster_exporter_tasks", "gauge", "Live tasks this exporter tracks.", v->tasks);
	plain(m, "monster_exporter_groups", "gauge",
	      "Groups this exporter tracks, before the ones beyond --top are folded into other.",
	      v->groups_tracked);
}

int format_metrics(FILE *out, const struct view *v, enum text_format f)
{
	struct fmt m = { out, f };

	group_metrics(&m, v);
	health_metrics(&m, v);
	if (f == FORMAT_OPENMETRICS)
		fputs("# EOF\n", out);
	return ferror(out) ? -1 : 0;
}
