// SPDX-License-Identifier: GPL-2.0
/*
 * bpfiter - the BPF task iterator peer of the sampler (task_iter.bpf.c,
 * embedded), run the way a user runs one: load with libbpf (CO-RE against
 * the running kernel's BTF), attach the iter/task program, read the
 * iterator to its end once per run. Per run and program:
 *
 *   K.bpf_read.ns_per_task   wall time of one full pass / records written
 *   K.bpf_walk.ns_per_task   the same for the program that reads nothing
 *
 *	bpfiter --key K [--runs N] [--warmup W]
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>

#include <monster.h>

#include "bench.h"

extern const unsigned char bpfiter_obj[], bpfiter_obj_end[];

static const char *prog = "bpfiter";
static char buf[1 << 20];

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level <= LIBBPF_WARN || getenv("BPFITER_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

/* One full pass of the iterator: the records it wrote, -1 on error. */
static long pass(struct bpf_link *link, uint64_t *ns)
{
	uint64_t t0 = th_now_ns();
	long bytes = 0;
	ssize_t n;
	int fd = bpf_iter_create(bpf_link__fd(link));

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		bytes += n;
	*ns = th_now_ns() - t0;
	close(fd);
	return n < 0 ? -1 : bytes / (long)sizeof(struct monster_sample);
}

static void measure(struct bpf_object *obj, const char *name, const char *metric,
		    const char *key, unsigned long runs, unsigned long warmup)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	struct bpf_link *link = p ? bpf_program__attach_iter(p, NULL) : NULL;
	unsigned long i;
	uint64_t ns;
	long recs = 0;

	if (!link)
		bench_die(prog, "attach %s: %s", name, strerror(errno));
	for (i = 0; i < warmup + runs; i++) {
		recs = pass(link, &ns);
		if (recs <= 0)
			bench_die(prog, "%s: read of the iterator failed: %s", name, strerror(errno));
		if (i >= warmup)
			bench_out((double)ns / (double)recs, "%s.%s.ns_per_task", key, metric);
	}
	fprintf(stderr, "%s: %s: %ld records per pass\n", prog, name, recs);
	bpf_link__destroy(link);
}

int main(int argc, char **argv)
{
	unsigned long runs = 7, warmup = 1;
	const char *key = NULL;
	struct bpf_object *obj;
	int i;

	for (i = 1; i < argc; i++) {
		if (bench_opt_uint(argc, argv, &i, "--runs", &runs) ||
		    bench_opt_uint(argc, argv, &i, "--warmup", &warmup) ||
		    bench_opt_str(argc, argv, &i, "--key", &key))
			continue;
		bench_die(prog, "unknown argument '%s' (--key K [--runs N] [--warmup W])", argv[i]);
	}
	if (!key || !runs)
		bench_die(prog, "--key K is needed, --runs at least 1");
	libbpf_set_print(quiet);
	obj = bpf_object__open_mem(bpfiter_obj, (size_t)(bpfiter_obj_end - bpfiter_obj), NULL);
	if (!obj)
		bench_die(prog, "open the BPF object: %s", strerror(errno));
	if (bpf_object__load(obj))
		bench_die(prog, "load the BPF object (BTF of this kernel?): %s", strerror(errno));
	measure(obj, "sweep_read", "bpf_read", key, runs, warmup);
	measure(obj, "sweep_walk", "bpf_walk", key, runs, warmup);
	bpf_object__close(obj);
	return 0;
}
