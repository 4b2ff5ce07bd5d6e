// SPDX-License-Identifier: GPL-2.0
/*
 * show.c - monsterctl info, status and stats: the ring layout, the
 * sampler's state, and every counter (as text or one JSON object).
 */
#include <stdio.h>

#include "json_writer.h"
#include "monsterctl.h"

/* ---- info ---- */

static const struct {
	__u64 bit;
	const char *name;
} feature_names[] = {
	{ MONSTER_FEAT_SWEEP_HIST, "sweep_hist" },
	{ MONSTER_FEAT_CHANGED_ONLY, "changed_only" },
	{ MONSTER_FEAT_PARALLEL, "parallel" },
	{ MONSTER_FEAT_EVENTS, "events" },
};

/* The names of the feature bits, in bit order; bits this build does not know in hex. */
static void print_features(__u64 features)
{
	size_t i;

	printf("features    ");
	if (!features)
		printf(" none");
	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
		if (features & feature_names[i].bit)
			printf(" %s", feature_names[i].name);
		features &= ~feature_names[i].bit;
	}
	if (features)
		printf(" 0x%llx", (unsigned long long)features);
	printf("\n");
}

static int run_info(struct lmonster *h, void *ctx)
{
	struct monster_info in;
	char node[16];
	unsigned int i;

	(void)ctx;
	lmonster_info(h, &in);
	fmt_node(node, sizeof(node), in.numa_node);
	printf("device       %s\n", dev_name());
	printf("kind         %s\n", is_file_set(h) ? "file-backed ring set" : "monster device");
	printf("abi          %u.%u (liblmonster %s)\n", in.abi_major, in.abi_minor,
	       lmonster_version());
	print_features(in.features);
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
	return 0;
}

const struct command cmd_info = {
	.name = "info",
	.args = "",
	.summary = "ring layout, ABI version, NUMA node",
	.help = "Show the layout of the rings: ABI version and features, ring count and size,\n"
		"mapping regions, NUMA node.\n",
	.open_flags = LMONSTER_OPEN_CONTROL,
	.run = run_info,
};

/* ---- status ---- */

void print_sampler_line(struct lmonster *h, const struct monster_stats *st,
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
	if ((cfg->flags & MONSTER_CF_CHANGED_ONLY) || cfg->keyframe || cfg->sweep_threads) {
		print_sweep_mode(cfg);
		printf("Last sweep: %llu unchanged tasks skipped, on %u threads\n",
		       (unsigned long long)st->last_sweep_unchanged, st->last_sweep_threads);
	}
}

/* The per-ring "Statistics" line, plus what was lost. */
void print_ring_line(const struct monster_ring_stats *r, unsigned int i, const double *rate)
{
	printf("Prime %2u (shard %2u): %llu samples, ring: %llu/%u, dropped %llu", r->prime, i,
	       (unsigned long long)r->produced, (unsigned long long)r->fill, r->slots,
	       (unsigned long long)r->dropped);
	if (rate)
		printf(", %.1f/s", *rate);
	printf("\n");
}

/* A kind's records and drops over all rings. */
static void kind_totals(const struct monster_kind_stats *ks, unsigned int k, __u64 *produced,
			__u64 *dropped)
{
	unsigned int i;

	*produced = *dropped = 0;
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		*produced += ks->produced[k][i];
		*dropped += ks->dropped[k][i];
	}
}

/* Whether a record of another kind than a sample was ever counted. */
static bool any_events(const struct monster_kind_stats *ks)
{
	__u64 produced, dropped;
	unsigned int k;

	for (k = 0; k < MONSTER_NR_KINDS; k++) {
		kind_totals(ks, k, &produced, &dropped);
		if (k != MONSTER_KIND_SAMPLE && produced)
			return true;
	}
	return false;
}

/* What is recorded and a line per kind, once events are on or were recorded. */
static void print_kind_lines(struct lmonster *h, const struct monster_kind_stats *ks,
			     const struct monster_config *cfg)
{
	__u64 produced, dropped;
	char kinds[96];
	unsigned int k;

	if (!ks->events && !cfg->events && !any_events(ks))
		return;
	if (!is_file_set(h)) {
		print_event_mode(cfg);
		fmt_kinds(kinds, sizeof(kinds), ks->events_available);
		printf("Events this kernel can record: %s\n", kinds);
		if (ks->faults_seen || (ks->events & MONSTER_EVENT(MONSTER_KIND_FAULT)))
			printf("Faults: %llu seen, %llu filtered out\n",
			       (unsigned long long)ks->faults_seen,
			       (unsigned long long)ks->faults_filtered);
	}
	for (k = 0; k < MONSTER_NR_KINDS; k++) {
		kind_totals(ks, k, &produced, &dropped);
		if (kind_name(k))
			printf("Kind %s: %llu records, dropped %llu\n", kind_name(k),
			       (unsigned long long)produced, (unsigned long long)dropped);
		else if (produced)
			printf("Kind %u: %llu records, dropped %llu\n", k,
			       (unsigned long long)produced, (unsigned long long)dropped);
	}
}

