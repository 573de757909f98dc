/* Boot modules linked into the kernel image: the root pager, init, and the archive of init's modules. */
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
	module archive, MUON_ARCHIVE_STR
	.p2align 12
