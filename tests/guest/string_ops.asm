; string_ops: REP MOVS{B,W,D,Q} with overlapping source/destination forward
; and backward, REP STOS, REPE CMPSB, REPNE SCASB, LODS, counts of 0,
; segment override on the source, 16/32/64-bit address sizes (CX/ECX/RCX).
; Results are compared with element-by-element reference loops.
%include "common.inc"
%include "idt.inc"

BUF     equ 0x20000
REF     equ 0x22000
BUFSZ   equ 0x1000


; TMOVS insn, size, dir, src_off, dst_off, count
%macro TMOVS 6
    call fill
    mov rsi, REF+%4
    mov rdi, REF+%5
    mov rcx, %6
    mov edx, %2
    mov r8d, %3
    call ref_movs
    sub rsi, REF
    sub rdi, REF
    mov [VARS], rsi
    mov [VARS+8], rdi
    mov rsi, BUF+%4
    mov rdi, BUF+%5
    mov rcx, %6
  %if %3
    std
  %endif
    rep %1
    cld
    %defstr %%n %1
    CHK64 rcx, 0, "rep ", %%n, " RCX"
    sub rsi, BUF
    sub rdi, BUF
    CHK64 rsi, [VARS], "rep ", %%n, " RSI"
    CHK64 rdi, [VARS+8], "rep ", %%n, " RDI"
    call compare
    jz %%ok
    PRINT "FAIL: rep ", %%n, " dir=", %3 + '0', " data differs at offset "
    PRINTHEX rcx, 4
    PRINT 10
    jmp fail_exit64
%%ok:
%endmacro

; TSTOS insn, size, dir, dst_off, count, value
%macro TSTOS 6
    call fill
    mov rdi, REF+%4
    mov rcx, %5
    mov edx, %2
    mov r8d, %3
    mov r9, %6
    call ref_stos
    sub rdi, REF
    mov [VARS+8], rdi
    mov rdi, BUF+%4
    mov rcx, %5
    mov rax, %6
  %if %3
    std
  %endif
    rep %1
    cld
    %defstr %%n %1
    CHK64 rcx, 0, "rep ", %%n, " RCX"
    sub rdi, BUF
    CHK64 rdi, [VARS+8], "rep ", %%n, " RDI"
    call compare
    jz %%ok
    PRINT "FAIL: rep ", %%n, " dir=", %3 + '0', " data differs at offset "
    PRINTHEX rcx, 4
    PRINT 10
    jmp fail_exit64
%%ok:
%endmacro

BEGIN_REAL
    PRINT "string_ops", 10
    ENTER_PM32
    IDT32_SETUP

    ; ---------------- 32-bit protected mode, 16-bit addressing (a16)
    ; a16 rep movsb: CX count, DI wraps from 0xFFFF to 0x0000
    mov edi, 0xFFF0
    mov ecx, 32
    xor eax, eax
    rep stosb                       ; clear 0xFFF0..0x1000F
    mov edi, 0
    mov ecx, 16
    rep stosb
    mov esi, 0x9000
    mov ecx, 16