static int run_status(struct lmonster *h, void *ctx)
{
	struct monster_stats st;
	struct monster_config cfg;
	struct monster_kind_stats ks;
	__u64 total = 0, dropped = 0;
	unsigned int i;
	bool have_kinds;
	int ret = get_stats_config(h, &st, &cfg);

	(void)ctx;
	if (!ret)
		ret = get_kind_stats(h, &ks, &have_kinds);
	if (ret)
		return ret;
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		total += st.ring[i].produced;
		dropped += st.ring[i].dropped;
	}
	printf("=== Monster Process Sampler Statistics ===\n");
	print_sampler_line(h, &st, &cfg);
	printf("Total samples: %llu (dropped %llu)\n", (unsigned long long)total,
	       (unsigned long long)dropped);
	if (have_kinds)
		print_kind_lines(h, &ks, &cfg);
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		print_ring_line(&st.ring[i], i, NULL);
	return 0;
}

const struct command cmd_status = {
	.name = "status",
	.args = "",
	.summary = "sampler state and per-ring statistics",
	.help = "Show the sampler's state and, per ring, its statistics line:\n"
		"  Prime  2 (shard  0): N samples, ring: FILL/SLOTS, dropped D\n"
		"plus sweeps, overruns, last and max sweep time and the rate. Once events are\n"
		"recorded (or were), also the kinds being recorded, the faults seen and\n"
		"filtered out, and per kind:\n"
		"  Kind fork: N records, dropped D\n"
		"(a ring's N samples count every record in it, samples and events alike).\n",
	.open_flags = LMONSTER_OPEN_CONTROL,
	.run = run_status,
};

/* ---- stats ---- */

static void print_stats_text(struct lmonster *h, const struct monster_stats *st,
			     const struct monster_config *cfg, const struct monster_kind_stats *ks)
{
	unsigned int i;

	print_sampler_line(h, st, cfg);
	printf("Sweep time: mean %.3f ms; %llu samples in all\n",
	       st->sweeps ? ms(st->total_sweep_ns) / (double)st->sweeps : 0.0,
	       (unsigned long long)st->tasks_sampled);
	if (ks)
		print_kind_lines(h, ks, cfg);
	printf("%4s %5s %7s %12s %10s %12s %12s %7s %9s\n", "ring", "prime", "slots",
	       "produced", "dropped", "head", "tail", "fill", "bad_tails");
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		const struct monster_ring_stats *r = &st->ring[i];

		printf("%4u %5u %7u %12llu %10llu %12llu %12llu %7llu %9llu\n", i, r->prime,
		       r->slots, (unsigned long long)r->produced, (unsigned long long)r->dropped,
		       (unsigned long long)r->head, (unsigned long long)r->tail,
		       (unsigned long long)r->fill, (unsigned long long)r->bad_tails);
	}
}

static void json_ring_stats(struct jsonw *w, const struct monster_ring_stats *r, unsigned int i)
{
	jsonw_start_object(w, NULL);
	jsonw_uint(w, "ring", i);
	jsonw_uint(w, "prime", r->prime);
	jsonw_uint(w, "slots", r->slots);
	jsonw_uint(w, "produced", r->produced);
	jsonw_uint(w, "dropped", r->dropped);
	jsonw_uint(w, "head", r->head);
	jsonw_uint(w, "tail", r->tail);
	jsonw_uint(w, "fill", r->fill);
	jsonw_uint(w, "bad_tails", r->bad_tails);
	jsonw_end(w);
}

/* MONSTER_EVENT() bits as an array of kind names (a kind without a name as its number). */
static void json_kinds(struct jsonw *w, const char *key, unsigned int kinds)
{
	unsigned int k;

	jsonw_start_array(w, key);
	for (k = 0; k < 32; k++) {
		if (!(kinds >> k & 1))
			continue;
		if (kind_name(k))
			jsonw_string(w, NULL, kind_name(k));
		else
			jsonw_uint(w, NULL, k);
	}
	jsonw_end(w);
}

