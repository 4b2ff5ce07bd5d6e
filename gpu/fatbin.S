/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * fatbin.S - embeds the CUDA fatbin built from gpu/monster_kernels.cu into
 * liblmonster (cuModuleLoadData takes it from memory). MONSTER_FATBIN is
 * the fatbin's path (gpu/gpu.mk passes it); 64-byte aligned (the driver
 * wants at least 8), read-only, symbols hidden in the library.
 */
	.section .rodata.lm_gpu_fatbin, "a", @progbits
	.balign 64
	.globl	lm_gpu_fatbin
	.hidden	lm_gpu_fatbin
	.type	lm_gpu_fatbin, @object
lm_gpu_fatbin:
	.incbin	MONSTER_FATBIN
	.size	lm_gpu_fatbin, . - lm_gpu_fatbin
	.globl	lm_gpu_fatbin_end
	.hidden	lm_gpu_fatbin_end
	.type	lm_gpu_fatbin_end, @object
lm_gpu_fatbin_end:
	.byte	0
	.size	lm_gpu_fatbin_end, 1

	.section .note.GNU-stack, "", @progbits
