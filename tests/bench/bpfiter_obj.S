/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfiter_obj.S - embeds the compiled task_iter.bpf.c into bpfiter (the
 * guest has no file system to load it from). BPFITER_OBJ is its path.
 */
	.section .rodata.bpfiter_obj, "a", @progbits
	.balign 8
	.globl	bpfiter_obj
	.type	bpfiter_obj, @object
bpfiter_obj:
	.incbin	BPFITER_OBJ
	.size	bpfiter_obj, . - bpfiter_obj
	.globl	bpfiter_obj_end
	.type	bpfiter_obj_end, @object
bpfiter_obj_end:
	.byte	0
	.size	bpfiter_obj_end, 1

	.section .note.GNU-stack, "", @progbits
