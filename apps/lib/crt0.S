/* User entry: the kernel passes one argument in r0 (kept in mu_start_arg) and a stack in sp. */
	.section .text.start, "ax"
	.arm
	.global _start
_start:
	ldr	r1, =mu_start_arg
	str	r0, [r1]
	ldr	r0, =__tls_base
	bl	_init_tls
	ldr	r0, =__tls_base
	bl	_set_tls
	mov	r0, #0
	mov	r1, #0
	bl	main
	bl	mu_exit
	b	.
