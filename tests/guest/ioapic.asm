; ioapic: ISA interrupts routed through the I/O APIC instead of the 8259,
; as an APIC-mode OS programs it (82093AA datasheet 3.2; Intel SDM Vol.3
; 10.6 for the LAPIC side).  The 8259 stays fully masked throughout.
;   - registers: ID, version 0x20 with 24 entries (max redirection entry
;     23), every entry masked after reset, an entry reads back, delivery
;     status and remote IRR are read-only;
;   - the PIT's IRQ0 arrives on pin 2 (the MADT's interrupt source
;     override), not on pin 0; masking pin 2 stops it, unmasking resumes;
;   - COM1's THRE interrupt on pin 4: edge-triggered, one message per
;     rising edge (the line staying high after EOI sends nothing more,
;     remote IRR stays 0); level-triggered, remote IRR set until the EOI,
;     and the EOI of a line still asserted delivers it again;
;   - destinations: logical flat (LDR) to the BSP, and with a second CPU
;     (INIT-SIPI-SIPI, long mode, its own LDR) physical and logical
;     delivery to the AP, whose handler reports its APIC ID.
; Every wait is for an interrupt (HLT, or a bounded spin when the AP takes
; it); absence is checked after a fixed PIT channel 2 delay.  No count that
; depends on speed is printed.
; guest: smp=2
%include "common.inc"
%include "idt.inc"
%include "timing.inc"

APIC      equ 0xFEE00000
IOAPIC    equ 0xFEC00000
VEC_PIT   equ 0x2A
VEC_UART  equ 0x2B
VEC_PIN0  equ 0x2C                      ; must never arrive: IRQ0 is on pin 2
TRAMP     equ 0x8000                    ; SIPI vector 0x08
AP_STACK  equ 0x6800

pit_count  equ VARS+0x00
uart_count equ VARS+0x08                ; LOCK INC (either CPU)
uart_ack   equ VARS+0x10                ; handler reads IIR from this count on
uart_cpu   equ VARS+0x18                ; APIC ID of the CPU that took it
uart_rte   equ VARS+0x20                ; RTE 4 low dword seen in the handler
ap_ready   equ VARS+0x28
gdtr_low   equ VARS+0x30                ; GDTR image for the AP (6 bytes)

RTE_LEVEL   equ 1 << 15
RTE_MASKED  equ 1 << 16
RTE_LOGICAL equ 1 << 11
RTE_RIRR    equ 1 << 14
WAIT_LOOPS  equ 200000000

%macro OUTB 2                           ; OUTB port, value
    mov dx, %1
    mov al, %2
    out dx, al
%endmacro

; RTE pin, low, high: program a redirection entry (high dword first)
%macro RTE 3
    mov ecx, 0x11 + 2 * (%1)
    mov eax, %3
    call io_write
    mov ecx, 0x10 + 2 * (%1)
    mov eax, %2
    call io_write
%endmacro

; WAIT_COUNT var, n: HLT until qword [var] >= n.  CLI around the
; test and STI;HLT (the STI shadow) so no interrupt slips in between.
%macro WAIT_COUNT 2
%%w: cli
    cmp qword [%1], %2
    jae %%ok
    sti
    hlt
    jmp %%w
%%ok:
    sti
%endmacro

; SPIN_COUNT var, n, "what": bounded spin (another CPU takes the interrupt)
%macro SPIN_COUNT 3+
    mov ecx, WAIT_LOOPS
%%w: cmp qword [%1], %2
    jae %%ok
    pause
    dec ecx
    jnz %%w
    FAIL %3
%%ok:
%endmacro

BEGIN_REAL
    PRINT "ioapic", 10
    ENTER_PM32
    ; the AP's trampoline and GDTR image in low RAM
    mov esi, trampoline
    mov edi, TRAMP
    mov ecx, trampoline_end - trampoline
    rep movsb
    mov word [gdtr_low], gdt_rom_end - gdt_rom - 1
    mov dword [gdtr_low + 2], GDT_ADDR
    ENTER_LONG
    IDT64_SETUP
    HOOK VEC_PIT, pit_isr
    HOOK VEC_UART, uart_isr
    PIC_REMAP                           ; 8259 remapped and fully masked
    mov edi, APIC
    mov dword [rdi + 0xF0], 0x1FF       ; LAPIC software enabled
    mov esi, IOAPIC

    ; ---- registers
    mov ecx, 1
    call io_read
    CHK32 eax, 0x00170020, "I/O APIC version register (max entry 23, version 0x20)"
    xor ecx, ecx
    call io_read
    and eax, 0x0F000000
    CHK32 eax, 0, "I/O APIC ID after reset"
    xor ebx, ebx
