# SPDX-License-Identifier: GPL-2.0
# gpu.mk (included from the top Makefile before lib.mk): the GPU consumer.
#
#   gpu/monster_kernels.cu -> $(BUILD)/gpu/monster_kernels.fatbin  (nvcc: sm_80 + sm_90 SASS,
#                             compute_90 PTX) -> gpu/fatbin.S embeds it -> fatbin.o
#   gpu/cpu_path.c         -> cpu_path.o (the CPU twin of the kernel)
#   lib/gpu.c, lib/numa.c  -> compiled by lib.mk (its lib/*.c wildcard) with the flags set here
#   tools/monster-gpu-consumer.c -> $(BUILD)/tools/monster-gpu-consumer
#   tests/unit/test_gpu_cpu.c    -> $(BUILD)/gpu/test_gpu_cpu (+ an ASan/UBSan build, and
#                                   tests/unit/fake_libcuda.c -> a stand-in libcuda.so.1)
#
# Where $(NVCC) is empty or has no cuda.h beside it, nothing here needs CUDA: lib/gpu.c
# compiles its stub and every GPU call answers "built without CUDA".
#
# For lib.mk:  LMONSTER_EXTRA_OBJS (PIC objects to link into liblmonster.so/.a),
#              LMONSTER_EXTRA_LIBS (libraries liblmonster needs).
# Targets:     gpu-unit-tests (native + ASan/UBSan, PASS/FAIL lines), check-gpu,
#              gpu-consumer-static (for the VM), gpu-fatbin.

GPU_DIR    := $(TOP)/gpu
GPU_BUILD  := $(BUILD)/gpu
GPU_LIBSRC := $(TOP)/lib
GPU_TESTS  := $(TOP)/tests/unit
GPU_TOOLS  := $(BUILD)/tools

# CUDA: nvcc plus the driver API header next to it (or in /usr/include)
CUDA_H      := $(if $(NVCC),$(firstword $(wildcard $(dir $(realpath $(NVCC)))../include/cuda.h \
                 $(dir $(NVCC))../include/cuda.h /usr/include/cuda.h)))
CUDA_INCDIR := $(if $(CUDA_H),$(abspath $(dir $(CUDA_H))))
GPU_CUDA    := $(if $(and $(NVCC),$(CUDA_H)),1)

GPU_NVCCFLAGS ?= -O3
# -fmad=false, exact division and no flush-to-zero: the CPU path must get the same bits
GPU_NVCC_ARCH := -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
		 -gencode arch=compute_90,code=compute_90
GPU_NVCC_ALL   = -fatbin -std=c++17 $(GPU_NVCCFLAGS) -fmad=false -prec-div=true -ftz=false \
		 -Werror all-warnings --threads 2 $(GPU_NVCC_ARCH) -I$(TOP)/uapi -I$(GPU_DIR)

