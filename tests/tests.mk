# SPDX-License-Identifier: GPL-2.0
# VM integration test programs (included from the top Makefile).
#
#   tests/vm/t_*.c    -> $(BUILD)/vm/bin/t_<name>    static x86-64
#   tests/vm/t32_*.c  -> $(BUILD)/vm/bin/t32_<name>  static i386 (-m32): exercises compat_ioctl
#   tests/vm/demo_stats.c -> $(BUILD)/vm/bin/demo_stats  (what `make demo` runs in the guest)
# Each links the shared helpers tests/vm/vmtest.c, tests/vm/vmstress.c and tests/harness.c.
# Static, because the guest is a bare busybox initramfs with no libc. They are built on
# demand by `make check` and `make demo` (target vm-tests), not by `make all`.

VM_DIR     := $(TOP)/tests/vm
VM_BIN     := $(BUILD)/vm/bin
VM_HELPER  := $(wildcard $(VM_DIR)/vmtest.c $(VM_DIR)/vmstress.c) $(TOP)/tests/harness.c
VM_HDRS    := $(wildcard $(VM_DIR)/*.h) $(TOP)/tests/harness.h $(TOP)/uapi/monster.h
VM_LDFLAGS := -static -pthread
VM_PROGS   := $(patsubst $(VM_DIR)/%.c,$(VM_BIN)/%,$(wildcard $(VM_DIR)/t_*.c $(VM_DIR)/t32_*.c)) \
	      $(patsubst $(VM_DIR)/%.c,$(VM_BIN)/%,$(wildcard $(VM_DIR)/demo_stats.c))

.PHONY: vm-tests
vm-tests: $(VM_PROGS)

# rm first: a test that no longer compiles must not leave a stale binary for the VM to run.
$(VM_BIN)/t_%: $(VM_DIR)/t_%.c $(VM_HELPER) $(VM_HDRS)
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) $(ALL_CFLAGS) -I$(VM_DIR) -o $@ $< $(VM_HELPER) $(VM_LDFLAGS)

$(VM_BIN)/t32_%: $(VM_DIR)/t32_%.c $(VM_HELPER) $(VM_HDRS)
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) -m32 $(ALL_CFLAGS) -I$(VM_DIR) -o $@ $< $(VM_HELPER) $(VM_LDFLAGS)

$(VM_BIN)/demo_stats: $(VM_DIR)/demo_stats.c $(VM_HDRS)
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) $(ALL_CFLAGS) -I$(VM_DIR) -o $@ $< $(VM_LDFLAGS)
