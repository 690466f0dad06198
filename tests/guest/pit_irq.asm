; pit_irq: 8254 PIT channel 0 in mode 2 at 100 Hz through the remapped 8259
; PIC (IRQ0 -> vector 0x20).  Elapsed time is measured independently with
; PIT channel 2 in mode 0 (one-shot, OUT2 polled via port 0x61 bit 5).
; Also checks counter latch and read-back status, IRR while IF=0,
; ISR inside the handler, EOI, and that masking IRQ0 stops the ticks.
; The rate window is wide (x3 either way): nested KVM hosts lose ticks.
%include "common.inc"
%include "idt.inc"

ticks     equ VARS+0x00
isr_seen  equ VARS+0x08
DIVISOR   equ 11932                 ; 1193182 Hz / 11932 = 100.0 Hz

; wait for one channel-2 one-shot of COUNT PIT clocks (mode 0)
%macro CH2_WAIT 1
    xor r12d, r12d
    mov ecx, %1
    call ch2_oneshot
%endmacro

BEGIN_REAL
    PRINT "pit_irq", 10
    ENTER_PM32
    ENTER_LONG
    IDT64_SETUP
    HOOK 0x20, timer_irq
    PIC_REMAP
    PRINT "8259: remapped to 0x20/0x28, all masked", 10

    ; ---- channel 0: mode 2, lobyte/hibyte, binary
    mov al, 0x34
    out 0x43, al
    mov al, DIVISOR & 0xFF
    out 0x40, al
    mov al, DIVISOR >> 8
    out 0x40, al
    ; read-back status of channel 0
    mov al, 0xE2
    out 0x43, al
    in al, 0x40
    and eax, 0x3F
    CHK32 eax, 0x34, "PIT read-back status (rw mode, mode 2, binary)"
    ; counter latch: value must be within 1..DIVISOR
    mov ebx, 20
.latch:
    mov al, 0x00
    out 0x43, al
    in al, 0x40
    mov dl, al
    in al, 0x40
    mov dh, al
    movzx eax, dx
    cmp eax, DIVISOR
    ja .latch_bad
    test eax, eax
    jz .latch_bad
    dec ebx
    jnz .latch
    jmp .latch_ok
.latch_bad:
    FAIL "PIT channel 0 latched count out of range"
.latch_ok:
    PRINT "PIT channel 0: mode 2 status and latched counts ok", 10

    ; ---- IRQ0 unmasked but IF=0: interrupt stays pending in IRR
    ; (poll in ~5 ms steps for up to ~1 s: on a loaded host the emulator's
    ; timer callbacks may lag behind the PIT clock seen through port 0x61)
    mov al, 0xFE
    out 0x21, al
    mov ebx, 200
.irr:
    CH2_WAIT 6000                   ; ~5 ms
    mov al, 0x0A                    ; OCW3: read IRR
    out 0x20, al
    in al, 0x20
    test al, 1
    jnz .irr_set
    dec ebx
    jnz .irr
.irr_set:
    CHK32 [ticks], 0, "ticks with IF=0"
    and eax, 1
    CHK32 eax, 1, "IRR bit 0 with IF=0"
    mov al, 0x0B                    ; OCW3: read ISR
    out 0x20, al
    in al, 0x20
    and eax, 0xFF
    CHK32 eax, 0, "ISR before delivery"
    PRINT "IF=0: IRQ0 pending in IRR, not delivered ok", 10

    ; ---- STI: the pending interrupt is delivered
    sti
    mov ecx, 100000
.first:
    cmp qword [ticks], 0
    jne .got_first
    dec ecx
    jnz .first
    FAIL "no timer interrupt after STI"
.got_first:
    CHK32 [isr_seen], 1, "ISR bit 0 set inside the IRQ0 handler"
    mov al, 0x0B
    out 0x20, al
    in al, 0x20
    and eax, 0xFF
    CHK32 eax, 0, "ISR after EOI"
    PRINT "IRQ0 delivered after STI, ISR set in handler, clear after EOI ok", 10
    mov qword [ticks], 0
    mov ebx, 10
.win:
    mov ecx, 65535
    mov r12d, 1                     ; HLT between polls (IRQ0 wakes us)
    call ch2_oneshot
    dec ebx
    jnz .win
    mov rax, [ticks]
    cmp rax, 18
    jb .too_few
    cmp rax, 165
    ja .too_many
    PRINT "tick count over ~549 ms within 18..165 (expected ~55) ok", 10
    jmp .rate_ok
.too_few:
    PRINT "FAIL: too few timer interrupts: "
    PRINTHEX rax, 8
    PRINT 10
    jmp fail_exit64
.too_many:
    PRINT "FAIL: too many timer interrupts: "
    PRINTHEX rax, 8
    PRINT 10
    jmp fail_exit64
.rate_ok:

    ; ---- mask again: ticks stop
    mov al, 0xFF
    out 0x21, al
    CH2_WAIT 12000                  ; let an in-flight interrupt land
    mov rbx, [ticks]
    CH2_WAIT 36000                  ; ~30 ms
    mov rax, [ticks]
    CHK64 rax, rbx, "ticks after masking IRQ0"
    cli
    PRINT "IRQ0 masked again: ticks stop ok", 10
    PASS

; ch2_oneshot: ECX = count; program channel 2 mode 0 and poll OUT2.
; R12D != 0: HLT between polls (needs IF=1 and a running IRQ0), so that the
; emulator's timer thread is not starved by a tight port I/O loop.
ch2_oneshot:
    push rax
    in al, 0x61
    and al, 0xFC                    ; gate2 off, speaker off
    out 0x61, al
    mov al, 0xB0                    ; ch2, lobyte/hibyte, mode 0
    out 0x43, al
    mov al, cl
    out 0x42, al
    mov al, ch
    out 0x42, al
    in al, 0x61
    or al, 1                        ; gate2 on: start counting
    out 0x61, al
.w: test r12d, r12d
    jz .poll
    hlt
.poll:
    in al, 0x61
    test al, 0x20
    jz .w
    in al, 0x61
    and al, 0xFC
    out 0x61, al
    pop rax
    ret

timer_irq:
    inc qword [ticks]
    mov al, 0x0B
    out 0x20, al
    in al, 0x20
    and eax, 1
    cmp qword [ticks], 1
    jne .eoi
    mov [isr_seen], rax
.eoi:
    mov al, 0x20
    out 0x20, al
    ret
