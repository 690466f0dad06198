; cpuid_westmere: -cpu Westmere reports the same CPUID as under QEMU (the
; runner compares the serial output byte for byte): Intel Westmere: Nehalem + AES-NI and PCLMULQDQ.
; guest: args=-cpu Westmere
%define CPUID_GUEST_NAME "cpuid_westmere"
%include "cpuid_dump.inc"
