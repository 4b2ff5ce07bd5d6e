# SPDX-License-Identifier: GPL-2.0
# VM integration test programs, and what the VM runs beside them.
#
#   tests/vm/t_*.c    -> $(BUILD)/vm/bin/t_<name>    static x86-64
#   tests/vm/t32_*.c  -> $(BUILD)/vm/bin/t32_<name>  static i386 (-m32): exercises compat_ioctl
#   tests/vm/demo_stats.c -> $(BUILD)/vm/bin/demo_stats  (what `make demo` runs in the guest)
# Each links the shared helpers (tests/vm/vmtest.c, vmstress.c, tests/harness.c); the ones that use
# liblmonster (tests/vm/t_*_lmonster*.c) link liblmonster.a too. Static, because the guest
# is a bare busybox initramfs with no libc. They are built on demand by `make check` and
# `make demo` (target vm-tests), not by `make all`.
#
# vm-lib-extras: what t_85_lmonster and t_86_exporter run in the guest when it is there:
#   run-vm.sh --add $(BUILD)/tools/monsterctl.static:/bin/monsterctl \
#             --add $(BUILD)/unit/example_consumer.static:/bin/example_consumer \
#             --add $(BUILD)/tools/monster-exporter.vm:/bin/monster-exporter
# example_consumer is built the way a user links statically: against a staged install,
# with `pkg-config --cflags --libs --static lmonster`.

VM_DIR      := $(TOP)/tests/vm
VM_BIN      := $(BUILD)/vm/bin
VM_HELPER   := $(VM_DIR)/vmtest.c $(VM_DIR)/vmstress.c $(TEST_HARNESS)
VM_HDRS     := $(wildcard $(VM_DIR)/*.h) $(TEST_HARNESS_H) $(TOP)/uapi/monster.h
VM_LDFLAGS  := -static -pthread
vm_bins      = $(patsubst $(VM_DIR)/%.c,$(VM_BIN)/%,$(wildcard $(addprefix $(VM_DIR)/,$(1))))
VM_T64      := $(call vm_bins,t_*.c)
VM_T32      := $(call vm_bins,t32_*.c)
VM_LIB      := $(call vm_bins,t_*_lmonster*.c)
VM_DEMO     := $(call vm_bins,demo_stats.c)
VM_PROGS    := $(VM_T64) $(VM_T32) $(VM_DEMO)

.PHONY: vm-tests vm-lib-extras
vm-tests: $(VM_PROGS)

$(VM_T64) $(VM_T32): $(VM_BIN)/%: $(VM_DIR)/%.c $(VM_HELPER) $(VM_HDRS)
$(VM_DEMO): $(VM_BIN)/%: $(VM_DIR)/%.c $(VM_HDRS)
$(VM_T32): VM_ARCH := -m32
$(VM_LIB): $$(LIB_A) $$(LIB_HDRS)
$(VM_LIB): VM_LIBS = $(LIB_A) $(LIB_LIBS) $(JSON_LIBS)
# rm first: a test that no longer compiles must not leave a stale binary for the VM to run.
$(VM_PROGS):
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) $(VM_ARCH) $(ALL_CFLAGS) -I$(VM_DIR) -o $@ $(filter %.c,$^) $(VM_LIBS) $(VM_LDFLAGS)

VM_EXAMPLE_STATIC := $(BUILD)/unit/example_consumer.static
VM_STAGE_STATIC   := $(BUILD)/stage-static
vm-lib-extras: $$(MONSTERCTL_STATIC) $(VM_EXAMPLE_STATIC) $$(EXPORTER_VM)

$(VM_EXAMPLE_STATIC): $(TOP)/tests/unit/example_consumer.c $$(LIB_A) $$(LIB_SO) $$(LIB_PC) \
		      $$(LIB_HDRS)
	@mkdir -p $(@D)
	@rm -rf $(VM_STAGE_STATIC)
	@$(MAKE) --no-print-directory install-lib DESTDIR=$(VM_STAGE_STATIC) PREFIX=/usr >/dev/null
	PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$(VM_STAGE_STATIC)/usr/lib/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$(VM_STAGE_STATIC) sh -c '$(CC) -std=c11 -Wall -Wextra -Werror \
		-static -o $@ $< $$(pkg-config --cflags --libs --static lmonster)'
