// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - how monsterctl prints a record of any kind, as a row of the
 * dump table or as one JSON object: the header every kind shares, then the
 * kind's own fields by their uapi/monster.h names. Both forms read the same
 * table of each kind's fields.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"
#include "monsterctl.h"

enum field_type {
	FT_U32,
	FT_S32,
	FT_U64,
	FT_HEX,		/* a register or an address: a hex string (no double can hold it) */
	FT_BYTES,	/* a NUL-padded byte string */
	FT_FLAG,	/* true when flags has the bit */
	FT_NOT_FLAG,	/* true when flags lacks the bit */
	FT_STATE,	/* the state letter of a sample */
	FT_SYSCALL,	/* the system call a sampled task is in, -1 for none */
};

struct field {
	const char *name;
	enum field_type type;
	unsigned short off;	/* in the record */
	unsigned short len;
	__u32 flag;		/* FT_FLAG, FT_NOT_FLAG */
};

#define SAMPLE_FIELD(f, t) \
	{ #f, t, offsetof(struct monster_sample, f), sizeof(((struct monster_sample *)0)->f), 0 }
#define EVENT_FIELD(kind, f, t) \
	{ #f, t, offsetof(struct monster_event, kind.f), \
	  sizeof(((struct monster_event *)0)->kind.f), 0 }
#define FLAG_FIELD(name, t, bit) { name, t, 0, 0, bit }

static const struct field sample_fields[] = {
	{ "state", FT_STATE, 0, 0, 0 },
	SAMPLE_FIELD(nr_threads, FT_U32),
	{ "syscall", FT_SYSCALL, 0, 0, 0 },
	SAMPLE_FIELD(rip, FT_HEX),
	SAMPLE_FIELD(rsp, FT_HEX),
	SAMPLE_FIELD(rax, FT_HEX),
	SAMPLE_FIELD(rbx, FT_HEX),
	SAMPLE_FIELD(rcx, FT_HEX),
	SAMPLE_FIELD(rdx, FT_HEX),
	SAMPLE_FIELD(mem_bytes, FT_U64),
	SAMPLE_FIELD(cpu_time_ns, FT_U64),
	SAMPLE_FIELD(utime_ns, FT_U64),
	SAMPLE_FIELD(stime_ns, FT_U64),
	SAMPLE_FIELD(runtime_ns, FT_U64),
	SAMPLE_FIELD(min_flt, FT_U64),
	SAMPLE_FIELD(maj_flt, FT_U64),
	SAMPLE_FIELD(nvcsw, FT_U64),
	SAMPLE_FIELD(nivcsw, FT_U64),
	SAMPLE_FIELD(run_delay_ns, FT_U64),
	SAMPLE_FIELD(start_time_ns, FT_U64),
};

static const struct field fork_fields[] = {
	EVENT_FIELD(fork, parent_pid, FT_U32),
	EVENT_FIELD(fork, parent_tgid, FT_U32),
	EVENT_FIELD(fork, child_start_ns, FT_U64),
	EVENT_FIELD(fork, parent_start_ns, FT_U64),
	FLAG_FIELD("thread", FT_FLAG, MONSTER_EF_THREAD),
};

static const struct field exec_fields[] = {
	EVENT_FIELD(exec, old_pid, FT_U32),
	EVENT_FIELD(exec, filename, FT_BYTES),
};

static const struct field exit_fields[] = {
	EVENT_FIELD(exit, exit_code, FT_S32),
	EVENT_FIELD(exit, signal, FT_U32),
	EVENT_FIELD(exit, utime_ns, FT_U64),
	EVENT_FIELD(exit, stime_ns, FT_U64),
	EVENT_FIELD(exit, runtime_ns, FT_U64),
	EVENT_FIELD(exit, min_flt, FT_U64),
	EVENT_FIELD(exit, maj_flt, FT_U64),
	EVENT_FIELD(exit, nvcsw, FT_U64),
	EVENT_FIELD(exit, nivcsw, FT_U64),
	EVENT_FIELD(exit, peak_rss_bytes, FT_U64),
	EVENT_FIELD(exit, start_time_ns, FT_U64),
	FLAG_FIELD("thread", FT_FLAG, MONSTER_EF_THREAD),
	FLAG_FIELD("group_exit", FT_FLAG, MONSTER_EF_GROUP_EXIT),
};

static const struct field fault_fields[] = {
	EVENT_FIELD(fault, address, FT_HEX),
	EVENT_FIELD(fault, ip, FT_HEX),
	EVENT_FIELD(fault, error_code, FT_U64),
	FLAG_FIELD("user", FT_NOT_FLAG, MONSTER_EF_KERNEL),
	FLAG_FIELD("hidden", FT_FLAG, MONSTER_EF_HIDDEN),
};

static const struct field reclaim_fields[] = {
	EVENT_FIELD(reclaim, interval_ns, FT_U64),
	EVENT_FIELD(reclaim, kswapd_wakes, FT_U64),
	EVENT_FIELD(reclaim, kswapd_sleeps, FT_U64),
	EVENT_FIELD(reclaim, direct_begins, FT_U64),
	EVENT_FIELD(reclaim, direct_ends, FT_U64),
	EVENT_FIELD(reclaim, direct_reclaimed, FT_U64),
	EVENT_FIELD(reclaim, folios_written, FT_U64),
	EVENT_FIELD(reclaim, pswpin, FT_U64),
	EVENT_FIELD(reclaim, pswpout, FT_U64),
	EVENT_FIELD(reclaim, pgsteal_kswapd, FT_U64),
	EVENT_FIELD(reclaim, pgsteal_direct, FT_U64),
	EVENT_FIELD(reclaim, pgscan_kswapd, FT_U64),
	EVENT_FIELD(reclaim, pgscan_direct, FT_U64),
	EVENT_FIELD(reclaim, allocstall, FT_U64),
};

#define FIELDS(a) { a, sizeof(a) / sizeof(a[0]) }

/* Each kind's fields after the header; a kind kind_name() does not know is never printed. */
static const struct {
	const struct field *f;
	size_t n;
} kind_fields[MONSTER_NR_KINDS] = {
	[MONSTER_KIND_SAMPLE] = FIELDS(sample_fields),
	[MONSTER_KIND_FORK] = FIELDS(fork_fields),
	[MONSTER_KIND_EXEC] = FIELDS(exec_fields),
	[MONSTER_KIND_EXIT] = FIELDS(exit_fields),
	[MONSTER_KIND_FAULT] = FIELDS(fault_fields),
	[MONSTER_KIND_RECLAIM] = FIELDS(reclaim_fields),
};

/* The fields of a kind after the header: none for a kind outside the table. */
static size_t nr_fields(unsigned int kind)
{
	return kind < MONSTER_NR_KINDS ? kind_fields[kind].n : 0;
}

static __u64 field_u64(const struct monster_sample *s, const struct field *f)
{
	__u64 v64;
	__u32 v32;

	if (f->len == sizeof(v64)) {
		memcpy(&v64, (const char *)s + f->off, sizeof(v64));
		return v64;
	}
	memcpy(&v32, (const char *)s + f->off, sizeof(v32));
	return v32;
}

static bool field_flag(const struct monster_sample *s, const struct field *f)
{
	return (f->type == FT_FLAG) == ((s->flags & f->flag) != 0);
}

static char state_char(unsigned int state)
{
	return state < sizeof(MONSTER_STATE_CHARS) - 1 ? MONSTER_STATE_CHARS[state] : '?';
}

/* A byte string for one text column or value: blanks and unprintable bytes as '?'. */
static void text_bytes(char *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i]; i++)
		out[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
}

