// SPDX-License-Identifier: GPL-2.0
/*
 * monsterctl - control and inspect /dev/monster (or a file-backed ring set)
 * through liblmonster. This file: the global options, the command list,
 * help, and running a command: its arguments, the device, its work.
 */
#include <stdio.h>
#include <string.h>

#include "monsterctl.h"

#ifndef MONSTERCTL_VERSION
#define MONSTERCTL_VERSION "unknown"
#endif

static const struct command *const commands[] = {
	&cmd_info, &cmd_status, &cmd_start, &cmd_stop, &cmd_set, &cmd_stats, &cmd_reset,
	&cmd_dump, &cmd_events, &cmd_watch,
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(name, commands[i]->name))
			return commands[i];
	return NULL;
}

static void main_help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s [--device PATH] COMMAND [ARGS]\n"
		"       %s --help | --version\n\n"
		"Control and inspect the monster process sampler.\n\ncommands:\n", prog, prog);
	for (i = 0; i < NR_COMMANDS; i++)
		if (*commands[i]->args)
			fprintf(f, "  %-6s %-36s %s\n", commands[i]->name, commands[i]->summary,
				commands[i]->args);
		else
			fprintf(f, "  %-6s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\noptions:\n"
		"  -d, --device PATH   the device, or a file-backed ring set (default %s)\n"
		"  -h, --help          this help; '%s COMMAND --help' for a command\n"
		"  -V, --version       print versions\n\n"
		"Exit status: 0 ok, 1 the operation failed, 2 bad usage. See monsterctl(8).\n",
		MONSTER_DEVICE_PATH, prog);
}

static void command_help(const struct command *c)
{
	printf("usage: %s [--device PATH] %s%s%s\n\n%s", prog, c->name, *c->args ? " " : "",
	       c->args, c->help);
}

/* Whether a command's arguments ask for help: answered before anything is validated. */
static bool want_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	}
	return false;
}

/* The global options; -1 to go on with the command at argv[optind], else the exit status. */
static int global_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
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
			printf("%s %s (liblmonster %s, monster ABI %u.%u)\n", prog,
			       MONSTERCTL_VERSION, lmonster_version(), MONSTER_ABI_MAJOR,
			       MONSTER_ABI_MINOR);
			return 0;
		default:
			if (optopt == 'd')
				return usage_error("option '%s' needs a path", argv[optind - 1]);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	return -1;
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

/* A command's options (-h was answered before), then no operands: 0 or the exit status. */
static int parse_options(const struct command *c, int argc, char **argv)
{
	static const struct option help_only[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *optstring = c->options ? c->optstring : "+h";
	int opt, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, c->options ? c->options : help_only,
				  NULL)) != -1) {
		if (opt == '?')
			return bad_option(argv, optstring);
		if (opt != 'h' && c->on_option) {
			ret = c->on_option(opt, optarg, c->ctx);
			if (ret)
				return ret;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

static int run_command(const struct command *c, int argc, char **argv)
{
	struct lmonster *h;
	int ret = c->parse ? c->parse(argc, argv, c->ctx) : parse_options(c, argc, argv);

	if (ret)
		return ret;
	ret = lmonster_open(device_path, c->open_flags, &h);
	if (ret)
		return lib_error(ret);
	ret = c->run(h, c->ctx);
	lmonster_close(h);
	return ret;
}

/* monsterctl help [COMMAND] */
static int help_command(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		main_help(stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error("unknown command '%s'", argv[1]);
	command_help(c);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = global_options(argc, argv);

	if (ret >= 0)
		return ret;
	if (optind >= argc) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "help"))
		return help_command(argc, argv);
	current_command = find_command(argv[0]);
	if (!current_command)
		return usage_error("unknown command '%s'", argv[0]);
	if (want_help(argc, argv)) {
		command_help(current_command);
		return 0;
	}
	return run_command(current_command, argc, argv);
}
