; pmode_longmode: real mode -> 32-bit protected mode (GDT, far jump) ->
; PAE paging -> long mode (EFER.LME, CR0.PG) -> 64-bit code.  Checks the
; CPUID long-mode bit, 64-bit arithmetic, RIP-relative addressing and a
; compatibility-mode (32-bit code segment in long mode) far call/return.
%include "common.inc"
%include "idt.inc"

BEGIN_REAL
    PRINT "pmode_longmode", 10
    mov eax, cr0
    test al, 1
    jz .rm_ok
    FAIL "CR0.PE set at reset"
.rm_ok:
    ; 16-bit wrap-around of IP-relative data is not tested; just check
    ; that real-mode segment arithmetic works: 0x0800:0x0010 == 0x8010
    mov word [0x8010], 0x1234
    mov ax, 0x0800
    mov es, ax
    mov ax, [es:0x10]
    xor bx, bx
    mov es, bx
    CHK16 ax, 0x1234, "real mode seg:off"
    PRINT "stage 1: real mode ok", 10

    ENTER_PM32
    mov eax, cr0
    test al, 1
    jnz .pm1
    FAIL "CR0.PE clear after switch"
.pm1:
    xor eax, eax
    mov ax, cs
    CHK32 eax, SEL_CODE32, "pmode CS"
    mov ax, ss
    CHK32 eax, SEL_DATA, "pmode SS"
    mov eax, 0x12345678
    add eax, 0x11111111
    CHK32 eax, 0x23456789, "32-bit add"
    ; 32-bit addressing above 1 MiB (no A20 games: A20 must be enabled)
    mov dword [0x200000], 0xCAFEBABE
    mov dword [0x000000], 0
    CHK32 [0x200000], 0xCAFEBABE, "memory at 2 MiB"
    PRINT "stage 2: 32-bit protected mode ok", 10

    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jae .ext_ok
    FAIL "no CPUID leaf 0x80000001"
.ext_ok:
    mov eax, 0x80000001
    cpuid
    bt edx, 29
    jc .lm_ok
    FAIL "CPUID long mode bit clear"
.lm_ok:
    mov eax, 1
    cpuid
    bt edx, 6
    jc .pae_ok
    FAIL "CPUID PAE bit clear"
.pae_ok:
    PRINT "stage 3: CPUID reports PAE and long mode", 10

    ENTER_LONG
    mov ecx, 0xC0000080
    rdmsr
    bt eax, 10
    jc .lma_ok
    FAIL "EFER.LMA clear"
.lma_ok:
    mov rax, cr0
    bt rax, 31
    jc .pg_ok
    FAIL "CR0.PG clear"
.pg_ok:
    xor eax, eax
    mov ax, cs
    CHK32 eax, SEL_CODE64, "long mode CS"
    PRINT "stage 4: long mode entered (EFER.LMA=1, CR0.PG=1)", 10
    IDT64_SETUP

    ; 64-bit arithmetic
    mov rax, 0x123456789ABCDEF0
    mov r9, 0x0FEDCBA987654321
    mov r8, rax
    add r8, r9
    CHK64 r8, 0x2222222222222211, "64-bit add"
    mov r10, rax
    mul r9
    CHK64 rdx, 0x0121FA00AD77D742, "64-bit mul high"
    CHK64 rax, 0x2236D88FE5618CF0, "64-bit mul low"
    mov r11, 0x123456789ABCDEF0
    mov r12, r11
    shl r12, 4
    CHK64 r12, 0x23456789ABCDEF00, "64-bit shl"
    mov r13, r11
    shr r13, 60
    CHK64 r13, 1, "64-bit shr"
    mov r14, r11
    neg r14
    CHK64 r14, 0xEDCBA98765432110, "64-bit neg"
    mov rdx, 0x1122334455667788
    mov rax, 0x99AABBCCDDEEFF00
    mov rcx, 0x123456789ABCDEF1
    div rcx
    CHK64 rax, 0xF0F0F0F0F0F0F1C6, "128/64 div quotient"
    CHK64 rdx, 0x09A33CD67009AF9A, "128/64 div remainder"
    mov eax, 0xFFFFFFFF
    mov rbx, -1
    mov ebx, eax            ; 32-bit write zero-extends
    CHK64 rbx, 0xFFFFFFFF, "32-bit write zero-extension"
    mov r15, -1
    mov r15w, 0
    CHK64 r15, 0xFFFFFFFFFFFF0000, "16-bit write preserves upper bits"
    PRINT "stage 5: 64-bit arithmetic ok", 10

    ; RIP-relative addressing
    lea rax, [rel rip_data]
    mov rbx, rip_data
    CHK64 rax, rbx, "lea rip-relative"
    mov rax, [rel rip_data]
    CHK64 rax, 0x0123456789ABCDEF, "load rip-relative"
    call .here
.here:
    pop rsi
    lea rdx, [rel .here]
    CHK64 rsi, rdx, "call/pop rip vs lea"
    mov qword [0x20000], 0
    mov rbx, 0x20000
    mov qword [rbx], 0x55AA
    mov rax, 0x5555AAAA5555AAAA
    mov [0x20008], rax
    CHK64 [0x20008], rax, "absolute 64-bit store"
    PRINT "stage 6: RIP-relative addressing ok", 10

    ; compatibility mode: far call to a 32-bit code segment
    mov dword [VARS], 0
    call far dword [rel compat_ptr]
    CHK32 [VARS], 0xC0DE0032, "compat mode marker"
    CHK32 [VARS+4], 0, "compat mode inc eax (0x40 opcode)"
    CHK32 [VARS+8], 1, "EFER.LMA in compat mode"
    xor eax, eax
    mov ax, cs
    CHK32 eax, SEL_CODE64, "CS after far return"
    PRINT "stage 7: compatibility mode far call/return ok", 10

    ; compatibility mode via RETFQ, back via far JMP
    mov qword [VARS+16], 0
    mov r12, rsp
    push qword SEL_CODE32
    push qword compat_entry2
    retfq
back64:
    mov rsp, r12
    CHK32 [VARS+16], 0x32323232, "compat mode via retfq"
    mov rax, 0x1111222233334444     ; 64-bit register usable again
    add rax, rax
    CHK64 rax, 0x2222444466668888, "64-bit after return from compat"
    PRINT "stage 8: retfq to compat mode and far jmp back ok", 10
    PASS

bits 32
compat_func:
    mov dword [VARS], 0xC0DE0032
    mov eax, 0xFFFFFFFF
    db 0x40                         ; inc eax in 32-bit code, REX in 64-bit
    mov [VARS+4], eax
    mov ecx, 0xC0000080
    rdmsr
    shr eax, 10
    and eax, 1
    mov [VARS+8], eax
    retf

compat_entry2:
    mov ax, SEL_DATA
    mov ds, ax
    mov dword [VARS+16], 0x32323232
    jmp SEL_CODE64:back64

[section .rodata]
align 8
rip_data: dq 0x0123456789ABCDEF
compat_ptr: dd compat_func
            dw SEL_CODE32