void print_record_header(void)
{
	printf("%4s %5s %10s %16s %7s %7s %3s %s %-16s %10s %11s %-18s %5s %s\n", "RING",
	       "PRIME", "SEQ", "TIME(s)", "PID", "TGID", "CPU", "S", "COMM", "RSS(KiB)",
	       "CPU(ms)", "RIP", "HECKE", "KIND");
}

static void print_field_text(const struct monster_sample *s, const struct field *f)
{
	char bytes[MONSTER_FILENAME_LEN + 1];

	printf(" %s=", f->name);
	switch (f->type) {
	case FT_S32:
		printf("%d", (int)(__s32)field_u64(s, f));
		break;
	case FT_HEX:
		printf("0x%llx", (unsigned long long)field_u64(s, f));
		break;
	case FT_BYTES:
		text_bytes(bytes, (const char *)s + f->off, f->len);
		printf("%s", bytes);
		break;
	case FT_FLAG:
	case FT_NOT_FLAG:
		printf("%s", field_flag(s, f) ? "true" : "false");
		break;
	case FT_STATE:
		printf("%c", state_char(s->state));
		break;
	case FT_SYSCALL:
		printf("%d", monster_sample_syscall(s));
		break;
	default:
		printf("%llu", (unsigned long long)field_u64(s, f));
		break;
	}
}

