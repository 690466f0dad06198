; bench/compare/workloads.asm - the compute kernels of the comparison suite.
;
; Design: each workload is one SysV-ABI function
;     uint64_t wl_NAME(uint64_t size, void *buf, uint64_t buflog2)
; returning a checksum.  The same source is used twice:
;   * included by kernel.asm into the bare-metal guest image, where ring 3
;     calls it (so under KVM it runs natively, see kernel.asm);
;   * assembled with -DNATIVE -f elf64 and linked into native.c, the host
;     column of the table.
; So the guest and the host execute byte-for-byte the same instructions
; and every run must print the same checksum.
;
; Only deterministic operations: integer ops, string instructions with
; DF=0 (the ABI and the guest's ring-3 RFLAGS both guarantee it), and
; x87/SSE2 +,-,*,/,sqrt which IEEE 754 rounds exactly (no transcendental
; instruction, whose last bit differs between CPUs and softfloat).
; Constants live in the code section (read-only, reachable RIP-relative
; from the ELF object and from the ROM image alike).

%ifdef NATIVE
default rel
bits 64
section .note.GNU-stack noalloc noexec nowrite progbits
section .text
global wl_int, wl_mem, wl_branchy, wl_string, wl_x87, wl_sse
%else
bits 64
%endif

; ------------------------------------------------------------------ int
; size iterations of a 64-bit LCG feeding a shift/xor/rotate mixer:
; multiply, add, shifts and rotates, no memory traffic.
wl_int:
    mov rcx, rdi
    mov rax, 0x9E3779B97F4A7C15
    mov r9, 6364136223846793005
    mov r10, 1442695040888963407
    xor r8, r8
    test rcx, rcx
    jz .done
.l: imul rax, r9
    add rax, r10
    mov rdx, rax
    shr rdx, 29
    xor r8, rdx
    rol r8, 7
    add r8, rcx
    dec rcx
    jnz .l
.done:
    mov rax, r8
    ret

; ------------------------------------------------------------------ mem
; Fill a 2^buflog2-byte buffer, then size read-modify-writes at indices
; from a full-period LCG modulo the buffer's qword count (a = 1 mod 4,
; c odd): random access over a buffer far larger than the caches, so the
; time is dominated by cache and TLB misses, not by instructions.
wl_mem:
    mov ecx, edx
    mov r10d, 1
    shl r10, cl
    shr r10, 3                  ; qwords
    lea r11, [r10 - 1]          ; index mask
    mov rax, 0x9E3779B97F4A7C15
    xor ecx, ecx
.init:
    mov r8, rcx
    imul r8, rax
    mov [rsi + rcx*8], r8
    inc rcx
    cmp rcx, r10
    jb .init
    xor r8, r8                  ; index
    xor r9, r9                  ; running sum
    mov rcx, rdi
    test rcx, rcx
    jz .done
.c: imul r8, r8, 1664525
    add r8, 1013904223
    and r8, r11
    mov rax, [rsi + r8*8]
    add r9, rax
    xor rax, r9
    mov [rsi + r8*8], rax
    dec rcx
    jnz .c
.done:
    mov rax, r9
    ret

; ------------------------------------------------------------------ branchy
; Collatz step counts for n = 1..size: the odd/even branch is data
; dependent and unpredictable, the loop lengths vary.  Checksum: the
; longest chain (high half) xor the total number of steps.
wl_branchy:
    xor r8, r8                  ; total steps
    xor r9, r9                  ; longest chain
    mov rcx, 1
    cmp rcx, rdi
    ja .out
.n: mov rax, rcx
    xor edx, edx
.s: cmp rax, 1
    je .done
    test al, 1
    jz .even
    lea rax, [rax + rax*2 + 1]
    inc rdx
    jmp .s
.even:
    shr rax, 1
    inc rdx
    jmp .s
.done:
    add r8, rdx
    cmp rdx, r9
    jbe .nomax
    mov r9, rdx
.nomax:
    inc rcx
    cmp rcx, rdi
    jbe .n
.out:
    mov rax, r9
    shl rax, 32
    xor rax, r8
    ret

