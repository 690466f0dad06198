; smc: self-modifying code.  Code copied to RAM is executed (in loops, so a
; translating emulator has it cached), then modified and executed again:
; immediates of already-executed code, the immediate of the very next
; instruction (same basic block), an instruction further down the same
; block, opcode replacement, REP MOVSB over following code, and writes
; through a different virtual alias of the same physical page.
%include "common.inc"
%include "idt.inc"

RAMCODE equ 0x30000
ALIAS   equ 0x40000000              ; PDPT[1] -> PD2 -> PT2 -> RAMCODE
PD2     equ 0x14000
PT2     equ 0x15000

BEGIN_REAL
    PRINT "smc", 10
    ENTER_PM32
    ENTER_LONG
    IDT64_SETUP
    ; copy the RAM code
    mov rsi, section.ramcode.start
    mov rdi, RAMCODE
    mov ecx, ram_end - ram_start
    rep movsb
    ; alias mapping: ALIAS -> RAMCODE (2 pages)
    mov qword [PDPT + 8], PD2 | 3
    mov qword [PD2], PT2 | 3
    mov qword [PT2], RAMCODE | 3
    mov qword [PT2 + 8], (RAMCODE + 0x1000) | 3
    mov rax, cr3
    mov cr3, rax

    ; ---- 1: patch the immediate of a function that ran 100 times
    mov ebx, 100
.l1: call f_imm
    CHK32 eax, 1, "f_imm before patch"
    dec ebx
    jnz .l1
    mov dword [f_imm + 1], 2
    call f_imm
    CHK32 eax, 2, "f_imm after patching its immediate"
    mov dword [f_imm + 1], 0x12345678
    call f_imm
    CHK32 eax, 0x12345678, "f_imm after second patch"
    PRINT "patched immediate of already-executed code ok", 10

    ; ---- 2: store into the very next instruction (same block), in a loop
    call f_next
    CHK32 eax, 0, "next-instruction patch: mismatches"
    call f_next
    CHK32 eax, 0, "next-instruction patch (2nd run): mismatches"
    PRINT "store into the next instruction seen (50 iterations) ok", 10

    ; ---- 3: store into an instruction further down the same block
    call f_far
    CHK32 eax, 0, "same-block patch: mismatches"
    PRINT "store into a later instruction of the same block ok", 10

    ; ---- 4: replace an opcode (nop;nop -> inc eax)
    mov ebx, 20
.l4: call f_op
    CHK32 eax, 0, "f_op before patch"
    dec ebx
    jnz .l4
    mov word [f_op.p], 0xC0FF
    call f_op
    CHK32 eax, 1, "f_op after nop;nop -> inc eax"
    mov word [f_op.p], 0xC8FF       ; dec eax
    call f_op
    CHK32 eax, -1, "f_op after inc eax -> dec eax"
    PRINT "opcode replacement ok", 10

    ; ---- 5: rep movsb overwriting the following instruction
    mov ebx, 10
.l5: xor edx, edx
    call f_rep
    CHK32 eax, 0x11111111, "f_rep without copy"
    dec ebx
    jnz .l5
    mov edx, 5
    call f_rep
    CHK32 eax, 0x22222222, "f_rep: rep movsb over the next instruction"
    PRINT "rep movsb over the following instruction ok", 10

    ; ---- 6: write through a virtual alias, execute at the original
    mov dword [f_imm + 1], 7
    mov ebx, 20
.l6: call f_imm
    CHK32 eax, 7, "f_imm before alias write"
    mov rax, ALIAS + (f_imm - ram_start)
    call rax
    CHK32 eax, 7, "f_imm via alias before alias write"
    dec ebx
    jnz .l6
    mov dword [ALIAS + (f_imm - ram_start) + 1], 8
    call f_imm
    CHK32 eax, 8, "f_imm after write through alias"
    mov dword [f_imm + 1], 9
    mov rax, ALIAS + (f_imm - ram_start)
    call rax
    CHK32 eax, 9, "alias-executed f_imm after write through original"
    PRINT "writes through a virtual alias seen by both mappings ok", 10
    PASS

; ------------------------------------------------------------ RAM code
section ramcode follows=.rodata vstart=RAMCODE align=16
bits 64
ram_start:
f_imm:
    mov eax, 1
    ret

f_next:
    xor edx, edx
    xor ebx, ebx
.loop:
    mov [rel .t + 1], bl
.t: mov al, 0xFF
    cmp al, bl
    je .ok
    inc edx
.ok:
    inc ebx
    cmp ebx, 50
    jb .loop
    mov eax, edx
    ret

f_far:
    xor edx, edx
    mov ebx, 1
.loop:
    mov [rel .t + 1], bl
    add ecx, ebx
    xor ecx, 0x55
    lea rsi, [rcx + 1]
    nop
    nop
.t: mov al, 0
    cmp al, bl
    je .ok
    inc edx
.ok:
    inc ebx
    cmp ebx, 60
    jb .loop
    mov eax, edx
    ret

f_op:
    xor eax, eax
.p: nop
    nop
    ret

f_rep:
    lea rsi, [rel .src]
    lea rdi, [rel .dst]
    mov ecx, edx
    rep movsb
.dst:
    mov eax, 0x11111111
    ret
.src:
    mov eax, 0x22222222
ram_end:
