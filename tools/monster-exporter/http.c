// SPDX-License-Identifier: GPL-2.0
/*
 * http.c - the HTTP side, through libmicrohttpd: GET /metrics (Prometheus
 * text, or OpenMetrics when Accept asks for it), / (the landing page),
 * /api/groups (its JSON; ?after=G waits for a view newer than generation
 * G, so the page draws each new one) and /healthz. Each connection has a
 * thread of its own: a client that stops reading, or waits for a new view,
 * holds only its own, and connections idle for IDLE_TIMEOUT_S are closed.
 * A request costs a copy of the published view and its formatting.
 */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "exporter.h"
#include "parse_num.h"

#define IDLE_TIMEOUT_S		10
#define CONNECTIONS_MAX		256
#define THREAD_STACK_BYTES	(256 * 1024)
/* /api/groups?after=G waits this long for a view newer than G */
#define WAIT_NEWER_MS		2000

struct http_server {
	struct MHD_Daemon *daemon;
	struct consumer *consumer;
};

static enum MHD_Result send_buffer(struct MHD_Connection *conn, unsigned int status,
				   const char *type, char *body, size_t len,
				   enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned int status,
				 const char *text)
{
	return send_buffer(conn, status, "text/plain; charset=utf-8", (char *)text, strlen(text),
			   MHD_RESPMEM_PERSISTENT);
}

enum body { BODY_METRICS, BODY_JSON };

/* The latest view formatted as /metrics or /api/groups want it. */
static enum MHD_Result send_view(struct MHD_Connection *conn, struct consumer *c,
				 enum body kind)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	enum text_format f = accepts_openmetrics(accept) ? FORMAT_OPENMETRICS :
							   FORMAT_PROMETHEUS;
	const char *after_arg = kind == BODY_JSON ?
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "after") : NULL;
	unsigned long after = 0;
	struct view *v;
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int ret;

	if (after_arg && parse_ulong(after_arg, 0, ~0UL, &after))
		return send_text(conn, MHD_HTTP_BAD_REQUEST,
				 "monster-exporter: after must be a view generation\n");
	v = consumer_view(c, after, after_arg ? WAIT_NEWER_MS : 0);
	if (!v)
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				 "monster-exporter: no data from the rings yet\n");
	out = open_memstream(&body, &len);
	if (!out) {
		free(v);
		return MHD_NO;
	}
	ret = kind == BODY_METRICS ? format_metrics(out, v, f) : format_json(out, v);
	free(v);
	if (fclose(out) || ret) {
		free(body);
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				 "monster-exporter: cannot format the metrics (out of memory)\n");
	}
	return send_buffer(conn, MHD_HTTP_OK,
			   kind == BODY_METRICS ? format_content_type(f) : "application/json",
			   body, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size, void **req)
{
	struct http_server *s = cls;

	(void)version;
	(void)upload_data;
	(void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				 "monster-exporter: only GET and HEAD\n");
	*upload_data_size = 0;	/* a body on a GET is read and ignored */
	if (!strcmp(url, "/metrics"))
		return send_view(conn, s->consumer, BODY_METRICS);
	if (!strcmp(url, "/api/groups"))
		return send_view(conn, s->consumer, BODY_JSON);
	if (!strcmp(url, "/healthz"))
		return consumer_healthy(s->consumer) ?
			send_text(conn, MHD_HTTP_OK, "ok\n") :
			send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "monster-exporter: the rings were not drained lately\n");
	if (!strcmp(url, "/"))
		return send_buffer(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
				   (char *)landing_html, strlen(landing_html),
				   MHD_RESPMEM_PERSISTENT);
	return send_text(conn, MHD_HTTP_NOT_FOUND,
			 "monster-exporter: no such page (try /metrics)\n");
}

struct http_server *http_start(int listen_fd, struct consumer *c)
{
	struct http_server *s = calloc(1, sizeof(*s));

	if (!s) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return NULL;
	}
	s->consumer = c;
	s->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
				     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
				     0, NULL, NULL, answer, s,
				     MHD_OPTION_LISTEN_SOCKET, listen_fd,
				     MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK_BYTES,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_TIMEOUT_S,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTIONS_MAX,
				     MHD_OPTION_END);
	if (!s->daemon) {
		fprintf(stderr, "%s: cannot start the HTTP server (libmicrohttpd)\n", prog);
		free(s);
		return NULL;
	}
	return s;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}
