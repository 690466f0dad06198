; cpuid_nehalem: -cpu Nehalem reports the same CPUID as under QEMU (the
; runner compares the serial output byte for byte): Intel Nehalem: maximum leaf 0xB, SSSE3, SSE4.1/4.2, POPCNT, LAHF.
; guest: args=-cpu Nehalem
%define CPUID_GUEST_NAME "cpuid_nehalem"
%include "cpuid_dump.inc"
