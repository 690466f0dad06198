; cpuid_conroe: -cpu Conroe (Core 2, SSSE3, maximum leaf 0xA) reports the
; same CPUID as under QEMU.
; guest: args=-cpu Conroe
%define CPUID_GUEST_NAME "cpuid_conroe"
%include "cpuid_dump.inc"
