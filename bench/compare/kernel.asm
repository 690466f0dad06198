; bench/compare/kernel.asm - the bare-metal guest of the comparison suite:
; a small long-mode kernel that runs one workload of workloads.asm in
; ring 3 and reports its checksum and RDTSC cycle count on COM1.
;
;   nasm -f bin -I tests/guest/lib/ -I bench/compare/ \
;        -DWORKLOAD=wl_int -DSIZE=1000 [-DBUFLOG2=25] -o int.bin kernel.asm
;
; Why ring 3: on a host whose KVM has no hardware virtualisation (nested,
; no vmx/svm in the guest), KVM runs 64-bit ring-3 code natively but
; emulates ring 0, real and 32-bit mode in the kernel at ~2 M instr/s.
; So ring 0 does only the set-up (long mode, IDT, TSS, CR0/CR4 for
; x87/SSE) and the printing; all the measured work is in ring 3.
;
; Protocol (parsed by scripts/emu86-compare):
;   "compare WORKLOAD size=HEX"  banner, from ring 0 before the run
;   "checksum HEX16"             the workload's return value
;   "tsc HEX16"                  RDTSC delta around the call (ring 3)
;   exit: isa-debug-exit 0x10 -> status 33   success
;         0x12 -> status 37   #UD/#NM in the workload: an instruction the
;                             CPU (model) does not implement
;         0x11 -> status 35   any other exception
;
; Ring 3 cannot do port I/O (IOPL 0), and SYSCALL/INT n from ring 3 do not
; reach ring 0 on that KVM; exceptions do.  So ring 3 stores its results in
; memory and executes UD2 at r3_done; the #UD handler recognises that
; address and returns to ring 0 at .finish.
;
; Memory: the buffer (2^BUFLOG2 bytes, at most 32 MiB) is at 16 MiB,
; identity mapped with user-accessible 2 MiB pages by ENTER_LONG (which
; maps 0-64 MiB); run with -m 128M.

%ifndef WORKLOAD
%define WORKLOAD wl_int
%endif
%ifndef SIZE
%define SIZE 1000
%endif
%ifndef BUFLOG2
%define BUFLOG2 16
%endif
%if BUFLOG2 > 25
%error "BUFLOG2 must be <= 25 (32 MiB at 16 MiB, inside the 64 MiB mapped)"
%endif

BUF_ADDR equ 0x1000000
RES_SUM  equ VARS + 0x40
RES_TSC  equ VARS + 0x48
RES_T0   equ VARS + 0x50

%include "common.inc"
%include "idt.inc"

    BEGIN_REAL
    ENTER_PM32
    ENTER_LONG
    IDT64_SETUP

    ; every exception vector goes to bench_hook
    xor ecx, ecx
.hooks:
    lea rax, [rel bench_hook]
    mov [HOOKS + rcx*8], rax
    inc ecx
    cmp ecx, 32
    jb .hooks

    ; TSS: RSP0 for exceptions from ring 3, no I/O bitmap
    mov rdi, TSS_ADDR
    xor eax, eax
    mov ecx, 104/4
    rep stosd
    mov qword [TSS_ADDR+4], STACK_TOP
    mov word [TSS_ADDR+102], 104
    mov rax, 0x0000890030000067
    mov [GDT_ADDR+SEL_TSS], rax
    mov qword [GDT_ADDR+SEL_TSS+8], 0
    mov ax, SEL_TSS
    ltr ax

    ; x87 and SSE usable: CR0.MP=1 EM=0 TS=0 NE=1, CR4.OSFXSR|OSXMMEXCPT
    mov rax, cr0
    and eax, ~((1 << 2) | (1 << 3))
    or eax, (1 << 1) | (1 << 5)
    mov cr0, rax
    mov rax, cr4
    or eax, (1 << 9) | (1 << 10)
    mov cr4, rax

    PRINT "compare ", %str(WORKLOAD), " size="
    PRINTHEX SIZE, 16
    PRINT 10

    ; enter ring 3 at r3_entry, IF=0, IOPL=0
    push qword SEL_DATA_R3 | 3
    push qword STACK3_TOP
    push qword 0x2
    push qword SEL_CODE64_R3 | 3
    lea rax, [rel r3_entry]
    push rax
    iretq

.finish:
    PRINT "checksum "
    PRINTHEX [RES_SUM], 16
    PRINT 10
    PRINT "tsc "
    PRINTHEX [RES_TSC], 16
    PRINT 10
    mov dx, DEBUG_EXIT
    mov al, 0x10
    out dx, al
.h: cli
    hlt
    jmp .h

; Exception hook (called by idt.inc's common handler, RBP = frame).
bench_hook:
    mov rax, [rbp+F64_RIP]
    lea rcx, [rel r3_done]
    cmp rax, rcx
    jne .bad
    cmp qword [rbp+F64_VEC], 6
    jne .bad
    lea rcx, [rel entry16.finish]
    mov [rbp+F64_RIP], rcx
    mov qword [rbp+F64_CS], SEL_CODE64
    mov qword [rbp+F64_SS], SEL_DATA
    mov qword [rbp+F64_RSP], STACK_TOP
    ret
.bad:
    mov rbx, [rbp+F64_VEC]
    mov bl, 0x11
    cmp qword [rbp+F64_VEC], 6
    je .unimpl
    cmp qword [rbp+F64_VEC], 7
    jne .report
.unimpl:
    mov bl, 0x12
    PRINT "unimplemented: "
.report:
    PRINT "exception vector "
    PRINTHEX [rbp+F64_VEC], 2
    PRINT " error "
    PRINTHEX [rbp+F64_ERR], 8
    PRINT " at "
    PRINTHEX [rbp+F64_RIP], 16
    PRINT 10
    mov dx, DEBUG_EXIT
    mov al, bl
    out dx, al
.h: cli
    hlt
    jmp .h

; ---------------------------------------------------------------- ring 3
r3_entry:
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [RES_T0], rax
    mov rdi, SIZE
    mov rsi, BUF_ADDR
    mov rdx, BUFLOG2
    call WORKLOAD
    mov [RES_SUM], rax
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, [RES_T0]
    mov [RES_TSC], rax
r3_done:
    ud2

%include "workloads.asm"