.pat: mov [esi+ecx-1], cl
    loop .pat
    mov esi, 0x9000
    mov edi, 0xABCDFFF8
    mov ecx, 0x12340010
    a16 rep movsb
    CHK32 ecx, 0x12340000, "a16 rep movsb: CX count, upper ECX kept"
    CHK32 esi, 0x00009010, "a16 rep movsb: SI"
    CHK32 edi, 0xABCD0008, "a16 rep movsb: DI wrapped"
    CHK32 [0xFFF8], 0x04030201, "a16 rep movsb: bytes before wrap"
    CHK32 [0xFFFC], 0x08070605, "a16 rep movsb: bytes before wrap (2)"
    CHK32 [0x0000], 0x0C0B0A09, "a16 rep movsb: bytes after wrap"
    CHK32 [0x10000], 0, "a16 rep movsb: wrote past 64 KiB"
    ; a16 with CX=0 but ECX upper bits set: no iteration
    mov esi, 0x9000
    mov edi, 0x9100
    mov ecx, 0x00050000
    a16 rep movsb
    CHK32 ecx, 0x00050000, "a16 rep movsb CX=0: ECX"
    CHK32 edi, 0x9100, "a16 rep movsb CX=0: DI"
    ; 32-bit: ECX count, source segment override (FS base 0x20000)
    mov dword [BUF+0x10], 0x44332211
    mov dword [BUF+0x14], 0x88776655
    mov ax, SEL_SMALL
    mov fs, ax
    mov esi, 0x10
    mov edi, 0x9200
    mov ecx, 8
    fs rep movsb
    CHK32 [0x9200], 0x44332211, "fs: rep movsb (1)"
    CHK32 [0x9204], 0x88776655, "fs: rep movsb (2)"
    CHK32 esi, 0x18, "fs: rep movsb ESI"
    mov esi, 0x14
    fs lodsd
    CHK32 eax, 0x88776655, "fs: lodsd"
    mov ax, SEL_DATA
    mov fs, ax
    ; ES is always the destination of MOVS/STOS (no override possible)
    mov edi, 0x9300
    mov eax, 0xA5A5A5A5
    mov ecx, 2
    rep stosd
    CHK32 [0x9304], 0xA5A5A5A5, "rep stosd (pm32)"
    CHK32 edi, 0x9308, "rep stosd EDI (pm32)"
    PRINT "pm32: a16 CX count and DI wrap, ECX count, FS source override ok", 10

    ; ---------------- 64-bit
    ENTER_LONG
    IDT64_SETUP
    TMOVS movsb, 1, 0, 0x100, 0x800, 0x123
    TMOVS movsb, 1, 0, 0x100, 0x101, 0x40
    TMOVS movsb, 1, 0, 0x101, 0x100, 0x40
    TMOVS movsb, 1, 1, 0x13F, 0x142, 0x40
    TMOVS movsb, 1, 1, 0x142, 0x13F, 0x40
    TMOVS movsb, 1, 0, 0x100, 0x200, 0
    ; smear check: forward copy to src+1 replicates the first byte
    call fill
    mov rsi, BUF+0x300
    lea rdi, [rsi+1]
    mov ecx, 0x20
    rep movsb
    mov al, [BUF+0x300]
    mov rdi, BUF+0x301
    mov ecx, 0x20
    repe scasb
    CHK64 rcx, 0, "forward overlapping movsb smears first byte"
    PRINT "rep movsb: forward/backward, overlapping, count 0 ok", 10

    TMOVS movsw, 2, 0, 0x100, 0x102, 0x30
    TMOVS movsw, 2, 1, 0x180, 0x181, 0x30
    TMOVS movsd, 4, 0, 0x100, 0x103, 0x30
    TMOVS movsd, 4, 1, 0x200, 0x1FE, 0x30
    TMOVS movsq, 8, 0, 0x100, 0x105, 0x30
    TMOVS movsq, 8, 1, 0x400, 0x404, 0x30
    TMOVS movsq, 8, 0, 0x100, 0x900, 0x55
    TMOVS movsq, 8, 1, 0x100, 0x900, 0
    PRINT "rep movsw/movsd/movsq: forward/backward, overlapping, count 0 ok", 10

    TSTOS stosb, 1, 0, 0x100, 0x77, 0xA5
    TSTOS stosb, 1, 1, 0x300, 0x31, 0x5A
    TSTOS stosw, 2, 0, 0x101, 0x40, 0x1234
    TSTOS stosd, 4, 1, 0x203, 0x21, 0xDEADBEEF
    TSTOS stosq, 8, 0, 0x007, 0x33, 0x0123456789ABCDEF
    TSTOS stosq, 8, 0, 0x007, 0, 0x0123456789ABCDEF
    PRINT "rep stos b/w/d/q: forward/backward, count 0 ok", 10

    ; ---- repe cmpsb
    call fill
    mov rsi, BUF+0x100
    mov rdi, BUF+0x800
    mov ecx, 0x40
    rep movsb
    mov byte [BUF+0x800+0x25], 0xEE
    mov rsi, BUF+0x100
    mov rdi, BUF+0x800
    mov ecx, 0x40
    repe cmpsb
    setz al
    movzx eax, al
    CHK32 eax, 0, "repe cmpsb mismatch ZF"
    CHK64 rcx, 0x40-0x26, "repe cmpsb mismatch RCX"
    CHK64 rsi, BUF+0x100+0x26, "repe cmpsb mismatch RSI"
    CHK64 rdi, BUF+0x800+0x26, "repe cmpsb mismatch RDI"
    mov rsi, BUF+0x100
    mov rdi, BUF+0x800
    mov ecx, 0x25
    repe cmpsb
    setz al
    movzx eax, al
    CHK32 eax, 1, "repe cmpsb equal ZF"
    CHK64 rcx, 0, "repe cmpsb equal RCX"
    ; count 0 leaves flags alone
    xor ecx, ecx
    stc
    mov rsi, BUF
    mov rdi, BUF+1
    repe cmpsb
    setc al
    movzx eax, al
    CHK32 eax, 1, "repe cmpsb count 0 changed CF"
    CHK64 rsi, BUF, "repe cmpsb count 0 RSI"
    ; backward, dword
    std
    mov rsi, BUF+0x100+0x3C
    mov rdi, BUF+0x800+0x3C
    mov ecx, 0x10
    repe cmpsd
    cld
    CHK64 rcx, 9, "std repe cmpsd RCX"
    CHK64 rsi, BUF+0x100+0x20, "std repe cmpsd RSI"
    PRINT "repe cmpsb/cmpsd: mismatch, equal, count 0, backward ok", 10

    ; ---- repne scasb
    call fill
    mov byte [BUF+0x500+0x33], 0xFE
    mov byte [BUF+0x500+0x50], 0xFE
    mov rdi, BUF+0x500
    mov ecx, 0x100
    mov al, 0xFE
    ; make sure the pattern itself has no 0xFE before 0x33
    mov rdx, rdi
.clr: cmp byte [rdx], 0xFE
    jne .nc
    mov byte [rdx], 0
