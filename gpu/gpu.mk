# SPDX-License-Identifier: GPL-2.0
# gpu.mk: what runs on the GPU, built where HAVE_CUDA (top Makefile) is set:
#
#   gpu/monster_kernels.cu -> $(BUILD)/gpu/monster_kernels.fatbin  (nvcc: sm_80 + sm_90 SASS,
#                             compute_90 PTX)
#   gpu/fatbin.S           -> GPU_FATBIN_OBJ, the fatbin embedded; lib/lib.mk links it into
#                             liblmonster (empty without CUDA)
#
# The headers here (monster_features.h, monster_kparams.h) are the per-record code and the
# parameter block the kernel shares with the library (-I$(GPU_DIR) there).
# Targets: gpu-fatbin.

GPU_DIR        := $(TOP)/gpu
GPU_BUILD      := $(BUILD)/gpu
GPU_HDRS       := $(wildcard $(GPU_DIR)/*.h) $(TOP)/uapi/monster.h
GPU_FATBIN     := $(GPU_BUILD)/monster_kernels.fatbin
GPU_FATBIN_OBJ := $(if $(HAVE_CUDA),$(GPU_BUILD)/obj/fatbin.o)
GPU_STAMP      := $(GPU_BUILD)/nvcc.stamp
GPU_CONFIG      = nvcc=$(NVCC) flags=$(GPU_NVCC_ALL)

GPU_NVCCFLAGS ?= -O3
# -fmad=false, exact division and no flush-to-zero: the CPU path must get the same bits
GPU_NVCC_ARCH := -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
		 -gencode arch=compute_90,code=compute_90
GPU_NVCC_ALL   = -fatbin -std=c++17 $(GPU_NVCCFLAGS) -fmad=false -prec-div=true -ftz=false \
		 -Werror all-warnings --threads 2 $(GPU_NVCC_ARCH) -I$(TOP)/uapi -I$(GPU_DIR)

$(GPU_STAMP): config-force
	$(call write_stamp,GPU_CONFIG)

$(GPU_FATBIN): $(GPU_DIR)/monster_kernels.cu $(GPU_HDRS) $(GPU_STAMP)
	@mkdir -p $(@D)
	$(NVCC) $(GPU_NVCC_ALL) -o $@ $<

$(GPU_BUILD)/obj/fatbin.o: $(GPU_DIR)/fatbin.S $(GPU_FATBIN)
	@mkdir -p $(@D)
	$(CC) -c -fPIC -DMONSTER_FATBIN='"$(GPU_FATBIN)"' -o $@ $<

.PHONY: gpu-fatbin
gpu-fatbin: $(if $(HAVE_CUDA),$(GPU_FATBIN))
	@$(if $(HAVE_CUDA),echo "gpu: $(GPU_FATBIN) ($$($(NVCC) --version | tail -n 2 | head -n 1))",echo "gpu: built without CUDA (no nvcc with cuda.h)")
