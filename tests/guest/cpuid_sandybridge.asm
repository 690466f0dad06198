; cpuid_sandybridge: -cpu SandyBridge reports the same CPUID as under QEMU (the
; runner compares the serial output byte for byte): Intel Sandy Bridge: Westmere + XSAVE, AVX, XSAVEOPT, RDTSCP.
; guest: args=-cpu SandyBridge
%define CPUID_GUEST_NAME "cpuid_sandybridge"
%include "cpuid_dump.inc"
