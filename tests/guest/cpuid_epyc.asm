; cpuid_epyc: -cpu EPYC reports QEMU's CPUID except where the two
; emulators implement different things: MONITOR (leaf 1 ECX bit 3), SVM
; and CR8LEGACY (0x80000001 ECX bits 2 and 4) are QEMU TCG's and not
; emu86's; RDSEED and SHA (leaf 7 EBX bits 18, 29), XSAVEC (0xD.1 EAX bit
; 1) and 3DNowPrefetch (0x80000001 ECX bit 8) are part of QEMU's EPYC
; model and emu86 implements them, QEMU 7.2's TCG drops them.
; guest: args=-cpu EPYC
%define CPUID_GUEST_NAME "cpuid_epyc"
%define IGNORE_1_ECX (1 << 3)
%define IGNORE_7_EBX ((1 << 18) | (1 << 29))
%define IGNORE_D1_EAX (1 << 1)
%define IGNORE_81_ECX ((1 << 2) | (1 << 4) | (1 << 8))
%include "cpuid_dump.inc"
