// SPDX-License-Identifier: GPL-2.0
/*
 * api.c - the view as one JSON object, for the landing page's charts
 * (GET /api/groups): the groups in the order of /metrics, their CPU times
 * and gauges, and when the view was published. Strings follow the tools'
 * JSON rules (json_writer.h).
 */
#include "exporter.h"
#include "json_writer.h"

int format_json(FILE *out, const struct view *v)
{
	struct jsonw w;
	size_t i;

	jsonw_init(&w, out);
	jsonw_start_object(&w, NULL);
	jsonw_uint(&w, "generation", v->generation);
	jsonw_fixed(&w, "published_s", (double)v->published_ns / 1e9, 3);
	jsonw_uint(&w, "sweeps", v->sweeps);
	jsonw_uint(&w, "records", v->records);
	jsonw_uint(&w, "tasks", v->tasks);
	jsonw_start_array(&w, "groups");
	for (i = 0; i < v->ngroups; i++) {
		const struct view_group *g = &v->groups[i];

		jsonw_start_object(&w, NULL);
		jsonw_string(&w, "name", g->name);
		jsonw_fixed(&w, "cpu_user_seconds", (double)g->total.user_ns / 1e9, 6);
		jsonw_fixed(&w, "cpu_system_seconds", (double)g->total.system_ns / 1e9, 6);
		jsonw_uint(&w, "resident_bytes", g->resident_bytes);
		jsonw_uint(&w, "processes", g->processes);
		jsonw_uint(&w, "threads", g->threads);
		jsonw_end(&w);
	}
	jsonw_end(&w);
	return jsonw_end(&w);
}
