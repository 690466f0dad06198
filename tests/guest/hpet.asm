; hpet: the High Precision Event Timer at 0xFED00000 as an OS drives it
; (IA-PC HPET 1.0a), with 32-bit accesses only, interrupts through the I/O
; APIC with the 8259 masked:
;   - capabilities (vendor 8086, revision 1, 3 timers, 64-bit counter,
;     LEG_RT_CAP, 10 ns period), every timer periodic- and 64-bit-capable
;     with I/O APIC input 2 among its routes;
;   - the main counter: 0 and halted after reset, writable while halted,
;     ~100 MHz against PIT channel 2 (loose bounds), writes ignored while
;     it runs, frozen when halted;
;   - timer 0 one-shot on route 2 (one interrupt), then periodic with
;     Tn_VAL_SET_CNF (first write = next match, second = period): the
;     comparator advances by whole periods;
;   - timer 2 level-triggered: its general interrupt status bit and the
;     I/O APIC's remote IRR are set, the EOI re-delivers it until the
;     status bit is written with 1;
;   - timer 2 in 32-bit mode: the comparator's upper half reads 0, and it
;     matches the counter's low half with the high half set;
;   - legacy replacement: the PIT's IRQ0 is cut off, timer 0 arrives as
;     IRQ0 (pin 2) and timer 1 as IRQ8 (pin 8); leaving it gives IRQ0 back
;     to the PIT.
; Waits are for interrupts (HLT); absences are checked over PIT channel 2
; delays; nothing printed depends on speed.
%include "common.inc"
%include "idt.inc"
%include "timing.inc"

APIC      equ 0xFEE00000
IOAPIC    equ 0xFEC00000
HPET      equ 0xFED00000
VEC_T0    equ 0x2A                      ; pin 2, edge (timer 0, PIT)
VEC_T1    equ 0x2B                      ; pin 8, edge (timer 1)
VEC_T2    equ 0x2C                      ; pin 2 (timer 2)
VEC_PITQ  equ 0x2D                      ; pin 2 while the PIT is quietened

t0_count  equ VARS+0x00
t1_count  equ VARS+0x08
t2_count  equ VARS+0x10
t2_ack    equ VARS+0x18                 ; t2 handler clears status from here
t2_sts    equ VARS+0x20                 ; status seen by the t2 handler
t2_rte    equ VARS+0x28                 ; RTE 2 low seen by the t2 handler
pitq_count equ VARS+0x30

RTE_LEVEL  equ 1 << 15
RTE_MASKED equ 1 << 16
RTE_RIRR   equ 1 << 14

; RTE pin, low: program a redirection entry to APIC ID 0
%macro RTE 2
    mov ecx, 0x11 + 2 * (%1)
    xor eax, eax
    call io_write
    mov ecx, 0x10 + 2 * (%1)
    mov eax, %2
    call io_write
%endmacro

; WAIT_COUNT var, n: HLT until qword [var] >= n (STI;HLT: no lost wakeup)
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

; DELAY_MS n: PIT channel 2 one-shot of n ms
%macro DELAY_MS 1
    mov ecx, 1193 * (%1)
    call pit_delay
%endmacro

; ONESHOT timer, config: halt the counter, set timer's comparator to the
; counter + 100000 (1 ms once running), then its configuration, and run.
; Programming a halted counter leaves no race with a slow host (a match
; the counter already passed would not come until it wraps), and the
; comparator goes first: its old value may lie behind the counter as a
; signed difference, which QEMU fires at once when the timer is enabled.
; R12D = the general configuration while running (1, or 3 in legacy
; replacement mode), R12D & 2 while halted.
%macro ONESHOT 2
    mov eax, r12d
    and eax, 2
    mov [rsi + 0x10], eax
    mov eax, [rsi + 0xF0]
    add eax, 100000
    mov dword [rsi + 0x10C + 0x20 * (%1)], 0
    mov [rsi + 0x108 + 0x20 * (%1)], eax
    mov dword [rsi + 0x100 + 0x20 * (%1)], %2
    mov [rsi + 0x10], r12d
%endmacro

BEGIN_REAL
    PRINT "hpet", 10
    ENTER_PM32
    ENTER_LONG
    IDT64_SETUP
    HOOK VEC_T0, t0_isr
    HOOK VEC_T1, t1_isr
    HOOK VEC_T2, t2_isr
    HOOK VEC_PITQ, pitq_isr
    PIC_REMAP                           ; 8259 remapped and fully masked
    mov edi, APIC
    mov dword [rdi + 0xF0], 0x1FF
    mov esi, HPET

    ; ---- capabilities
    CHK32 [rsi + 0x00], 0x8086A201, "capabilities (vendor, LEG_RT, 64-bit, 3 timers, rev)"
    CHK32 [rsi + 0x04], 10000000, "counter period in fs"
    CHK32 [rsi + 0x10], 0, "general configuration after reset"
    xor ebx, ebx