void print_record_text(unsigned int ring, const struct monster_sample *s)
{
	char comm[sizeof(s->comm) + 1];
	size_t i;

	text_bytes(comm, s->comm, sizeof(s->comm));
	printf("%4u %5u %10llu %16.6f %7u %7u %3u ", ring, monster_prime(ring),
	       (unsigned long long)s->seq, (double)s->timestamp_ns / 1e9, s->pid, s->tgid, s->cpu);
	if (s->kind == MONSTER_KIND_SAMPLE) {
		printf("%c %-16s %10llu %11.3f 0x%016llx %5u %s\n", state_char(s->state), comm,
		       (unsigned long long)(s->mem_bytes / 1024), ms(s->cpu_time_ns),
		       (unsigned long long)s->rip, s->hecke, kind_name(s->kind));
		return;
	}
	/* an event: none of a sample's columns, its own fields after the kind */
	printf("- %-16s %10s %11s %-18s %5u %s", comm, "-", "-", "-", s->hecke,
	       kind_name(s->kind));
	for (i = 0; i < nr_fields(s->kind); i++)
		print_field_text(s, &kind_fields[s->kind].f[i]);
	printf("\n");
}

static void json_field(struct jsonw *w, const struct monster_sample *s, const struct field *f)
{
	const char *bytes = (const char *)s + f->off;

	switch (f->type) {
	case FT_S32:
		jsonw_int(w, f->name, (__s32)field_u64(s, f));
		break;
	case FT_HEX:
		jsonw_stringf(w, f->name, "0x%llx", (unsigned long long)field_u64(s, f));
		break;
	case FT_BYTES:
		jsonw_bytes(w, f->name, bytes, strnlen(bytes, f->len));
		break;
	case FT_FLAG:
	case FT_NOT_FLAG:
		jsonw_bool(w, f->name, field_flag(s, f));
		break;
	case FT_STATE:
		jsonw_stringf(w, f->name, "%c", state_char(s->state));
		break;
	case FT_SYSCALL:
		jsonw_int(w, f->name, monster_sample_syscall(s));
		break;
	default:
		jsonw_uint(w, f->name, field_u64(s, f));
		break;
	}
}

int print_record_json(struct jsonw *w, unsigned int ring, const struct monster_sample *s)
{
	size_t i;

	jsonw_start_object(w, NULL);
	jsonw_uint(w, "ring", ring);
	jsonw_uint(w, "prime", monster_prime(ring));
	jsonw_uint(w, "seq", s->seq);
	jsonw_string(w, "kind", kind_name(s->kind));
	jsonw_uint(w, "timestamp_ns", s->timestamp_ns);
	jsonw_uint(w, "pid", s->pid);
	jsonw_uint(w, "tgid", s->tgid);
	jsonw_uint(w, "cpu", s->cpu);
	jsonw_uint(w, "flags", s->flags);
	jsonw_uint(w, "shard", s->shard);
	jsonw_uint(w, "hecke", s->hecke);
	jsonw_bytes(w, "comm", s->comm, strnlen(s->comm, sizeof(s->comm)));
	for (i = 0; i < nr_fields(s->kind); i++)
		json_field(w, s, &kind_fields[s->kind].f[i]);
	return jsonw_end(w);
}
