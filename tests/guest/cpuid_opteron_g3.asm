; cpuid_opteron_g3: -cpu Opteron_G3 (family 10h: POPCNT, ABM, SSE4a,
; RDTSCP) reports QEMU's CPUID except MONITOR (leaf 1 ECX bit 3) and SVM
; (leaf 0x80000001 ECX bit 2), which emu86 does not offer.
; guest: args=-cpu Opteron_G3
%define CPUID_GUEST_NAME "cpuid_opteron_g3"
%define IGNORE_1_ECX (1 << 3)
%define IGNORE_81_ECX (1 << 2)
%include "cpuid_dump.inc"