GPU_HDRS   := $(GPU_DIR)/monster_features.h $(GPU_DIR)/monster_kparams.h $(TOP)/uapi/monster.h \
	      $(wildcard $(TOP)/lib/*.h)
GPU_STAMP  := $(GPU_BUILD)/config.stamp
GPU_CUDA_CPPFLAGS := $(if $(GPU_CUDA),-DLMONSTER_HAVE_CUDA=1 -isystem $(CUDA_INCDIR))
# library objects: PIC, hidden by default, LMONSTER_API exported (as lib.mk builds lib/*.c)
GPU_LIB_CFLAGS = $(ALL_CFLAGS) -fPIC -fvisibility=hidden -DLMONSTER_BUILD \
		 -DLMONSTER_VERSION='"$(VERSION)"' -I$(GPU_DIR) -I$(GPU_LIBSRC)

GPU_FATBIN := $(GPU_BUILD)/monster_kernels.fatbin
LMONSTER_EXTRA_OBJS := $(GPU_BUILD)/obj/cpu_path.o $(if $(GPU_CUDA),$(GPU_BUILD)/obj/fatbin.o)
LMONSTER_EXTRA_LIBS := -ldl -lnuma
# lib/gpu.c and lib/numa.c, compiled by lib.mk's pattern rule into $(BUILD)/lib/obj
GPU_LIB_OBJS := $(BUILD)/lib/obj/gpu.o $(BUILD)/lib/obj/numa.o
$(BUILD)/lib/obj/gpu.o: LIB_CFLAGS += -I$(GPU_DIR) $(GPU_CUDA_CPPFLAGS)
$(BUILD)/lib/obj/numa.o: LIB_CFLAGS += -I$(GPU_DIR)
$(GPU_LIB_OBJS): $(GPU_HDRS) $(GPU_STAMP)

# Remember how CUDA was configured, so flipping it (nvcc installed) rebuilds what depends on it.
.PHONY: gpu-config-force
$(GPU_STAMP): gpu-config-force
	@mkdir -p $(@D)
	@echo "cuda=$(GPU_CUDA) nvcc=$(NVCC) inc=$(CUDA_INCDIR) flags=$(GPU_NVCC_ALL)" > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(GPU_FATBIN): $(GPU_DIR)/monster_kernels.cu $(GPU_HDRS) $(GPU_STAMP)
	@mkdir -p $(@D)
	$(NVCC) $(GPU_NVCC_ALL) -o $@ $<

$(GPU_BUILD)/obj/fatbin.o: $(GPU_DIR)/fatbin.S $(GPU_FATBIN)
	@mkdir -p $(@D)
	$(CC) -c -fPIC -DMONSTER_FATBIN='"$(GPU_FATBIN)"' -o $@ $<

$(GPU_BUILD)/obj/cpu_path.o: $(GPU_DIR)/cpu_path.c $(GPU_HDRS) $(GPU_STAMP)
	@mkdir -p $(@D)
	$(CC) $(GPU_LIB_CFLAGS) -c -o $@ $<

.PHONY: gpu-fatbin
gpu-fatbin: $(if $(GPU_CUDA),$(GPU_FATBIN))
	@$(if $(GPU_CUDA),echo "gpu: $(GPU_FATBIN) ($$($(NVCC) --version | tail -n 2 | head -n 1))",echo "gpu: built without CUDA (no nvcc with cuda.h)")

# ---- monster-gpu-consumer: like monsterctl (tools/tools.mk), linked to liblmonster.so with
# RUNPATH $ORIGIN/../lib (runs from the build tree and from $(PREFIX)/bin alike), and a static
# build for the VM's bare initramfs (no libc there; dlopen of libcuda fails -> CPU path)
GPU_CONSUMER        := $(GPU_TOOLS)/monster-gpu-consumer
GPU_CONSUMER_STATIC := $(GPU_TOOLS)/monster-gpu-consumer.static
GPU_LIB_A           := $(BUILD)/lib/liblmonster.a
GPU_CONSUMER_DEFS    = -DMONSTER_VERSION='"$(VERSION)"'
USERSPACE_TARGETS += $(GPU_CONSUMER)

$(GPU_CONSUMER): $(TOP)/tools/monster-gpu-consumer.c $(TOP)/tools/parse_num.h $(GPU_HDRS) $(BUILD)/lib/liblmonster.so
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(GPU_CONSUMER_DEFS) -o $@ $< $(LDFLAGS) -L$(BUILD)/lib -llmonster \
		-Wl,-rpath,'$$ORIGIN/../lib'

.PHONY: gpu-consumer-static
gpu-consumer-static: $(GPU_CONSUMER_STATIC)
$(GPU_CONSUMER_STATIC): $(TOP)/tools/monster-gpu-consumer.c $(TOP)/tools/parse_num.h $(GPU_HDRS) $(GPU_LIB_A)
	@mkdir -p $(@D)
	@rm -f $@
	@# glibc warns that dlopen (libcuda) and libnuma's getaddrinfo need its shared
	@# libraries at run time: expected, the VM has no libcuda and the CPU path runs
	$(CC) $(ALL_CFLAGS) $(GPU_CONSUMER_DEFS) -static -o $@ $< $(GPU_LIB_A) \
		$(LMONSTER_EXTRA_LIBS) -pthread 2>&1 | \
		{ grep -v -e "requires at runtime the shared libraries" -e ": in function" || true; }
	@test -x $@

# ---- tests
GPU_TEST      := $(GPU_BUILD)/test_gpu_cpu
GPU_ASAN_DIR  := $(GPU_BUILD)/asan
GPU_TEST_ASAN := $(GPU_ASAN_DIR)/test_gpu_cpu
GPU_CONSUMER_ASAN := $(GPU_ASAN_DIR)/monster-gpu-consumer
GPU_FAKE_CUDA := $(GPU_BUILD)/fake/libcuda.so.1
GPU_TEST_SRC  := $(GPU_TESTS)/test_gpu_cpu.c $(TOP)/tests/harness.c
GPU_SAN       := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# the ASan build compiles the whole library from source, instrumented
GPU_ASAN_SRCS  = $(wildcard $(TOP)/lib/*.c) $(GPU_DIR)/cpu_path.c
GPU_ASAN_FLAGS = $(ALL_CFLAGS) $(GPU_SAN) -DLMONSTER_BUILD -DLMONSTER_VERSION='"$(VERSION)"' \
		 -I$(GPU_DIR) -I$(GPU_LIBSRC) $(GPU_CUDA_CPPFLAGS)

# static: the test reaches library internals (the close hook, the embedded fatbin)
$(GPU_TEST): $(GPU_TEST_SRC) $(TOP)/tests/harness.h $(GPU_HDRS) $(GPU_LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(GPU_DIR) $(GPU_CUDA_CPPFLAGS) -o $@ $(GPU_TEST_SRC) $(GPU_LIB_A) \
		$(LMONSTER_EXTRA_LIBS) -pthread

$(GPU_TEST_ASAN): $(GPU_TEST_SRC) $(TOP)/tests/harness.h $(GPU_ASAN_SRCS) $(GPU_HDRS) $(if $(GPU_CUDA),$(GPU_BUILD)/obj/fatbin.o)
	@mkdir -p $(@D)
	$(CC) $(GPU_ASAN_FLAGS) -o $@ $(GPU_TEST_SRC) $(GPU_ASAN_SRCS) \
		$(if $(GPU_CUDA),$(GPU_BUILD)/obj/fatbin.o) $(LMONSTER_EXTRA_LIBS) -pthread

$(GPU_CONSUMER_ASAN): $(TOP)/tools/monster-gpu-consumer.c $(TOP)/tools/parse_num.h $(GPU_ASAN_SRCS) $(GPU_HDRS) \
		      $(if $(GPU_CUDA),$(GPU_BUILD)/obj/fatbin.o)
	@mkdir -p $(@D)
	$(CC) $(GPU_ASAN_FLAGS) -DMONSTER_VERSION='"$(VERSION)"' -o $@ \
		$(TOP)/tools/monster-gpu-consumer.c $(GPU_ASAN_SRCS) \
		$(if $(GPU_CUDA),$(GPU_BUILD)/obj/fatbin.o) $(LMONSTER_EXTRA_LIBS) -pthread

# a stand-in driver: the real entry points' signatures (cuda.h), no GPU; see the file
$(GPU_FAKE_CUDA): $(GPU_TESTS)/fake_libcuda.c $(GPU_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(GPU_DIR) -isystem $(CUDA_INCDIR) -fPIC -shared \
		-Wl,-soname,libcuda.so.1 -o $@ $<

GPU_UNIT_DEPS := $(GPU_TEST) $(GPU_TEST_ASAN) $(GPU_CONSUMER) $(GPU_CONSUMER_ASAN) \
		 $(if $(GPU_CUDA),$(GPU_FAKE_CUDA))

# PASS/FAIL lines per test, native then under ASan+UBSan; non-zero exit on any FAIL
.PHONY: gpu-unit-tests check-gpu
gpu-unit-tests: $(GPU_UNIT_DEPS)
	@bash $(GPU_DIR)/run-tests.sh $(GPU_TEST) $(GPU_CONSUMER) $(GPU_TEST_ASAN) \
		$(GPU_CONSUMER_ASAN) $(if $(GPU_CUDA),$(GPU_FAKE_CUDA))

# On a machine with a GPU: registration, GPU == CPU bit for bit, throughput. Else SKIP.
ifeq ($(GPU_CUDA),1)
check-gpu: $(GPU_TEST) $(GPU_CONSUMER)
	@$(GPU_TEST) --check-gpu --tool $(GPU_CONSUMER)
else
check-gpu:
	@echo "SKIP check-gpu: built without CUDA (no nvcc with cuda.h on this machine)"
endif

# ---- install: the consumer and the GPU header beside lmonster.h
.PHONY: install-gpu uninstall-gpu
install: install-gpu
uninstall: uninstall-gpu
install-gpu: $(GPU_CONSUMER)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR)/lmonster
	install -m 0755 $(GPU_CONSUMER) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(TOP)/lib/lmonster_gpu.h $(DESTDIR)$(INCLUDEDIR)/lmonster/
uninstall-gpu:
	rm -f $(DESTDIR)$(BINDIR)/monster-gpu-consumer $(DESTDIR)$(INCLUDEDIR)/lmonster/lmonster_gpu.h