.caps:
    mov eax, [rsi + 0x100 + rbx]
    and eax, 0xFFFF
    CHK32 eax, 0x30, "timer configuration after reset (periodic, 64-bit capable)"
    mov eax, [rsi + 0x104 + rbx]
    and eax, 4
    CHK32 eax, 4, "timer route capability includes I/O APIC input 2"
    add ebx, 0x20
    cmp ebx, 0x60
    jb .caps
    PRINT "capabilities: 8086 rev 1, 3 timers, 64-bit, legacy route, 10 ns period ok", 10

    ; ---- the main counter
    CHK32 [rsi + 0xF0], 0, "counter low after reset"
    CHK32 [rsi + 0xF4], 0, "counter high after reset"
    mov dword [rsi + 0xF4], 1
    mov dword [rsi + 0xF0], 0x100
    CHK32 [rsi + 0xF0], 0x100, "counter low written while halted"
    CHK32 [rsi + 0xF4], 1, "counter high written while halted"
    DELAY_MS 1
    CHK32 [rsi + 0xF0], 0x100, "counter while halted"
    mov dword [rsi + 0x10], 1           ; ENABLE_CNF
    mov ebx, [rsi + 0xF0]
    DELAY_MS 10
    mov eax, [rsi + 0xF0]
    sub eax, ebx
    cmp eax, 800000                     ; 10 ms = 1,000,000 ticks
    jb .rate_bad
    cmp eax, 30000000
    jbe .rate_ok
.rate_bad:
    FAIL "counter ticks over 10 ms of PIT time out of 800000..30000000"
.rate_ok:
    mov ebx, [rsi + 0xF0]
    mov dword [rsi + 0xF0], 0           ; ignored while running
    mov eax, [rsi + 0xF0]
    cmp eax, ebx
    jae .wr_ok
    FAIL "counter written while running"
.wr_ok:
    CHK32 [rsi + 0xF4], 1, "counter high while running"
    mov dword [rsi + 0x10], 0           ; halt
    mov ebx, [rsi + 0xF0]
    DELAY_MS 1
    CHK32 [rsi + 0xF0], ebx, "counter after halting"
    PRINT "main counter: written while halted, ~100 MHz, frozen when halted ok", 10
    mov dword [rsi + 0xF4], 0
    mov dword [rsi + 0xF0], 0
    mov dword [rsi + 0x10], 1

    ; ---- quiet the PIT, which shares pin 2: mode 0 with count 1 gives
    ; one rising edge, then OUT stays high.  That edge is waited for (it
    ; comes through a host timer, possibly late), so none is left over.
    RTE 2, VEC_PITQ
    sti
    mov al, 0x30
    out 0x43, al
    mov al, 1
    out 0x40, al
    xor al, al
    out 0x40, al
    WAIT_COUNT pitq_count, 1
    DELAY_MS 5
    cli
    RTE 2, VEC_T0
    RTE 8, VEC_T1
    sti

    ; ---- timer 0 one-shot on I/O APIC input 2
    mov r12d, 1
    ONESHOT 0, (2 << 9) | 0x4                       ; route 2, INT_ENB
    WAIT_COUNT t0_count, 1
    DELAY_MS 5
    CHK32 [t0_count], 1, "timer 0 one-shot interrupts"
    mov dword [rsi + 0x100], 2 << 9                 ; off
    PRINT "timer 0 one-shot via I/O APIC input 2: one interrupt ok", 10

    ; ---- timer 0 periodic: VAL_SET, next match, then the period
    mov qword [t0_count], 0
    mov dword [rsi + 0x10], 0                       ; halted while programming
    mov dword [rsi + 0x100], (2 << 9) | 0x48        ; periodic, VAL_SET
    mov eax, [rsi + 0xF0]
    add eax, 100000
    mov ebx, eax
    mov [rsi + 0x108], eax                          ; next match
    mov dword [rsi + 0x108], 100000                 ; period 1 ms
    mov dword [rsi + 0x100], (2 << 9) | 0xC         ; INT_ENB
    mov dword [rsi + 0x10], 1
    WAIT_COUNT t0_count, 5
    mov eax, [rsi + 0x108]
    cmp eax, ebx
    ja .adv
    FAIL "periodic comparator did not advance"
