/* Boot modules linked into the kernel image: the init program. */
	.section .rodata
	.align 4
	.global bootmod_init, bootmod_init_end
bootmod_init:
	.incbin MUON_INIT_ELF_STR
bootmod_init_end:
