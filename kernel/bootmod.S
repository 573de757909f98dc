/* Boot modules linked into the kernel image: the root pager, init, and init's test programs. */
	.section .modules, "a"
	.macro module name, file
	.p2align 12
	.global bootmod_\name, bootmod_\name\()_end
bootmod_\name:
	.incbin "\file"
bootmod_\name\()_end:
	.endm
	module sigma0, MUON_SIGMA0_ELF_STR
	module init, MUON_INIT_ELF_STR
	module tests, MUON_TESTS_ELF_STR
	.p2align 12