.nc: inc rdx
    cmp rdx, BUF+0x500+0x33
    jb .clr
    repne scasb
    setz dl
    movzx edx, dl
    CHK32 edx, 1, "repne scasb found ZF"
    CHK64 rcx, 0x100-0x34, "repne scasb found RCX"
    CHK64 rdi, BUF+0x500+0x34, "repne scasb found RDI"
    mov rdi, BUF+0x500
    mov ecx, 0x20
    repne scasb
    setz dl
    movzx edx, dl
    CHK32 edx, 0, "repne scasb not found ZF"
    CHK64 rcx, 0, "repne scasb not found RCX"
    CHK64 rdi, BUF+0x520, "repne scasb not found RDI"
    PRINT "repne scasb: found, not found ok", 10

    ; ---- lods
    mov rax, 0x8877665544332211
    mov [BUF], rax
    mov rax, 0x1122334455667788
    mov [BUF+8], rax
    mov rsi, BUF
    mov rax, -1
    lodsb
    CHK64 rax, 0xFFFFFFFFFFFFFF11, "lodsb"
    lodsw
    CHK64 rax, 0xFFFFFFFFFFFF3322, "lodsw"
    lodsd
    CHK64 rax, 0x0000000077665544, "lodsd (zero-extends)"
    CHK64 rsi, BUF+7, "lods RSI"
    mov rsi, BUF+8
    lodsq
    CHK64 rax, 0x1122334455667788, "lodsq"
    mov rsi, BUF
    mov ecx, 5
    rep lodsb
    CHK64 rax, 0x1122334455667755, "rep lodsb"
    std
    mov rsi, BUF+15
    lodsb
    cld
    CHK64 rsi, BUF+14, "std lodsb RSI"
    CHK64 rax, 0x1122334455667711, "std lodsb"
    PRINT "lodsb/w/d/q (forward, backward, rep) ok", 10

    ; ---- address-size and segment override in 64-bit mode
    call fill
    mov rsi, BUF+0x10
    mov rdi, BUF+0x800
    mov rcx, 0xFFFFFFFF00000010
    a32 rep movsb
    CHK32 ecx, 0, "a32 rep movsb ECX count"
    CHK32 edi, BUF+0x810, "a32 rep movsb EDI"
    mov rax, [BUF+0x10]
    CHK64 [BUF+0x800], rax, "a32 rep movsb data"
    mov ecx, 0xC0000100             ; FS.base
    mov eax, BUF
    xor edx, edx
    wrmsr
    mov rsi, 0x18
    mov rdi, BUF+0x900
    mov ecx, 8
    fs rep movsb
    mov rax, [BUF+0x18]
    CHK64 [BUF+0x900], rax, "fs: rep movsb (FS.base) data"
    CHK64 rsi, 0x20, "fs: rep movsb RSI"
    PRINT "64-bit: a32 ECX count, FS.base source override ok", 10
    PASS

; ------------------------------------------------------------ helpers
bits 64
fill:
    push rcx
    push rax
    xor ecx, ecx
.l: mov eax, ecx
    imul eax, eax, 13
    add eax, 7
    mov [BUF+rcx], al
    mov [REF+rcx], al
    inc ecx
    cmp ecx, BUFSZ
    jb .l
    pop rax
    pop rcx
    ret

; ref_movs: RSI/RDI (REF space), RCX count, EDX size, R8D dir (1=back)
ref_movs:
    test rcx, rcx
    jz .done
.l: cmp edx, 1
    jne .w
    mov al, [rsi]
    mov [rdi], al
    jmp .adv
.w: cmp edx, 2
    jne .d
    mov ax, [rsi]
    mov [rdi], ax
    jmp .adv
.d: cmp edx, 4
    jne .q
    mov eax, [rsi]
    mov [rdi], eax
    jmp .adv
.q: mov rax, [rsi]
    mov [rdi], rax
.adv:
    test r8d, r8d
    jnz .back
    add rsi, rdx
    add rdi, rdx
    jmp .n
.back:
    sub rsi, rdx
    sub rdi, rdx
.n: dec rcx
    jnz .l
.done:
    ret

; ref_stos: RDI (REF space), RCX count, EDX size, R8D dir, R9 value
ref_stos:
    test rcx, rcx
    jz .done
.l: cmp edx, 1
    jne .w
    mov [rdi], r9b
    jmp .adv
.w: cmp edx, 2
    jne .d
    mov [rdi], r9w
    jmp .adv
.d: cmp edx, 4
    jne .q
    mov [rdi], r9d
    jmp .adv
.q: mov [rdi], r9
.adv:
    test r8d, r8d
    jnz .back
    add rdi, rdx
    jmp .n
.back:
    sub rdi, rdx
.n: dec rcx
    jnz .l
.done:
    ret

; compare: BUF vs REF; returns ZF=1 if equal, else RCX = first bad offset
compare:
    xor ecx, ecx
.l: mov al, [BUF+rcx]
    cmp al, [REF+rcx]
    jne .bad
    inc ecx
    cmp ecx, BUFSZ
    jb .l
    xor eax, eax
    ret
.bad:
    or eax, 1
    ret

bits 16
