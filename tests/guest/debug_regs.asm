; debug_regs: the debug registers in 64-bit mode (SDM Vol.3 17.2-17.3):
; an instruction breakpoint (a fault, RF lets the handler go on), write
; and read/write data breakpoints (traps after the access, by length and
; overlap), DR6 bits 0-3 replaced on each #DB and the others kept, the
; single-step trap held back by a MOV SS shadow.  (General detect, which
; QEMU 7.2's TCG lacks, is in tests/unit/test-system-ext.c.)
%include "common.inc"
%include "idt.inc"

db_count equ VARS+0x00
db_rip   equ VARS+0x08
db_dr6   equ VARS+0x10
watched  equ VARS+0x40                  ; 8-byte aligned data

BEGIN_REAL
    PRINT "debug_regs", 10
    ENTER_PM32
    ENTER_LONG
    IDT64_SETUP
    HOOK 1, db_handler
    mov qword [db_count], 0

    ; ---- instruction breakpoint on DR0 (global enable, R/W 00, LEN 00)
    mov rax, .bp1
    mov dr0, rax
    xor eax, eax
    mov dr6, rax
    mov eax, 0x402
    mov dr7, rax
.bp1: nop
    CHK32 [db_count], 1, "instruction breakpoint: #DB count"
    CHK32 [db_rip], .bp1, "instruction breakpoint: saved RIP (a fault)"
    CHK32 [db_dr6], 0xffff0ff1, "instruction breakpoint: DR6"
    ; DR6.BS set by software stays; B1 set by software is replaced
    mov eax, 0x4002
    mov dr6, rax
    mov rax, .bp2
    mov dr0, rax
.bp2: nop
    CHK32 [db_count], 2, "second breakpoint: #DB count"
    CHK32 [db_dr6], 0xffff4ff1, "second breakpoint: DR6 (BS kept, B1 cleared)"
    mov eax, 0x400
    mov dr7, rax
    PRINT "instruction breakpoint, RF and DR6 ok", 10

    ; ---- write watchpoint on DR1, 4 bytes (R/W 01, LEN 11)
    mov qword [db_count], 0
    mov rax, watched
    mov dr1, rax
    xor eax, eax
    mov dr6, rax
    mov eax, 0x00d00408
    mov dr7, rax
    mov eax, [watched]                  ; a read: no #DB
    mov [watched + 4], eax              ; next to it: no #DB
    CHK32 [db_count], 0, "write watchpoint: reads and other bytes"
    mov [watched + 2], ax               ; overlaps bytes 2-3
.w1:
    CHK32 [db_count], 1, "write watchpoint: #DB count"
    CHK32 [db_rip], .w1, "write watchpoint: saved RIP (a trap)"
    CHK32 [db_dr6], 0xffff0ff2, "write watchpoint: DR6"
    ; read/write (R/W 11), 8 bytes (LEN 10)
    mov eax, 0x00b00408
    mov dr7, rax
    mov eax, [watched + 4]
.w2:
    CHK32 [db_count], 2, "read/write watchpoint: #DB count"
    CHK32 [db_rip], .w2, "read/write watchpoint: saved RIP"
    mov eax, 0x400
    mov dr7, rax
    mov eax, [watched]                  ; disabled again
    CHK32 [db_count], 2, "disabled watchpoint"
    PRINT "data breakpoints (write, read/write, lengths) ok", 10

    ; ---- single step: a MOV SS shadow holds the trap back one instruction
    mov qword [db_count], 0
    xor eax, eax
    mov dr6, rax
    mov dx, ss
    pushfq
    or qword [rsp], 0x100
    popfq                               ; TF: the trap comes after the next
    mov ss, dx                          ; held back by the shadow...
    nop                                 ; ... to after this one
.s1: pushfq
.s2: and qword [rsp], ~0x100
.s3: popfq
.s4:
    CHK32 [db_count], 4, "single step: #DB count"
    CHK32 [db_rip], .s4, "single step: last saved RIP"
    CHK32 [db_dr6], 0xffff4ff0, "single step: DR6"
    CHK32 [first_step], .s1, "single step over MOV SS: first trap after the next instruction"
    PRINT "single step over MOV SS ok", 10

    PASS

; #DB: record RIP and DR6; set RF for an instruction breakpoint so that
; it runs on return; remember the first RIP of a single-step run
db_handler:
    inc qword [db_count]
    mov rax, [rbp + F64_RIP]
    mov [db_rip], rax
    cmp qword [db_count], 1
    jne .not_first
    mov [first_step], rax
.not_first:
    mov rax, dr6
    mov [db_dr6], rax
    test eax, 1
    jz .out
    or qword [rbp + F64_RFL], 0x10000
.out:
    ret

first_step equ VARS+0x18
