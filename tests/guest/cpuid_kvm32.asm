; cpuid_kvm32: -cpu kvm32, QEMU's "Common 32-bit KVM processor": no long
; mode; leaf 0x80000008 reports 36 physical address bits and no linear
; size, as QEMU does for a CPU without LM.
; guest: args=-cpu kvm32
%define CPUID_GUEST_NAME "cpuid_kvm32"
%include "cpuid_dump.inc"
