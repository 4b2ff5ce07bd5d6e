// SPDX-License-Identifier: GPL-2.0
/*
 * monster-exporter - the monster rings as Prometheus metrics, per group of
 * processes. This file: the options, opening the device and the listening
 * socket, dropping privileges, and running the consumer and the HTTP server
 * until SIGINT or SIGTERM.
 *
 * Exit status: 0 after a signal, 1 when something failed (the device, the
 * socket, the rings), 2 for bad usage. Every error is one line on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exporter.h"
#include "parse_num.h"

#ifndef MONSTER_VERSION
#define MONSTER_VERSION "unknown"
#endif

const char *const prog = "monster-exporter";

struct options {
	const char *listen;
	const char *device;
	enum group_by group_by;
	unsigned int top;
	const char *user;
	uid_t uid;
	gid_t gid;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", prog);
	return EXIT_USAGE;
}

static void help(void)
{
	printf("usage: %s [--listen ADDR:PORT] [--device PATH] [--group-by comm|exe|user|cgroup]\n"
	       "       %*s [--top N] [--user NAME]\n"
	       "       %s --help | --version\n\n"
	       "Serve the monster sampler's records as Prometheus metrics per group of processes.\n\n"
	       "options:\n"
	       "  -l, --listen ADDR:PORT  where to serve HTTP (default %s; [ADDR]:PORT for IPv6)\n"
	       "  -d, --device PATH       the device, or a file-backed ring set (default %s)\n"
	       "  -g, --group-by KEY      group tasks by comm (default), exe, user or cgroup\n"
	       "  -t, --top N             keep the N busiest groups by CPU time, fold the rest\n"
	       "                          into 'other' (default %d, 1..%d)\n"
	       "  -u, --user NAME         run as this user once the device and socket are open\n"
	       "  -h, --help              this help\n"
	       "  -V, --version           print versions\n\n"
	       "Pages: /metrics (Prometheus text; OpenMetrics when Accept asks), / (live charts),\n"
	       "/api/groups (their JSON), /healthz. Exit status: 0 after SIGINT or SIGTERM,\n"
	       "1 a failure, 2 bad usage. See monster-exporter(8).\n",
	       prog, (int)strlen(prog), "", prog, EXPORTER_DEFAULT_LISTEN, MONSTER_DEVICE_PATH,
	       EXPORTER_DEFAULT_TOP, EXPORTER_TOP_MAX);
}

/* ADDR:PORT into host (NULL: every address) and port; 0 or -1. "[v6]:port" for IPv6. */
static int split_listen(char *s, char **host, char **port)
{
	char *colon = strrchr(s, ':');
	unsigned long n;

	if (!colon || parse_ulong(colon + 1, 1, 65535, &n))
		return -1;
	*colon = '\0';
	*port = colon + 1;
	if (*s == '[') {
		size_t len = strlen(s);

		if (len < 3 || s[len - 1] != ']')
			return -1;
		s[len - 1] = '\0';
		s++;
	} else if (strchr(s, ':')) {
		return -1;	/* an IPv6 address needs its brackets */
	}
	*host = *s ? s : NULL;
	return 0;
}

static bool valid_listen(const char *arg)
{
	char *copy = strdup(arg), *host, *port;
	bool ok = copy && !split_listen(copy, &host, &port);

	free(copy);
	return ok;
}

/* -1 to go on, else the exit status */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "device", required_argument, NULL, 'd' },
		{ "group-by", required_argument, NULL, 'g' },
		{ "top", required_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *optstring = "l:d:g:t:u:hV";
	unsigned long top;
	struct passwd *pw;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!valid_listen(optarg))
				return usage_error("listen must be ADDR:PORT or [IPv6]:PORT, port "
						   "1..65535 (got '%s')", optarg);
			o->listen = optarg;
			break;
		case 'd':
			if (!*optarg)
				return usage_error("--device needs a path");
			o->device = optarg;
			break;
		case 'g':
			if (group_by_value(optarg, &o->group_by))
				return usage_error("group-by must be comm, exe, user or cgroup "
						   "(got '%s')", optarg);
			break;
		case 't':
			if (parse_ulong(optarg, 1, EXPORTER_TOP_MAX, &top))
				return usage_error("top must be 1..%d (got '%s')", EXPORTER_TOP_MAX,
						   optarg);
			o->top = (unsigned int)top;
			break;
		case 'u':
			errno = 0;
			pw = getpwnam(optarg);
			if (!pw)
				return usage_error("no such user '%s'", optarg);
			o->user = optarg;
			o->uid = pw->pw_uid;
			o->gid = pw->pw_gid;
			break;
		case 'h':
			help();
			return 0;
		case 'V':
			printf("%s %s (liblmonster %s, monster ABI %u.%u)\n", prog, MONSTER_VERSION,
			       lmonster_version(), MONSTER_ABI_MAJOR, MONSTER_ABI_MINOR);
			return 0;
		default:
			if (optopt && strchr(optstring, optopt))
				return usage_error("option '%s' needs a value", argv[optind - 1]);
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

