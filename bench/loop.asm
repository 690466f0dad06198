; bench/loop.asm - the interpreter speed benchmark guest: a tight integer
; loop of 5 instructions per iteration, ITERS iterations (nasm -DITERS=N),
; then the checksum on COM1 and a verdict through isa-debug-exit.
; Runs from reset in real mode with 32-bit operands: no set-up that could
; dominate the measurement.
bits 16
org 0
%ifndef ITERS
%define ITERS 1000000
%endif
start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov eax, 0x12345678
    xor edx, edx
    mov ecx, ITERS
.loop:
    add eax, ecx
    xor edx, eax
    rol edx, 3
    dec ecx
    jnz .loop
    ; print EDX as 8 hex digits + newline (putc clobbers DX: use EBX)
    mov ebx, edx
    mov cx, 8
.hex:
    rol ebx, 4
    mov al, bl
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    call putc
    loop .hex
    mov al, 10
    call putc
    mov al, 0x10
    out 0xf4, al
    hlt
    jmp $
putc:
    push ax
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop ax
    mov dx, 0x3f8
    out dx, al
    ret

    times 0xfff0 - ($ - $$) db 0
reset:
    jmp 0xf000:start    ; image is mapped at 0xf0000: offset 0 = F000:0000
    times 0x10000 - ($ - $$) db 0
