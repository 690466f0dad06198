; cpuid_core2duo: -cpu core2duo reports QEMU's CPUID except two bits emu86
; does not offer: MONITOR (leaf 1 ECX bit 3; MONITOR/MWAIT raise #UD
; here) and ACPI (leaf 1 EDX bit 22; no thermal-control MSRs).
; guest: args=-cpu core2duo
%define CPUID_GUEST_NAME "cpuid_core2duo"
%define IGNORE_1_ECX (1 << 3)
%define IGNORE_1_EDX (1 << 22)
%include "cpuid_dump.inc"