/* A listening socket for ADDR:PORT (checked by valid_listen()), or -1 after a message. */
static int open_listener(const char *listen_arg)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	char *copy = strdup(listen_arg), *host, *port;
	int fd = -1, err = 0, one = 1, ret;

	if (!copy || split_listen(copy, &host, &port)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		free(copy);
		return -1;
	}
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", prog, listen_arg,
			gai_strerror(ret));
		free(copy);
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 128))
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	free(copy);
	if (fd < 0)
		fprintf(stderr, "%s: cannot listen on %s: %s\n", prog, listen_arg, strerror(err));
	return fd;
}

static int drop_privileges(const struct options *o)
{
	if (initgroups(o->user, o->gid) || setgid(o->gid) || setuid(o->uid)) {
		fprintf(stderr, "%s: cannot become user '%s': %s\n", prog, o->user,
			strerror(errno));
		return -1;
	}
	if (o->uid != 0 && setuid(0) == 0) {
		fprintf(stderr, "%s: could become root again after dropping to '%s'\n", prog,
			o->user);
		return -1;
	}
	return 0;
}

static const char *device_name(const struct options *o)
{
	return o->device ? o->device : MONSTER_DEVICE_PATH;
}

/* lmonster's error for the device, one line */
static int device_error(const struct options *o, int err)
{
	if (err == -ENOENT && o->device && strcmp(o->device, MONSTER_DEVICE_PATH))
		fprintf(stderr, "%s: %s: no such file: give --device the monster device or a "
			"ring-set file\n", prog, o->device);
	else if (err == -EBUSY)
		fprintf(stderr, "%s: %s: a ring is being consumed by another program (the "
			"exporter reads all 15 rings; stop the other consumer)\n", prog,
			device_name(o));
	else
		fprintf(stderr, "%s: %s: %s\n", prog, device_name(o), lmonster_strerror(err));
	return EXIT_FAILED;
}

static int serve(const struct options *o, struct lmonster *h, int listen_fd)
{
	struct grouping g = { .by = o->group_by,
			      .use_proc = !(lmonster_flags(h) & (int)LMONSTER_F_FILE) };
	struct aggregate *agg = aggregate_new(&g, o->top);
	struct consumer c;
	struct http_server *http;
	sigset_t sigs;
	int sig, ret;

	if (!agg) {
		fprintf(stderr, "%s: out of memory\n", prog);
		close(listen_fd);
		return EXIT_FAILED;
	}
	ret = consumer_start(&c, h, agg);
	if (ret) {
		fprintf(stderr, "%s: cannot start the consumer thread: %s\n", prog, strerror(-ret));
		aggregate_free(agg);
		close(listen_fd);
		return EXIT_FAILED;
	}
	http = http_start(listen_fd, &c);
	ret = 0;
	if (http) {
		sigemptyset(&sigs);
		sigaddset(&sigs, SIGINT);
		sigaddset(&sigs, SIGTERM);
		sigwait(&sigs, &sig);
	} else {
		close(listen_fd);
		ret = EXIT_FAILED;
	}
	http_stop(http);
	consumer_stop(&c);
	aggregate_free(agg);
	if (c.error) {
		fprintf(stderr, "%s: %s: reading the rings failed: %s\n", prog, device_name(o),
			lmonster_strerror(c.error));
		ret = EXIT_FAILED;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct options o = { .listen = EXPORTER_DEFAULT_LISTEN, .top = EXPORTER_DEFAULT_TOP };
	struct lmonster *h;
	sigset_t sigs;
	int ret = parse_options(argc, argv, &o), fd;

	if (ret >= 0)
		return ret;
	/* every thread inherits the mask: serve() takes the signals with sigwait() */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = lmonster_open(o.device, 0, &h);
	if (ret)
		return device_error(&o, ret);
	ret = lmonster_claim(h, LMONSTER_ALL_RINGS);
	if (ret) {
		lmonster_close(h);
		return device_error(&o, ret);
	}
	fd = open_listener(o.listen);
	if (fd < 0) {
		lmonster_close(h);
		return EXIT_FAILED;
	}
	if (o.user && drop_privileges(&o)) {
		close(fd);
		lmonster_close(h);
		return EXIT_FAILED;
	}
	ret = serve(&o, h, fd);
	lmonster_close(h);
	return ret;
}
