; cpuid_qemu32: -cpu qemu32, QEMU's 32-bit "QEMU Virtual CPU": no long
; mode, maximum leaves 4 and 0x80000004, the same CPUID as under QEMU.
; guest: args=-cpu qemu32
%define CPUID_GUEST_NAME "cpuid_qemu32"
%include "cpuid_dump.inc"
