# SPDX-License-Identifier: GPL-2.0
# Native tests of liblmonster, monsterctl and the GPU consumer. Each runner prints one
# "PASS <name>: <detail>" / "FAIL <name>: <detail>" line per test and exits 1 on any FAIL.
#
# `make unit-tests` (tests/unit/run-unit.sh):
#   native  the unit binary against build/lib/liblmonster.so, the CLI tests, the symbol check
#   asan    tests + monsterctl linked with the ASan+UBSan library (leaks included), build/asan
#   tsan    tests linked with the ThreadSanitizer library, build/tsan
#   pkgconfig  `make install DESTDIR=build/stage PREFIX=/usr`, then an example consumer built
#           with `cc $(pkg-config --cflags --libs lmonster)` against the staging tree
#   exporter   monster-exporter fed by exporter_feed (tests/unit/exporter.sh): promtool, a
#           Prometheus server, headless Chromium; under asan, without the last two
# `make check-exporter`: only the exporter's suite, native.
# `make gpu-unit-tests` (tests/unit/run-gpu-tests.sh): test_gpu_cpu and monster-gpu-consumer,
#   native and ASan+UBSan, the GPU path against a stand-in libcuda.so.1 where CUDA is built;
#   in build/gpu.
# `make check-gpu`: on a machine with a GPU, registration, GPU == CPU bit for bit,
#   throughput; one SKIP line elsewhere.

UNIT_SRC_DIR := $(TOP)/tests/unit
UNIT_DIR     := $(BUILD)/unit
UNIT_SRCS    := $(addprefix $(UNIT_SRC_DIR)/,unit_main.c t_uapi.c t_ring.c t_errors.c t_abi.c \
		t_events.c) \
		$(TEST_HARNESS)
UNIT_HDRS    := $(UNIT_SRC_DIR)/unit.h $(TEST_HARNESS_H)
UNIT_RUN     := $(UNIT_SRC_DIR)/run-unit.sh
UNIT_ASAN    := $(BUILD)/asan/unit $(BUILD)/asan/monsterctl $(BUILD)/asan/monster-exporter
UNIT_TSAN    := $(BUILD)/tsan/unit

