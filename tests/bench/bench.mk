# SPDX-License-Identifier: GPL-2.0
# `make bench`: what the sampler costs against the userspace alternative, how fast the
# rings drain against the memory-bandwidth limit, and how both scale with the number of
# tasks. Prints markdown tables and writes them to $(BUILD)/bench/bench-<date>.md (and
# latest.md). Asserts nothing; not part of `make check`.
#
#   make bench                   full run (7 runs per figure; the time is in the report)
#   make bench BENCH_QUICK=1     shorter windows and 5 runs per figure
#   make bench BENCH_KVER=6.1    the VM on the 6.1 kernel (default 6.12; a series or a release)
#   BENCH_TASKS="100 1000 10000" task counts; BENCH_RUNS=N runs per figure; BENCH_VM_MEM=MiB
#   BENCH_CO_TASKS=N, BENCH_PAR_TASKS="..."  the changed-only and parallel-sweep parts
#
# The programs are static, so the same binaries run natively and in the VM's bare initramfs:
#   $(BUILD)/bench/bin/spawn      forks tiny sleeping processes, runs a command, cleans up
#   $(BUILD)/bench/bin/procscan   top/htop-style /proc sweep (stat, status, schedstat)
#   $(BUILD)/bench/bin/monbench   liblmonster consumer: sweep cost, overhead, drain, wake-up
#   $(BUILD)/bench/bin/bpfiter    the BPF task iterator peer of the sweep (task_iter.bpf.c,
#                                 clang -target bpf, CO-RE; loaded with libbpf)
#   $(BUILD)/bench/bin/wakebase   a bare eventfd and futex wake-up between two threads
#   $(BUILD)/bench/bin/evload     fork/exec/exit and page-fault workloads (the events' cost)
#   $(BUILD)/bench/bin/exit0      what evload's children exec: exit(0), no C runtime
# and the bpftrace peers of the events, trace_fork.bt and trace_fault.bt (bench.sh adds
# bpftrace, with its libraries, to the guest)

BENCH_DIR   := $(TOP)/tests/bench
BENCH_BIN   := $(BUILD)/bench/bin
BENCH_HDRS  := $(BENCH_DIR)/bench.h $(TEST_HARNESS_H) $(TOP)/uapi/monster.h
BENCH_SHARED := $(BENCH_DIR)/bench.c $(TEST_HARNESS)
BENCH_PROGS := $(BENCH_BIN)/spawn $(BENCH_BIN)/procscan $(BENCH_BIN)/monbench \
	       $(BENCH_BIN)/wakebase $(BENCH_BIN)/bpfiter $(BENCH_BIN)/evload $(BENCH_BIN)/exit0
BENCH_BPF_O := $(BUILD)/bench/task_iter.bpf.o
BENCH_BPF_S := $(BUILD)/bench/bpfiter_obj.o
CLANG       ?= clang

.PHONY: bench bench-progs
bench-progs: $(BENCH_PROGS)

$(BENCH_BIN)/procscan $(BENCH_BIN)/evload: $(BENCH_BIN)/%: $(BENCH_DIR)/%.c $(BENCH_SHARED) \
					   $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BENCH_SHARED) -static

$(BENCH_BIN)/spawn $(BENCH_BIN)/wakebase: $(BENCH_BIN)/%: $(BENCH_DIR)/%.c $(BENCH_SHARED) \
					     $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BENCH_SHARED) -static -pthread

$(BENCH_BIN)/exit0: $(BENCH_DIR)/exit0.S
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -o $@ $<

# the BPF program against the running kernel's BTF at load time (CO-RE): no vmlinux.h needed
$(BENCH_BPF_O): $(BENCH_DIR)/task_iter.bpf.c $(TOP)/uapi/monster.h
	@mkdir -p $(@D)
	$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I$(TOP)/uapi \
		-I/usr/include/$(shell $(CC) -dumpmachine) -c -o $@ $<

$(BENCH_BPF_S): $(BENCH_DIR)/bpfiter_obj.S $(BENCH_BPF_O)
	$(CC) -c -DBPFITER_OBJ='"$(BENCH_BPF_O)"' -o $@ $<

$(BENCH_BIN)/bpfiter: $(BENCH_DIR)/bpfiter.c $(BENCH_BPF_S) $(BENCH_SHARED) $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BENCH_BPF_S) $(BENCH_SHARED) -static -lbpf -lelf -lz

# linked with liblmonster.a (and what its objects need), fully static for the guest; the
# library's dlopen of libcuda is never reached here, so glibc's static-dlopen note is noise
$(BENCH_BIN)/monbench: $(BENCH_DIR)/monbench.c $(BENCH_SHARED) $(BENCH_HDRS) $$(LIB_HDRS) \
		       $$(LIB_A)
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BENCH_SHARED) $(LIB_A) $(LIB_LIBS) -static -pthread 2>&1 | \
		{ grep -v "statically linked applications requires at runtime" || true; }
	@test -x $@

bench: setup bench-progs
	@BUILD=$(BUILD) BENCH_QUICK=$(BENCH_QUICK) BENCH_KVER=$(BENCH_KVER) \
		bash $(BENCH_DIR)/bench.sh
include $(TOP)/tests/bench/exporter.mk
