; cpuid_penryn: -cpu Penryn (Core 2 with SSE4.1 and CX16) reports the same
; CPUID as under QEMU.
; guest: args=-cpu Penryn
%define CPUID_GUEST_NAME "cpuid_penryn"
%include "cpuid_dump.inc"