.reset_rte:
    lea ecx, [0x10 + 2 * ebx]
    call io_read
    and eax, RTE_MASKED
    CHK32 eax, RTE_MASKED, "redirection entry masked after reset"
    inc ebx
    cmp ebx, 24
    jb .reset_rte
    ; an entry reads back; delivery status (12) and remote IRR (14) are
    ; read-only (pin 5 is idle and stays masked)
    RTE 5, RTE_MASKED | RTE_LEVEL | RTE_RIRR | (1 << 12) | 0x45, 0x03000000
    mov ecx, 0x1A
    call io_read
    CHK32 eax, RTE_MASKED | RTE_LEVEL | 0x45, "entry 5 low dword read back"
    mov ecx, 0x1B
    call io_read
    CHK32 eax, 0x03000000, "entry 5 destination read back"
    RTE 5, RTE_MASKED, 0
    PRINT "registers: version 0x20, 24 entries masked after reset, entry read back ok", 10

    ; ---- PIT IRQ0 -> pin 2 (and nothing on pin 0)
    RTE 0, VEC_PIN0, 0                  ; unmasked, edge: would fail if hit
    RTE 2, VEC_PIT, 0                   ; fixed, physical, APIC ID 0, edge
    mov al, 0x34                        ; channel 0, lobyte/hibyte, mode 2
    out 0x43, al
    mov al, 1193 & 0xFF                 ; 1 kHz
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    sti
    WAIT_COUNT pit_count, 3
    PRINT "PIT IRQ0 on pin 2: vector 0x2A delivered (3 interrupts) ok", 10
    ; mask pin 2: the ticks stop (an interrupt already accepted may land)
    cli
    RTE 2, RTE_MASKED | VEC_PIT, 0
    sti
    mov ecx, 2400                       ; ~2 ms for an in-flight one
    call pit_delay
    mov rbx, [pit_count]
    mov ecx, 24000                      ; ~20 ms = 20 periods
    call pit_delay
    CHK64 [pit_count], rbx, "PIT interrupts with pin 2 masked"
    PRINT "pin 2 masked: no interrupts ok", 10
    mov rbx, [pit_count]
    add rbx, 2
    RTE 2, VEC_PIT, 0
    WAIT_COUNT pit_count, rbx
    cli
    RTE 2, RTE_MASKED | VEC_PIT, 0
    RTE 0, RTE_MASKED, 0
    sti
    PRINT "pin 2 unmasked: interrupts resume ok", 10

    ; ---- COM1 THRE -> pin 4, edge-triggered
    OUTB COM1+4, 0x0B                   ; DTR RTS OUT2
    mov qword [uart_ack], 1000          ; do not acknowledge in the UART
    RTE 4, VEC_UART, 0
    OUTB COM1+1, 0x02                   ; IER THRE: the line rises
    WAIT_COUNT uart_count, 1
    mov ecx, 12000                      ; ~10 ms with the line still high
    call pit_delay
    CHK32 [uart_count], 1, "edge pin: interrupts while the line stays high"
    CHK32 [uart_rte], VEC_UART, "edge entry in the handler (remote IRR 0)"
    OUTB COM1+1, 0x00                   ; the line falls
    mov dx, COM1+2
    in al, dx
    PRINT "edge-triggered pin 4: one interrupt per rising edge ok", 10

    ; ---- the same pin level-triggered: re-delivered after EOI while high
    mov qword [uart_count], 0
    mov qword [uart_ack], 2             ; the 2nd handler run clears the line
    RTE 4, RTE_LEVEL | VEC_UART, 0
    OUTB COM1+1, 0x02
    WAIT_COUNT uart_count, 2
    CHK32 [uart_rte], RTE_LEVEL | RTE_RIRR | VEC_UART, "level entry in the handler (remote IRR set)"
    mov ecx, 12000
    call pit_delay
    CHK32 [uart_count], 2, "level pin: interrupts after the line fell"
    mov ecx, 0x18
    call io_read
    CHK32 eax, RTE_LEVEL | VEC_UART, "level entry after EOI (remote IRR clear)"
    OUTB COM1+1, 0x00
    PRINT "level-triggered pin 4: remote IRR until EOI, re-sent while asserted ok", 10

    ; ---- logical destination (flat model) to the BSP
    mov dword [rdi + 0xE0], 0xFFFFFFFF  ; DFR flat
    mov dword [rdi + 0xD0], 0x01000000  ; LDR: logical ID bit 0
    mov qword [uart_ack], 1             ; every handler run acknowledges
    mov qword [uart_cpu], 0xFF
    mov qword [uart_count], 0
    RTE 4, RTE_LOGICAL | VEC_UART, 0x01000000
    OUTB COM1+1, 0x02
    WAIT_COUNT uart_count, 1
    OUTB COM1+1, 0x00                   ; no THRE interrupts while printing
    CHK32 [uart_cpu], 0, "CPU that took the logical-1 interrupt"
    PRINT "logical destination 0x01 (flat): delivered to the BSP ok", 10

    ; ---- the AP: INIT-SIPI-SIPI, then physical and logical delivery
    mov dword [rdi + 0x310], 1 << 24
    mov dword [rdi + 0x300], 0x00004500 ; INIT
    mov ecx, 10000
