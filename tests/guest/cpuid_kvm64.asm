; cpuid_kvm64: -cpu kvm64, QEMU's "Common KVM processor", reports the same
; CPUID as under QEMU (the runner compares the serial output byte for
; byte): vendor and maximum leaves, signature, feature words of leaves 1
; and 0x80000001, the brand string and the address sizes (not EBX-EDX of
; leaf 0x80000000: QEMU repeats the vendor there, the SDM reserves them).  (kvm-unit-tests
; runs its TSC test on this model.)
; guest: args=-cpu kvm64
%include "common.inc"

; LEAF n: CPUID leaf n (subleaf 0) -> [VARS..VARS+15] = eax, ebx, ecx, edx
%macro LEAF 1
    mov eax, %1
    xor ecx, ecx
    cpuid
    mov [VARS], eax
    mov [VARS+4], ebx
    mov [VARS+8], ecx
    mov [VARS+12], edx
%endmacro

BEGIN_REAL
    PRINT "cpuid_kvm64", 10
    ENTER_PM32
    LEAF 0
    PRINT "0: "
    call dump4
    LEAF 1
    PRINT "1: "
    and dword [VARS+4], 0x0000ffff      ; APIC ID and CPU count vary
    call dump4
    LEAF 0x80000000
    PRINT "80000000: "
    ; EBX-EDX: QEMU repeats the vendor, Intel's SDM says reserved (emu86: 0)
    PRINTHEX [VARS], 8
    PRINT 10
    LEAF 0x80000001
    PRINT "80000001: "
    call dump4
    LEAF 0x80000008
    PRINT "80000008: "
    and dword [VARS], 0xffff            ; physical/linear address sizes
    call dump4
    PRINT "brand: "
    mov esi, 0x80000002
.brand:
    mov eax, esi
    cpuid
    mov [VARS+0x20], eax
    mov [VARS+0x24], ebx
    mov [VARS+0x28], ecx
    mov [VARS+0x2c], edx
    mov ecx, 16
    mov ebx, VARS+0x20
.ch:
    mov al, [ebx]
    test al, al
    jz .next
    mov dx, COM1
    out dx, al
.next:
    inc ebx
    loop .ch
    inc esi
    cmp esi, 0x80000004
    jbe .brand
    PRINT 10
    PASS

; print the four dwords at VARS in hex, then a newline
dump4:
    PRINTHEX [VARS], 8
    PRINT " "
    PRINTHEX [VARS+4], 8
    PRINT " "
    PRINTHEX [VARS+8], 8
    PRINT " "
    PRINTHEX [VARS+12], 8
    PRINT 10
    ret
