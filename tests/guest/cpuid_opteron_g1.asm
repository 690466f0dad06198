; cpuid_opteron_g1: -cpu Opteron_G1 reports the same CPUID as under QEMU (the
; runner compares the serial output byte for byte): AMD Opteron 240 (Gen 1): maximum basic leaf 5, SSE3 only; kvm-unit-tests runs its SYSCALL test on it with vendor=AuthenticAMD.
; guest: args=-cpu Opteron_G1
%define CPUID_GUEST_NAME "cpuid_opteron_g1"
%include "cpuid_dump.inc"
