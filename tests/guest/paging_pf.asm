; paging_pf: 4-level paging with a #PF handler: not-present faults (read and
; write) fixed up by the handler and retried, CR2 and error codes,
; Accessed/Dirty bits, write to a read-only page with CR0.WP=1 (and the
; write succeeding with WP=0), INVLPG and CR3 reload after PTE changes, NX.
%include "common.inc"
%include "idt.inc"

pf_cr2      equ VARS+0x00
pf_err      equ VARS+0x08
pf_rip      equ VARS+0x10
pf_count    equ VARS+0x18
pf_fix_addr equ VARS+0x20
pf_fix_val  equ VARS+0x28

PD2     equ 0x14000
PT2     equ 0x15000
VBASE   equ 0x40000000              ; PDPT[1] -> PD2[0] -> PT2
PG_A    equ 0x200000                ; physical test pages
PG_B    equ 0x201000
PG_C    equ 0x202000
PG_D    equ 0x203000
PG_E    equ 0x204000

; EXPECT_PF cr2, err, rip_label, count, "what"
%macro EXPECT_PF 5
    CHK64 [pf_cr2], %1, %5, " CR2"
    CHK32 [pf_err], %2, %5, " error code"
    CHK32 [pf_rip], %3, %5, " saved RIP"
    CHK32 [pf_count], %4, %5, " #PF count"
%endmacro

BEGIN_REAL
    PRINT "paging_pf", 10
    ENTER_PM32
    ENTER_LONG
    IDT64_SETUP
    HOOK 14, pf_handler

    mov qword [PDPT + 8], PD2 | 3
    mov qword [PD2], PT2 | 3
    mov rax, 0x1111111111111111
    mov [PG_A], rax
    mov rax, 0x2222222222222222
    mov [PG_B], rax
    mov rax, 0x3333333333333333
    mov [PG_C], rax
    mov [PG_C+8], rax
    mov rax, 0x4444444444444444
    mov [PG_D], rax
    mov byte [PG_E], 0xC3           ; ret
    mov rax, cr0
    bts rax, 16                     ; WP
    mov cr0, rax
    mov rax, cr3
    mov cr3, rax
    PRINT "paging: 4-level tables, CR0.WP=1", 10

    ; ---- read of a not-present page, fixed by the handler, retried
    mov qword [pf_fix_addr], PT2 + 0*8
    mov qword [pf_fix_val], PG_A | 3
.f1: mov rax, [VBASE]
    CHK64 rax, 0x1111111111111111, "value read after #PF fix-up"
    EXPECT_PF VBASE, 0, .f1, 1, "read #PF"
    PRINT "#PF on read of not-present page: CR2, error 0, retry ok", 10

    ; ---- write to a not-present page
    mov qword [pf_fix_addr], PT2 + 1*8
    mov qword [pf_fix_val], PG_B | 3
    mov rbx, 0x5A5A5A5A5A5A5A5A
.f2: mov [VBASE + 0x1010], rbx
    CHK64 [PG_B + 0x10], rbx, "value written after #PF fix-up"
    EXPECT_PF VBASE + 0x1010, 2, .f2, 2, "write #PF"
    PRINT "#PF on write to not-present page: CR2, error 2, retry ok", 10

    ; ---- accessed / dirty bits
    mov rax, [PT2 + 0*8]
    and eax, 0x60
    CHK32 eax, 0x20, "PTE A/D after read"
    mov rax, [PT2 + 1*8]
    and eax, 0x60
    CHK32 eax, 0x60, "PTE A/D after write"
    mov rax, [PD2]
    and eax, 0x20
    CHK32 eax, 0x20, "PDE accessed bit"
    mov rax, [PDPT + 8]
    and eax, 0x20
    CHK32 eax, 0x20, "PDPTE accessed bit"
    mov qword [PT2 + 0*8], PG_A | 3
    invlpg [VBASE]
    mov rax, [VBASE]
    mov rax, [PT2 + 0*8]
    and eax, 0x60
    CHK32 eax, 0x20, "PTE A/D after clear + read"
    mov byte [VBASE + 0x80], 1
    mov rax, [PT2 + 0*8]
    and eax, 0x60
    CHK32 eax, 0x60, "PTE A/D after write"
    PRINT "accessed/dirty bits set by the CPU ok", 10

    ; ---- read-only page with CR0.WP=1
    mov qword [PT2 + 2*8], PG_C | 1
    mov rax, [VBASE + 0x2000]
    CHK64 rax, 0x3333333333333333, "read of read-only page"
    mov qword [pf_count], 0
    SET_RESUME .r3
