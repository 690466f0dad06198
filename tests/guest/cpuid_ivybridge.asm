; cpuid_ivybridge: -cpu IvyBridge reports the same CPUID as under QEMU (the
; runner compares the serial output byte for byte): Intel Ivy Bridge: Sandy Bridge + F16C, RDRAND, FSGSBASE, SMEP, ERMS.
; guest: args=-cpu IvyBridge
%define CPUID_GUEST_NAME "cpuid_ivybridge"
%include "cpuid_dump.inc"
