; cpuid_kvm64: -cpu kvm64, QEMU's "Common KVM processor", reports the same
; CPUID as under QEMU (the runner compares the serial output byte for
; byte): vendor and maximum leaves, signature, feature words of leaves 1
; 7.0, 0xD.1 and 0x80000001, the brand string and the address sizes (not EBX-EDX of
; leaf 0x80000000: QEMU repeats the vendor there, the SDM reserves them).  (kvm-unit-tests
; runs its TSC test on this model.)
; guest: args=-cpu kvm64
%define CPUID_GUEST_NAME "cpuid_kvm64"
%include "cpuid_dump.inc"