static void json_kind_stats(struct jsonw *w, const struct monster_kind_stats *ks,
			    const struct monster_config *cfg)
{
	__u64 produced, dropped;
	unsigned int k;

	json_kinds(w, "events", cfg->events);
	json_kinds(w, "events_available", ks->events_available);
	jsonw_uint(w, "fault_tgid", cfg->fault_tgid);
	jsonw_uint(w, "fault_every", cfg->fault_every);
	jsonw_uint(w, "faults_seen", ks->faults_seen);
	jsonw_uint(w, "faults_filtered", ks->faults_filtered);
	jsonw_start_array(w, "kinds");
	for (k = 0; k < MONSTER_NR_KINDS; k++) {
		kind_totals(ks, k, &produced, &dropped);
		if (!kind_name(k) && !produced)
			continue;
		jsonw_start_object(w, NULL);
		if (kind_name(k))
			jsonw_string(w, "kind", kind_name(k));
		else
			jsonw_uint(w, "kind", k);
		jsonw_uint(w, "produced", produced);
		jsonw_uint(w, "dropped", dropped);
		jsonw_end(w);
	}
	jsonw_end(w);
}

static int print_stats_json(struct lmonster *h, const struct monster_stats *st,
			    const struct monster_config *cfg, const struct monster_kind_stats *ks)
{
	struct jsonw w;
	unsigned int i;

	jsonw_init(&w, stdout);
	jsonw_start_object(&w, NULL);
	jsonw_string(&w, "device", is_file_set(h) ? "file" : "device");
	jsonw_bool(&w, "file_backed", is_file_set(h));
	jsonw_bool(&w, "running", st->running);
	jsonw_uint(&w, "rate_hz", st->rate_hz);
	jsonw_string(&w, "scope", scope_name(st->scope));
	jsonw_uint(&w, "ring_slots", cfg->ring_slots);
	jsonw_int(&w, "numa_node", cfg->numa_node);
	jsonw_uint(&w, "sweeps", st->sweeps);
	jsonw_uint(&w, "overruns", st->overruns);
	jsonw_uint(&w, "tasks_sampled", st->tasks_sampled);
	jsonw_uint(&w, "last_sweep_ns", st->last_sweep_ns);
	jsonw_uint(&w, "max_sweep_ns", st->max_sweep_ns);
	jsonw_uint(&w, "total_sweep_ns", st->total_sweep_ns);
	jsonw_uint(&w, "last_sweep_tasks", st->last_sweep_tasks);
	jsonw_bool(&w, "changed_only", cfg->flags & MONSTER_CF_CHANGED_ONLY);
	jsonw_uint(&w, "keyframe", cfg->keyframe ? cfg->keyframe : MONSTER_KEYFRAME_DEFAULT);
	jsonw_uint(&w, "sweep_threads", cfg->sweep_threads);
	jsonw_uint(&w, "tasks_unchanged", st->tasks_unchanged);
	jsonw_uint(&w, "last_sweep_unchanged", st->last_sweep_unchanged);
	jsonw_uint(&w, "last_sweep_threads", st->last_sweep_threads);
	if (ks)
		json_kind_stats(&w, ks, cfg);
	jsonw_start_array(&w, "rings");
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		json_ring_stats(&w, &st->ring[i], i);
	jsonw_end(&w);
	return jsonw_end(&w);
}

static int stats_option(int opt, const char *arg, void *json)
{
	(void)arg;
	if (opt == 'j')
		*(bool *)json = true;
	return 0;
}

static int run_stats(struct lmonster *h, void *json)
{
	struct monster_stats st;
	struct monster_config cfg;
	struct monster_kind_stats ks;
	bool have_kinds;
	int ret = get_stats_config(h, &st, &cfg);

	if (!ret)
		ret = get_kind_stats(h, &ks, &have_kinds);
	if (ret)
		return ret;
	if (!*(bool *)json) {
		print_stats_text(h, &st, &cfg, have_kinds ? &ks : NULL);
		return 0;
	}
	ret = print_stats_json(h, &st, &cfg, have_kinds ? &ks : NULL);
	return ret ? print_error(ret) : 0;
}

static const struct option stats_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool stats_json;

const struct command cmd_stats = {
	.name = "stats",
	.args = "[--json]",
	.summary = "every counter, or one JSON object",
	.help = "Show every statistic: per ring produced, dropped, head, tail, fill and bad\n"
		"tails, plus sweep counts and times, and where the device has record kinds the\n"
		"events recorded, the fault filters and counts, and per kind the records and\n"
		"drops. --json prints one JSON object.\n",
	.optstring = "+jh",
	.options = stats_options,
	.on_option = stats_option,
	.open_flags = LMONSTER_OPEN_CONTROL,
	.run = run_stats,
	.ctx = &stats_json,
};
