; cpuid_opteron_g2: -cpu Opteron_G2 reports QEMU's CPUID (AMD aliases in
; 0x80000001 EDX, maximum extended leaf 0x8000000A) except SVM (leaf
; 0x80000001 ECX bit 2), which QEMU's TCG emulates and emu86 does not.
; guest: args=-cpu Opteron_G2
%define CPUID_GUEST_NAME "cpuid_opteron_g2"
%define IGNORE_81_ECX (1 << 2)
%include "cpuid_dump.inc"