.d1: pause
    dec ecx
    jnz .d1
    mov dword [rdi + 0x310], 1 << 24
    mov dword [rdi + 0x300], 0x00004600 | (TRAMP >> 12)
    SPIN_COUNT ap_ready, 1, "the AP did not start"
    PRINT "AP started in long mode, LDR 0x02", 10
    mov qword [uart_count], 0
    mov qword [uart_cpu], 0xFF
    RTE 4, VEC_UART, 0x01000000         ; physical APIC ID 1
    OUTB COM1+1, 0x02
    SPIN_COUNT uart_count, 1, "no interrupt on the AP (physical)"
    CHK32 [uart_cpu], 1, "CPU that took the physical-1 interrupt"
    OUTB COM1+1, 0x00
    PRINT "physical destination 1: delivered to the AP ok", 10
    mov qword [uart_count], 0
    mov qword [uart_cpu], 0xFF
    RTE 4, RTE_LOGICAL | VEC_UART, 0x02000000
    OUTB COM1+1, 0x02
    SPIN_COUNT uart_count, 1, "no interrupt on the AP (logical)"
    CHK32 [uart_cpu], 1, "CPU that took the logical-2 interrupt"
    OUTB COM1+1, 0x00
    cli
    RTE 4, RTE_MASKED, 0
    PRINT "logical destination 0x02: delivered to the AP ok", 10
    PASS

IOAPIC_ROUTINES
PIT_DELAY_ROUTINE

; ---- interrupt handlers (hooks: RBP = frame, may use RAX..R11)
pit_isr:
    inc qword [pit_count]
    mov edi, APIC
    mov dword [rdi + 0xB0], 0           ; EOI
    ret

; COM1: note the entry of pin 4 (remote IRR), read IIR (clearing THRE)
; when this is run number uart_ack or later, EOI.  Runs on either CPU.
uart_isr:
    ; the APIC ID is stored before the count moves: the BSP reads uart_cpu
    ; as soon as it sees the count, while the AP may still be in here
    mov edi, APIC
    mov eax, [rdi + 0x20]
    shr eax, 24
    mov [uart_cpu], rax
    mov esi, IOAPIC
    mov ebx, [rsi]                      ; IOREGSEL of the code we interrupted
    mov ecx, 0x18
    call io_read
    mov [uart_rte], eax
    mov [rsi], ebx
    lock inc qword [uart_count]
    mov rax, [uart_count]
    cmp rax, [uart_ack]
    jb .eoi
    mov dx, COM1+2
    in al, dx
.eoi:
    mov edi, APIC
    mov dword [rdi + 0xB0], 0
    ret

; ---- the AP: real mode at 0800:0000 -> protected -> long mode
bits 16
trampoline:
    cli
    xor ax, ax
    mov ds, ax
    o32 lgdt [gdtr_low]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE32:ap_pm32
trampoline_end:

bits 32
ap_pm32:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, AP_STACK
    mov eax, cr4
    or eax, 0x20                        ; PAE
    mov cr4, eax
    mov eax, PML4                       ; the BSP's page tables
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, 0x100                       ; LME
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp SEL_CODE64:ap_lm
bits 64
ap_lm:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, AP_STACK
    lidt [idtr64_rom]
    mov edi, APIC
    mov dword [rdi + 0xF0], 0x1FF
    mov dword [rdi + 0xE0], 0xFFFFFFFF  ; DFR flat
    mov dword [rdi + 0xD0], 0x02000000  ; LDR: logical ID bit 1
    mov qword [ap_ready], 1
    sti
.idle:
    hlt
    jmp .idle