# native: the tests link the shared library the way users do
$(UNIT_DIR)/unit: $(UNIT_SRCS) $(UNIT_HDRS) $$(LIB_HDRS) $$(LIB_SO) $$(LIB_LINKS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -pthread -o $@ $(UNIT_SRCS) -L$(LIB_DIR) -Wl,-rpath,$(LIB_DIR) -llmonster

$(UNIT_DIR)/mkringset: $(UNIT_SRC_DIR)/mkringset.c $(TEST_HARNESS) $(TEST_HARNESS_H) \
		       $$(LIB_HDRS) $$(LIB_SO) $$(LIB_LINKS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TEST_HARNESS) -L$(LIB_DIR) -Wl,-rpath,$(LIB_DIR) -llmonster

$(UNIT_DIR)/exporter_feed: $(UNIT_SRC_DIR)/exporter_feed.c $$(LIB_HDRS) $$(LIB_SO) $$(LIB_LINKS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(LIB_DIR) -Wl,-rpath,$(LIB_DIR) -llmonster

# the sanitizer builds: the tests, and the tools, linked with the library built the same way
$(BUILD)/asan/unit $(BUILD)/tsan/unit: $(BUILD)/%/unit: $(UNIT_SRCS) $(UNIT_HDRS) \
				       $$(LIB_HDRS) $$(LIB_A_$$*)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(SAN_$*) -o $@ $(UNIT_SRCS) $(LIB_A_$*) $(LIB_LIBS)

$(BUILD)/asan/monsterctl: $$(TOOLS_SRCS_monsterctl) $$(TOOLS_HDRS) $$(LIB_HDRS) $$(LIB_A_asan)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(SAN_asan) $(TOOLS_DEFS_monsterctl) -o $@ $(TOOLS_SRCS_monsterctl) \
		$(LIB_A_asan) $(LIB_LIBS) $(JSON_LIBS)

$(BUILD)/asan/monster-exporter: $$(TOOLS_SRCS_monster-exporter) $$(TOOLS_HDRS) $$(LIB_HDRS) \
				$$(LIB_A_asan)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(SAN_asan) $(TOOLS_DEFS_monster-exporter) -o $@ \
		$(TOOLS_SRCS_monster-exporter) $(LIB_A_asan) $(LIB_LIBS) $(JSON_LIBS) \
		$(TOOLS_LIBS_monster-exporter)

UNIT_NATIVE_DEPS = $(UNIT_DIR)/unit $(UNIT_DIR)/mkringset $(UNIT_DIR)/exporter_feed $(MONSTERCTL) \
		   $(EXPORTER) $(LIB_SO) $(LIB_LINKS)

# environment for tests/unit/run-unit.sh
UNIT_ENV = BUILD=$(BUILD) TOP=$(TOP) CC="$(CC)" MAKE="$(MAKE)" LIB_SO=$(LIB_SO) \
	   LIB_MAP=$(LIB_MAP) LIB_PUBLIC="$(LIB_PUBLIC)" MONSTERCTL=$(MONSTERCTL) \
	   MKRINGSET=$(UNIT_DIR)/mkringset EXPORTER=$(EXPORTER) EXPORTER_FEED=$(UNIT_DIR)/exporter_feed

.PHONY: unit-tests unit-tests-native unit-tests-asan unit-tests-tsan unit-tests-pkgconfig \
	check-exporter
unit-tests: $$(UNIT_NATIVE_DEPS) $(UNIT_ASAN) $(UNIT_TSAN)
	@$(UNIT_ENV) bash $(UNIT_RUN) native cli exporter symbols asan tsan pkgconfig
unit-tests-native: $$(UNIT_NATIVE_DEPS)
	@$(UNIT_ENV) bash $(UNIT_RUN) native cli exporter symbols
unit-tests-asan: $(UNIT_ASAN) $(UNIT_DIR)/mkringset $(UNIT_DIR)/exporter_feed
	@$(UNIT_ENV) bash $(UNIT_RUN) asan
check-exporter: $$(UNIT_NATIVE_DEPS)
	@$(UNIT_ENV) bash $(UNIT_RUN) exporter
unit-tests-tsan: $(UNIT_TSAN)
	@$(UNIT_ENV) bash $(UNIT_RUN) tsan
unit-tests-pkgconfig: $(UNIT_DIR)/mkringset
	@$(UNIT_ENV) bash $(UNIT_RUN) pkgconfig

# ---- the GPU consumer's tests
GPU_TEST          := $(BUILD)/gpu/test_gpu_cpu
GPU_TEST_ASAN     := $(BUILD)/gpu/asan/test_gpu_cpu
GPU_CONSUMER_ASAN := $(BUILD)/gpu/asan/monster-gpu-consumer
GPU_FAKE_CUDA     := $(if $(HAVE_CUDA),$(BUILD)/gpu/fake/libcuda.so.1)
GPU_TEST_SRC      := $(UNIT_SRC_DIR)/test_gpu_cpu.c $(TEST_HARNESS)
GPU_TEST_HDRS     := $(UNIT_SRC_DIR)/fake_libcuda.h $(TEST_HARNESS_H)
GPU_TEST_CFLAGS    = -I$(TOP)/gpu $(CUDA_CPPFLAGS)

# static: the test reaches library internals (the close hooks, the embedded fatbin)
$(GPU_TEST): $(GPU_TEST_SRC) $(GPU_TEST_HDRS) $$(LIB_HDRS) $$(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(GPU_TEST_CFLAGS) -o $@ $(GPU_TEST_SRC) $(LIB_A) $(LIB_LIBS) -pthread

$(GPU_TEST_ASAN): $(GPU_TEST_SRC) $(GPU_TEST_HDRS) $$(LIB_HDRS) $$(LIB_A_asan)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(SAN_asan) $(GPU_TEST_CFLAGS) -o $@ $(GPU_TEST_SRC) $(LIB_A_asan) \
		$(LIB_LIBS)

$(GPU_CONSUMER_ASAN): $$(TOOLS_SRCS_monster-gpu-consumer) $$(TOOLS_HDRS) $$(LIB_HDRS) \
		      $$(LIB_A_asan)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(SAN_asan) $(TOOLS_DEFS_monster-gpu-consumer) -o $@ \
		$(TOOLS_SRCS_monster-gpu-consumer) $(LIB_A_asan) $(LIB_LIBS) $(JSON_LIBS)

# a stand-in driver: the real entry points' signatures (cuda.h), no GPU; see the file
$(BUILD)/gpu/fake/libcuda.so.1: $(UNIT_SRC_DIR)/fake_libcuda.c $(UNIT_SRC_DIR)/fake_libcuda.h \
				$$(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(GPU_TEST_CFLAGS) -fPIC -shared -Wl,-soname,libcuda.so.1 -o $@ $<

GPU_UNIT_DEPS = $(GPU_TEST) $(GPU_TEST_ASAN) $(GPU_CONSUMER) $(GPU_CONSUMER_ASAN) $(GPU_FAKE_CUDA)

.PHONY: gpu-unit-tests check-gpu
gpu-unit-tests: $$(GPU_UNIT_DEPS)
	@bash $(UNIT_SRC_DIR)/run-gpu-tests.sh $(GPU_TEST) $(GPU_CONSUMER) $(GPU_TEST_ASAN) \
		$(GPU_CONSUMER_ASAN) $(GPU_FAKE_CUDA)

ifeq ($(HAVE_CUDA),1)
check-gpu: $(GPU_TEST) $$(GPU_CONSUMER)
	@$(GPU_TEST) --check-gpu --tool $(GPU_CONSUMER)
else
check-gpu:
	@echo "SKIP check-gpu: built without CUDA (no nvcc with cuda.h on this machine)"
endif
