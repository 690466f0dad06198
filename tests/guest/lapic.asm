; lapic: the local APIC as a PC's firmware and OS see it: ID and version
; registers, software enable through the SVR, the APIC timer in one-shot
; and periodic modes delivering its LVT vector, EOI, and the masked LVT
; stopping it.  Counts are not timed (no host-speed dependence): the test
; waits with HLT for each interrupt.
%include "common.inc"
%include "idt.inc"

APIC     equ 0xFEE00000
count    equ VARS+0x00
VEC      equ 0x2E                       ; idt.inc has stubs for vectors 0-47

BEGIN_REAL
    PRINT "lapic", 10
    ENTER_PM32
    ENTER_LONG
    IDT64_SETUP
    HOOK VEC, apic_timer_isr
    mov edi, APIC
    mov eax, [rdi + 0x20]
    shr eax, 24
    CHK32 eax, 0, "APIC ID of the BSP"
    mov eax, [rdi + 0x30]
    and eax, 0xFF
    CHK32 eax, 0x14, "APIC version (integrated APIC)"
    mov eax, [rdi + 0x320]
    and eax, 0x10000
    CHK32 eax, 0x10000, "LVT timer masked after reset"
    PRINT "ID, version and reset LVT state ok", 10

    ; software-enable, spurious vector 0xFF
    mov dword [rdi + 0xF0], 0x1FF
    ; ---- one-shot: divide by 1, 2 ms worth of 1 GHz bus clocks
    mov dword [rdi + 0x3E0], 0x0B
    mov dword [rdi + 0x320], VEC
    mov qword [count], 0
    mov dword [rdi + 0x380], 2000000
    sti
.wait1:
    hlt
    cmp qword [count], 1
    jb .wait1
    cli
    mov eax, [rdi + 0x390]
    CHK32 eax, 0, "current count is 0 after the one-shot fired"
    mov eax, [rdi + 0x100 + VEC/32*0x10]   ; ISR word holding VEC
    and eax, 1 << (VEC % 32)
    CHK32 eax, 0, "ISR clear after EOI"
    PRINT "one-shot timer: its vector delivered, count 0, EOI ok", 10

    ; ---- periodic: 1 ms period, wait for 5 more interrupts
    mov qword [count], 0
    mov dword [rdi + 0x320], 0x20000 | VEC
    mov dword [rdi + 0x380], 1000000
    sti
.wait2:
    hlt
    cmp qword [count], 5
    jb .wait2
    cli
    ; mask it: no more interrupts reach the CPU
    or dword [rdi + 0x320], 0x10000
    mov eax, [rdi + 0x320]
    and eax, 0x30000
    CHK32 eax, 0x30000, "LVT timer periodic and masked"
    mov dword [rdi + 0x380], 0             ; stop the counter
    PRINT "periodic timer: 5 interrupts, then masked ok", 10
    PASS

bits 64
apic_timer_isr:
    inc qword [count]
    push rdi
    mov edi, APIC
    mov dword [rdi + 0xB0], 0              ; EOI
    pop rdi
    ret
