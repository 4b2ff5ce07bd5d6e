/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exit0.S - the program evload's fork workload execs: exit(0) and nothing
 * else, so an operation is fork, exec and exit and not a C runtime's start.
 */
	.text
	.globl	_start
_start:
	mov	$60, %eax	/* __NR_exit */
	xor	%edi, %edi
	syscall

	.section .note.GNU-stack, "", @progbits
