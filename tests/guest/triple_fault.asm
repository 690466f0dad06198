; triple_fault: a triple fault resets the machine (SDM Vol.3 6.15, "Interrupt
; 8"): the CPU shuts down and the PC's chipset answers with a reset, so
; execution starts again at F000:FFF0 with RAM intact.
; First boot: leave a marker in RAM, then fault with an IDT whose limit is
; 0 (the #UD cannot be delivered -> #GP -> #DF cannot be delivered either ->
; triple fault).  Second boot: find the marker and pass.
; guest: reboot   (the runner omits -no-reboot for this guest)
%include "common.inc"

MARKER equ 0x600

BEGIN_REAL
    cmp dword [MARKER], 0x7e57b007
    je .second_boot
    mov dword [MARKER], 0x7e57b007
    PRINT "triple_fault", 10
    PRINT "boot 1: triple fault with an empty IDT in protected mode", 10
    ENTER_PM32
    lidt [empty_idtr]
    ud2
    jmp $
bits 16
.second_boot:
    mov dword [MARKER], 0
    PRINT "boot 2: the machine was reset and RAM kept its contents ok", 10
    PASS

section .rodata
empty_idtr:
    dw 0
    dd 0
