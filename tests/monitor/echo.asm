; tests/monitor/echo.asm - the monitor tests' guest: a 64 KiB firmware
; image that prints "echo ready" on COM1 and then echoes every byte
; received on COM1 by polling the line status register (no interrupts,
; no isa-debug-exit: it runs until the monitor or a signal ends it).
; Build: nasm -f bin -o echo.bin echo.asm
bits 16
org 0

COM1 equ 0x3f8

start:                          ; F000:0000 = physical 0xF0000
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7c00
    mov si, banner
.banner:
    cs lodsb
    test al, al
    jz .poll
    call putc
    jmp .banner
.poll:
    mov dx, COM1 + 5            ; LSR: bit 0 = data ready
    in al, dx
    test al, 1
    jz .poll
    mov dx, COM1
    in al, dx
    call putc
    jmp .poll

putc:                           ; AL -> COM1 once THR is empty
    push ax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop ax
    mov dx, COM1
    out dx, al
    ret

banner: db "echo ready", 13, 10, 0

    times 0xfff0 - ($ - $$) db 0xf4
reset:                          ; the reset vector (physical 0xFFFFFFF0)
    jmp 0xf000:start
    times 0x10000 - ($ - $$) db 0xf4
