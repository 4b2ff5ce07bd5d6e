# SPDX-License-Identifier: GPL-2.0
# Native unit tests of liblmonster and monsterctl (included from tests/tests.mk or the
# top Makefile). `make unit-tests` builds and runs everything below and prints one
# "PASS <name>: <detail>" / "FAIL <name>: <detail>" line per test, exit status 1 on any FAIL:
#   native  the unit binary against build/lib/liblmonster.so, the CLI tests, the symbol check
#   asan    lib + tests + monsterctl with ASan+UBSan (leaks included), in build/asan
#   tsan    lib + tests with ThreadSanitizer, in build/tsan
#   pkgconfig  `make install DESTDIR=build/stage PREFIX=/usr`, then an example consumer built
#           with `cc $(pkg-config --cflags --libs lmonster)` against the staging tree

ifndef UNIT_MK_INCLUDED
UNIT_MK_INCLUDED := 1

UNIT_SRC_DIR := $(TOP)/tests/unit
UNIT_SRCS    := $(addprefix $(UNIT_SRC_DIR)/,unit_main.c t_uapi.c t_ring.c t_errors.c) \
		$(TOP)/tests/harness.c
UNIT_HDRS    := $(UNIT_SRC_DIR)/unit.h $(TOP)/tests/harness.h $(LIB_HDRS)
UNIT_DIR     := $(BUILD)/unit
UNIT_RUN     := $(UNIT_SRC_DIR)/run-unit.sh

# native: the tests link the shared library the way users do
$(UNIT_DIR)/unit: $(UNIT_SRCS) $(UNIT_HDRS) $(LIB_SO) $(LIB_LINKS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -pthread -o $@ $(UNIT_SRCS) -L$(LIB_DIR) -Wl,-rpath,$(LIB_DIR) -llmonster

$(UNIT_DIR)/mkringset: $(UNIT_SRC_DIR)/mkringset.c $(TOP)/tests/harness.c $(TOP)/tests/harness.h \
		       $(LIB_HDRS) $(LIB_SO) $(LIB_LINKS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TOP)/tests/harness.c -L$(LIB_DIR) -Wl,-rpath,$(LIB_DIR) \
		-llmonster

# sanitizer trees: the core library sources compiled into each program (the GPU/NUMA parts
# have their own sanitizer builds in gpu/gpu.mk)
LIB_CORE_SRCS := $(addprefix $(TOP)/lib/,open.c ring.c wait.c control.c error.c fileset.c)
SAN_asan := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_tsan := -O1 -g -fsanitize=thread
SAN_CFLAGS = $(CSTD) $(WARN) -I$(TOP)/uapi -I$(TOP)/lib $(LIB_DEFS) -pthread

$(BUILD)/asan/unit $(BUILD)/tsan/unit: $(BUILD)/%/unit: $(UNIT_SRCS) $(LIB_CORE_SRCS) $(UNIT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(SAN_$*) -o $@ $(UNIT_SRCS) $(LIB_CORE_SRCS)

$(BUILD)/asan/monsterctl: $(TOP)/tools/monsterctl.c $(TOP)/tools/parse_num.h $(LIB_CORE_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(SAN_asan) -DMONSTERCTL_VERSION='"$(VERSION)"' -o $@ $< $(LIB_CORE_SRCS)

# VM test programs that use liblmonster (tests/vm/t_*_lmonster*.c): linked statically with
# liblmonster.a, since the guest has no libc. An explicit rule, so it wins over tests.mk's
# pattern rule for t_% (which links the VM helpers only).
LMONSTER_VM_PROGS := $(patsubst $(TOP)/tests/vm/%.c,$(BUILD)/vm/bin/%,\
		       $(wildcard $(TOP)/tests/vm/t_*_lmonster*.c))
$(LMONSTER_VM_PROGS): $(BUILD)/vm/bin/%: $(TOP)/tests/vm/%.c $(TOP)/tests/vm/vmtest.c \
		      $(TOP)/tests/vm/vmtest.h $(TOP)/tests/harness.c $(TOP)/tests/harness.h \
		      $(LIB_A) $(LIB_HDRS)
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) $(ALL_CFLAGS) -I$(TOP)/tests/vm -o $@ $< $(TOP)/tests/vm/vmtest.c \
		$(TOP)/tests/harness.c $(LIB_A) \
		$(LMONSTER_EXTRA_LIBS) -static -pthread

# What t_85_lmonster runs in the guest when it is there (the guest has no libc, so static):
#   run-vm.sh --add $(BUILD)/tools/monsterctl.static:/bin/monsterctl \
#             --add $(BUILD)/unit/example_consumer.static:/bin/example_consumer
# example_consumer is built the way a user links statically: against a staged install,
# with `pkg-config --cflags --libs --static lmonster`.
UNIT_STAGE_STATIC := $(BUILD)/stage-static
$(UNIT_DIR)/example_consumer.static: $(UNIT_SRC_DIR)/example_consumer.c $(LIB_A) $(LIB_SO) \
				     $(LIB_PC) $(LIB_HDRS)
	@mkdir -p $(@D)
	@rm -rf $(UNIT_STAGE_STATIC)
	@$(MAKE) --no-print-directory install-lib DESTDIR=$(UNIT_STAGE_STATIC) PREFIX=/usr >/dev/null
	PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$(UNIT_STAGE_STATIC)/usr/lib/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$(UNIT_STAGE_STATIC) sh -c '$(CC) -std=c11 -Wall -Wextra -Werror \
		-static -o $@ $< $$(pkg-config --cflags --libs --static lmonster)'

.PHONY: vm-lib-extras
vm-lib-extras: $(MONSTERCTL_STATIC) $(UNIT_DIR)/example_consumer.static

UNIT_NATIVE_DEPS := $(UNIT_DIR)/unit $(UNIT_DIR)/mkringset $(MONSTERCTL) $(LIB_SO) $(LIB_LINKS)
UNIT_ASAN_DEPS   := $(BUILD)/asan/unit $(BUILD)/asan/monsterctl $(UNIT_DIR)/mkringset
UNIT_TSAN_DEPS   := $(BUILD)/tsan/unit

# environment for tests/unit/run-unit.sh
UNIT_ENV = BUILD=$(BUILD) TOP=$(TOP) CC="$(CC)" MAKE="$(MAKE)" LIB_SO=$(LIB_SO) \
	   MONSTERCTL=$(MONSTERCTL) MKRINGSET=$(UNIT_DIR)/mkringset

.PHONY: unit-tests unit-tests-native unit-tests-asan unit-tests-tsan unit-tests-pkgconfig
unit-tests: $(UNIT_NATIVE_DEPS) $(UNIT_ASAN_DEPS) $(UNIT_TSAN_DEPS)
	@$(UNIT_ENV) bash $(UNIT_RUN) native cli symbols asan tsan pkgconfig
unit-tests-native: $(UNIT_NATIVE_DEPS)
	@$(UNIT_ENV) bash $(UNIT_RUN) native cli symbols
unit-tests-asan: $(UNIT_ASAN_DEPS)
	@$(UNIT_ENV) bash $(UNIT_RUN) asan
unit-tests-tsan: $(UNIT_TSAN_DEPS)
	@$(UNIT_ENV) bash $(UNIT_RUN) tsan
unit-tests-pkgconfig: $(UNIT_DIR)/mkringset
	@$(UNIT_ENV) bash $(UNIT_RUN) pkgconfig

endif # UNIT_MK_INCLUDED