; ------------------------------------------------------------------ string
; size rounds over 4 KiB blocks: REP STOSQ fill, REP MOVSB copy to a
; misaligned destination, one byte flipped, REPE CMPSB finds it, REPNE
; SCASB looks for its value.  The counts left in RCX feed the checksum.
STR_BLK equ 4096
wl_string:
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov r12, rdi                ; rounds
    mov r13, rsi                ; block A
    lea r14, [rsi + 2*STR_BLK + 3] ; block B, misaligned
    xor r15, r15                ; checksum
    mov rbx, 0x2545F4914F6CDD1D ; LCG state: fill pattern, flip position
    test r12, r12
    jz .out
.round:
    mov rax, rbx
    mov rdi, r13
    mov ecx, STR_BLK / 8
    rep stosq
    mov rsi, r13
    mov rdi, r14
    mov ecx, STR_BLK
    rep movsb
    mov rdx, rbx
    shr rdx, 20
    and edx, STR_BLK - 1
    not byte [r14 + rdx]
    mov rsi, r13
    mov rdi, r14
    mov ecx, STR_BLK
    repe cmpsb
    add r15, rcx
    mov al, [r14 + rdx]
    mov rdi, r14
    mov ecx, STR_BLK
    repne scasb
    add r15, rcx
    rol r15, 5
    mov rax, 6364136223846793005
    imul rbx, rax
    mov rax, 1442695040888963407
    add rbx, rax
    dec r12
    jnz .round
.out:
    mov rax, r15
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    ret

; ------------------------------------------------------------------ x87
; x(i) = sqrt(x(i-1)^2 + i) / 2 + 1 in extended precision (FNINIT
; state), and the integer part of 1e6 / x(i) summed.  FMUL, FIADD-style
; FILD+FADDP, FSQRT, FDIV, FISTP: all exactly rounded.
wl_x87:
    sub rsp, 24
    fninit
    fld1                        ; st0 = x
    xor r8, r8
    mov rcx, 1
    cmp rcx, rdi
    ja .out
.l: mov [rsp], rcx
    fld st0                     ; x x
    fmul st0, st0               ; x^2 x
    fild qword [rsp]            ; i x^2 x
    faddp st1, st0              ; x^2+i x
    fsqrt
    fmul qword [x87_half]
    fld1
    faddp st1, st0              ; x' x
    fstp st1                    ; x'
    fld qword [x87_1e6]         ; 1e6 x'
    fdiv st0, st1
    fistp qword [rsp + 8]
    add r8, [rsp + 8]
    inc rcx
    cmp rcx, rdi
    jbe .l
.out:
    fstp qword [rsp]
    mov rax, [rsp]
    xor rax, r8
    add rsp, 24
    ret
align 8
x87_half: dq 0.5
x87_1e6:  dq 1.0e6

; ------------------------------------------------------------------ sse
; The same recurrence on two lanes of packed doubles (MULPD, ADDPD,
; SQRTPD), a scalar DIVSD and CVTTSD2SI per lane into the checksum.
wl_sse:
    movupd xmm0, [sse_init]
    movupd xmm5, [sse_half]
    movupd xmm6, [sse_one]
    movsd xmm7, [sse_1e6]
    xor r8, r8
    mov rcx, 1
    cmp rcx, rdi
    ja .out
.l: cvtsi2sd xmm1, rcx
    unpcklpd xmm1, xmm1         ; (i, i)
    movapd xmm2, xmm0
    mulpd xmm2, xmm0
    addpd xmm2, xmm1
    sqrtpd xmm2, xmm2
    mulpd xmm2, xmm5
    addpd xmm2, xmm6
    movapd xmm0, xmm2
    movapd xmm3, xmm7
    divsd xmm3, xmm0
    cvttsd2si rax, xmm3
    add r8, rax
    unpckhpd xmm2, xmm2
    mulsd xmm2, xmm7
    cvttsd2si rax, xmm2
    xor r8, rax
    rol r8, 3
    inc rcx
    cmp rcx, rdi
    jbe .l
.out:
    movq rax, xmm0
    xor rax, r8
    ret
align 8
sse_init: dq 1.0, 2.0
sse_half: dq 0.5, 0.5
sse_one:  dq 1.0, 1.0
sse_1e6:  dq 1.0e6