.adv:
    sub eax, ebx
    xor edx, edx
    mov ecx, 100000
    div ecx
    CHK32 edx, 0, "periodic comparator - first match, modulo the period"
    mov dword [rsi + 0x100], 2 << 9                 ; off
    DELAY_MS 3
    mov rbx, [t0_count]
    DELAY_MS 10
    CHK64 [t0_count], rbx, "timer 0 interrupts after disabling it"
    PRINT "timer 0 periodic: 5 interrupts, comparator advances by whole periods, stops ok", 10

    ; ---- timer 2 level-triggered: status bit, remote IRR, re-delivery
    cli
    RTE 2, RTE_LEVEL | VEC_T2
    sti
    mov qword [t2_ack], 2
    ONESHOT 2, (2 << 9) | 0x6                       ; level, INT_ENB
    WAIT_COUNT t2_count, 2
    CHK32 [t2_sts], 4, "general interrupt status in the handler"
    mov eax, [t2_rte]
    and eax, RTE_RIRR
    CHK32 eax, RTE_RIRR, "remote IRR of pin 2 in the handler"
    DELAY_MS 5
    CHK32 [t2_count], 2, "level interrupts after clearing the status"
    CHK32 [rsi + 0x20], 0, "general interrupt status after write-1-to-clear"
    mov ecx, 0x14
    call io_read
    and eax, RTE_RIRR
    CHK32 eax, 0, "remote IRR of pin 2 after the last EOI"
    mov dword [rsi + 0x140], 0
    PRINT "timer 2 level-triggered: status bit 2 and remote IRR until cleared ok", 10

    ; ---- timer 2 in 32-bit mode with the counter's high half set
    mov dword [rsi + 0x10], 0
    mov dword [rsi + 0x14C], 0x12345678             ; 64-bit comparator
    mov dword [rsi + 0xF4], 1
    mov dword [rsi + 0xF0], 0
    cli
    RTE 2, VEC_T2
    sti
    mov qword [t2_count], 0
    mov dword [rsi + 0x140], (2 << 9) | 0x104       ; 32-bit, INT_ENB
    mov eax, [rsi + 0x140]
    and eax, 0x104
    CHK32 eax, 0x104, "timer 2 configuration in 32-bit mode"
    CHK32 [rsi + 0x14C], 0, "comparator upper half in 32-bit mode"
    mov dword [rsi + 0x148], 0x10000                ; 655 us after 1_00000000
    mov dword [rsi + 0x10], 1
    WAIT_COUNT t2_count, 1
    CHK32 [rsi + 0xF4], 1, "counter high half"
    mov dword [rsi + 0x140], 0
    PRINT "timer 2 32-bit mode: matches the low half of counter 1_00010000 ok", 10

    ; ---- legacy replacement (2.4): PIT cut off, timers 0/1 on IRQ0/IRQ8
    mov dword [rsi + 0x10], 0
    mov dword [rsi + 0xF4], 0
    mov dword [rsi + 0xF0], 0
    cli
    RTE 2, VEC_T0
    sti
    mov dword [rsi + 0x10], 3                       ; ENABLE | LEG_RT
    mov qword [t0_count], 0
    mov qword [t1_count], 0
    mov al, 0x34                                    ; PIT: mode 2, 1 kHz
    out 0x43, al
    mov al, 1193 & 0xFF
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    DELAY_MS 10
    CHK32 [t0_count], 0, "PIT interrupts in legacy replacement mode"
    mov r12d, 3
    ONESHOT 0, 0x4                                  ; INT_ENB, route ignored
    WAIT_COUNT t0_count, 1
    mov dword [rsi + 0x100], 0                      ; off before re-enabling
    ONESHOT 1, 0x4
    WAIT_COUNT t1_count, 1
    DELAY_MS 5
    CHK32 [t0_count], 1, "timer 0 (IRQ0) interrupts in legacy mode"
    CHK32 [t1_count], 1, "timer 1 (IRQ8) interrupts in legacy mode"
    PRINT "legacy replacement: PIT cut off, timer 0 -> IRQ0 pin 2, timer 1 -> IRQ8 pin 8 ok", 10
    mov dword [rsi + 0x120], 0
    mov dword [rsi + 0x10], 1                       ; legacy off
    WAIT_COUNT t0_count, 3                          ; the PIT again
    cli
    RTE 2, RTE_MASKED
    RTE 8, RTE_MASKED
    mov dword [rsi + 0x10], 0
    PRINT "legacy replacement off: IRQ0 back to the PIT ok", 10
    PASS

IOAPIC_ROUTINES
PIT_DELAY_ROUTINE

; ---- interrupt handlers (hooks; registers are saved by idt.inc)
t0_isr:
    inc qword [t0_count]
    jmp eoi
t1_isr:
    inc qword [t1_count]
    jmp eoi
pitq_isr:
    inc qword [pitq_count]
    jmp eoi
; timer 2: note the status and pin 2's entry; from run t2_ack on, clear
; the status bit (the level line falls) before the EOI
t2_isr:
    inc qword [t2_count]
    mov esi, HPET
    mov eax, [rsi + 0x20]
    mov [t2_sts], eax
    mov edx, IOAPIC
    mov ebx, [rdx]                      ; IOREGSEL of the interrupted code
    mov ecx, 0x14
    call io_read
    mov [t2_rte], eax
    mov [rdx], ebx
    mov rax, [t2_count]
    cmp rax, [t2_ack]
    jb eoi
    mov dword [rsi + 0x20], 4
eoi:
    mov edi, APIC
    mov dword [rdi + 0xB0], 0
    ret