.f3: mov qword [VBASE + 0x2008], 0x77
    FAIL "no #PF on write to read-only page with WP=1"
.r3:
    EXPECT_PF VBASE + 0x2008, 3, .f3, 1, "write to read-only page"
    CHK64 [PG_C + 8], 0x3333333333333333, "read-only page modified"
    mov rax, [PT2 + 2*8]
    and eax, 0x60
    CHK32 eax, 0x20, "read-only PTE A/D"
    mov rax, cr0
    btr rax, 16
    mov cr0, rax
    mov qword [VBASE + 0x2008], 0x77
    CHK64 [PG_C + 8], 0x77, "supervisor write to read-only page with WP=0"
    CHK32 [pf_count], 1, "#PF with WP=0"
    mov rax, cr0
    bts rax, 16
    mov cr0, rax
    PRINT "write to read-only page: #PF error 3 with WP=1, allowed with WP=0 ok", 10

    ; ---- INVLPG / CR3 reload after changing a PTE
    mov rax, [VBASE]
    CHK64 rax, 0x1111111111111111, "read before remap"
    mov qword [PT2 + 0*8], PG_D | 3
    invlpg [VBASE]
    mov rax, [VBASE]
    CHK64 rax, 0x4444444444444444, "read after PTE change + invlpg"
    mov rax, [VBASE + 0x1000]
    mov qword [PT2 + 1*8], PG_A | 3
    mov rax, cr3
    mov cr3, rax
    mov rax, [VBASE + 0x1000]
    CHK64 rax, 0x1111111111111111, "read after PTE change + CR3 reload"
    mov qword [PT2 + 1*8], 0
    invlpg [VBASE + 0x1000]
    mov qword [pf_count], 0
    SET_RESUME .r4
.f4: mov rax, [VBASE + 0x1000]
    FAIL "no #PF after clearing PTE + invlpg"
.r4:
    EXPECT_PF VBASE + 0x1000, 0, .f4, 1, "#PF after unmap"
    PRINT "INVLPG and CR3 reload after PTE changes ok", 10

    ; ---- NX
    mov eax, 0x80000001
    cpuid
    bt edx, 20
    jc .nx
    FAIL "CPUID: NX not supported"
.nx:
    mov ecx, 0xC0000080
    rdmsr
    bts eax, 11                     ; NXE
    wrmsr
    mov rax, 0x8000000000000000 | PG_E | 3
    mov [PT2 + 3*8], rax
    mov rax, VBASE + 0x3000
    mov qword [pf_count], 0
    SET_RESUME .r5
    jmp rax
.r5:
    EXPECT_PF VBASE + 0x3000, 0x11, VBASE + 0x3000, 1, "execute NX page"
    mov qword [PT2 + 3*8], PG_E | 3
    invlpg [VBASE + 0x3000]
    mov rax, VBASE + 0x3000
    call rax
    CHK32 [pf_count], 1, "execute after clearing NX"
    PRINT "NX: #PF error 0x11 on fetch, executes after clearing NX ok", 10
    PASS

pf_handler:
    mov rax, cr2
    mov [pf_cr2], rax
    mov rax, [rbp + F64_ERR]
    mov [pf_err], rax
    mov rax, [rbp + F64_RIP]
    mov [pf_rip], rax
    inc qword [pf_count]
    mov rax, [pf_fix_addr]
    test rax, rax
    jz .resume
    mov rbx, [pf_fix_val]
    mov [rax], rbx
    mov qword [pf_fix_addr], 0
    mov rax, cr2
    invlpg [rax]
    ret
.resume:
    mov rax, [exc_resume]
    test rax, rax
    jz .fail
    mov [rbp + F64_RIP], rax
    mov qword [exc_resume], 0
    ret
.fail:
    FAIL_PREP
    PRINT "FAIL: unexpected #PF CR2="
    PRINTHEX [pf_cr2], 16
    PRINT " error="
    PRINTHEX [pf_err], 4
    PRINT " RIP="
    PRINTHEX [pf_rip], 16
    PRINT 10
    jmp fail_exit64
