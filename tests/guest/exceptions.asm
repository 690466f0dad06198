; exceptions: exception delivery in 32-bit protected mode and 64-bit long
; mode: vector, error code and saved CS:EIP/RIP (fault: the faulting
; instruction; trap: the next instruction), incl. ring 3 -> ring 0.
%include "common.inc"
%include "idt.inc"

; SET_RESUME_R3 label: resume at label in ring 0 with the current RSP
%macro SET_RESUME_R3 1
    SET_RESUME %1
    mov [exc_resume_sp], rsp
%endmacro

BEGIN_REAL
    PRINT "exceptions", 10
    ENTER_PM32
    IDT32_SETUP

    ; ---- #DE: divide by zero
    SET_RESUME .r1
    xor ecx, ecx
    mov eax, 1
    xor edx, edx
.f1: div ecx
    FAIL "#DE not raised (div by 0)"
.r1:
    CHKEXC 0, 0, .f1, "#DE div by zero"
    CHK32 [exc_cs], SEL_CODE32, "#DE saved CS"
    ; ---- #DE: quotient overflow
    SET_RESUME .r2
    mov edx, 1
    xor eax, eax
    mov ecx, 1
.f2: div ecx
    FAIL "#DE not raised (div overflow)"
.r2:
    CHKEXC 0, 0, .f2, "#DE div overflow"
    SET_RESUME .r2b
    mov ax, 0x8000
    mov bl, 0xFF
.f2b: idiv bl
    FAIL "#DE not raised (idiv8 overflow)"
.r2b:
    CHKEXC 0, 0, .f2b, "#DE idiv8 overflow"
    PRINT "pm32 #DE (div 0, div overflow, idiv overflow) ok", 10

    ; ---- #UD
    SET_RESUME .r3
.f3: ud2
    FAIL "#UD not raised (ud2)"
.r3:
    CHKEXC 6, 0, .f3, "#UD ud2"
    SET_RESUME .r4
.f4: db 0xFF, 0xFF                  ; FF /7: invalid
    FAIL "#UD not raised (FF /7)"
.r4:
    CHKEXC 6, 0, .f4, "#UD FF /7"
    SET_RESUME .r5
.f5: db 0xF0, 0x90                  ; lock nop
    FAIL "#UD not raised (lock nop)"
.r5:
    CHKEXC 6, 0, .f5, "#UD lock nop"
    PRINT "pm32 #UD (ud2, FF /7, lock prefix) ok", 10

    ; ---- #GP / #NP / #SS on segment loads and limits
    SET_RESUME .r6
    mov ax, 0x0200                  ; beyond GDT limit
.f6: mov ds, ax
    FAIL "#GP not raised (bad selector)"
.r6:
    CHKEXC 13, 0x0200, .f6, "#GP bad selector"
    SET_RESUME .r7
    mov ax, SEL_CODE64
.f7: mov ss, ax
    FAIL "#GP not raised (code selector in SS)"
.r7:
    CHKEXC 13, SEL_CODE64, .f7, "#GP code selector in SS"
    SET_RESUME .r8
    mov ax, SEL_NP
.f8: mov es, ax
    FAIL "#NP not raised"
.r8:
    CHKEXC 11, SEL_NP, .f8, "#NP not-present segment"
    mov ax, SEL_SMALL
    mov es, ax
    mov dword [0x20FFC], 0x600DF00D
    CHK32 [es:0xFFC], 0x600DF00D, "small segment base"
    mov ax, SEL_DATA
    mov es, ax
    ; (segment limit checks are not enforced by the QEMU TCG reference)
    SET_RESUME .r10
    mov ax, SEL_NP
.f10: mov ss, ax
    FAIL "#SS not raised"
.r10:
    CHKEXC 12, SEL_NP, .f10, "#SS not-present SS"
    PRINT "pm32 #GP/#NP/#SS (segment loads) ok", 10

    ; ---- traps: int3, into, int n; fault: bound
    SET_RESUME .r11
    int3
.a11:
    FAIL "#BP did not resume"
.r11:
    CHKEXC 3, 0, .a11, "#BP int3"
    mov al, 0x7F
    add al, 1                       ; OF=1
    SET_RESUME .r12
    into
.a12:
    FAIL "#OF did not resume"
.r12:
    CHKEXC 4, 0, .a12, "#OF into"
    mov dword [exc_count], 0
    xor al, al                      ; OF=0
    into
    CHK32 [exc_count], 0, "into with OF=0 raised an exception"
    mov dword [VARS], 10
    mov dword [VARS+4], 20
    mov eax, 15
    bound eax, [VARS]
    CHK32 [exc_count], 0, "bound in range raised an exception"
    SET_RESUME .r13
    mov eax, 30
.f13: bound eax, [VARS]
    FAIL "#BR not raised"
.r13:
    CHKEXC 5, 0, .f13, "#BR bound"
    SET_RESUME .r14
    int 0x21
.a14:
    FAIL "int 0x21 did not resume"
.r14:
    CHKEXC 0x21, 0, .a14, "int 0x21"
    PRINT "pm32 #BP/#OF/#BR/int n ok", 10

    ; ================================================= long mode
    ENTER_LONG
    IDT64_SETUP
    SET_RESUME .l1
    mov rax, 0x8000000000000000
.g1: mov rbx, [rax]
    FAIL "#GP not raised (non-canonical)"
.l1:
    CHKEXC 13, 0, .g1, "#GP non-canonical"
    CHK32 [exc_cs], SEL_CODE64, "#GP saved CS"
    SET_RESUME .l2
.g2: db 0x06                        ; push es: invalid in 64-bit mode
    FAIL "#UD not raised (06 in 64-bit)"
.l2:
    CHKEXC 6, 0, .g2, "#UD opcode 06 in 64-bit mode"
    SET_RESUME .l3
    xor ecx, ecx
.g3: div rcx
    FAIL "#DE not raised (64-bit)"
.l3:
    CHKEXC 0, 0, .g3, "#DE 64-bit"
    SET_RESUME .l4
    int3
.b4:
    FAIL "#BP did not resume (64-bit)"
.l4:
    CHKEXC 3, 0, .b4, "#BP 64-bit"
    PRINT "long mode #GP/#UD/#DE/#BP ok", 10

    ; ---- ring 3: TSS with RSP0, iretq to ring 3, faults come back
    mov rdi, TSS_ADDR
    xor eax, eax
    mov ecx, 104/4
    rep stosd
    mov qword [TSS_ADDR+4], 0x4800  ; RSP0
    mov word [TSS_ADDR+102], 104    ; no I/O bitmap
    mov rax, 0x0000890030000067
    mov [GDT_ADDR+SEL_TSS], rax
    mov qword [GDT_ADDR+SEL_TSS+8], 0
    mov ax, SEL_TSS
    ltr ax

    mov dword [VARS+0x10], 0
    SET_RESUME_R3 .l5
    lea rdi, [rel r3_hlt]
    jmp to_ring3
.l5:
    CHKEXC 13, 0, r3_hlt.f, "#GP hlt in ring 3"
    CHK32 [exc_cs], SEL_CODE64_R3 | 3, "ring 3 saved CS"
    CHK32 [VARS+0x10], SEL_CODE64_R3 | 3, "CS in ring 3"
    mov rax, rsp
    CHK64 rax, STACK_TOP, "RSP after return to ring 0"
    SET_RESUME_R3 .l6
    lea rdi, [rel r3_io]
    jmp to_ring3
.l6:
    CHKEXC 13, 0, r3_io.f, "#GP in from ring 3 with IOPL 0"
    SET_RESUME_R3 .l7
    lea rdi, [rel r3_cr]
    jmp to_ring3
.l7:
    CHKEXC 13, 0, r3_cr.f, "#GP mov cr3 in ring 3"
    SET_RESUME_R3 .l8
    lea rdi, [rel r3_int]
    jmp to_ring3
.l8:
    ; error code must be an IDT reference (bit 1 set).  The index field is
    ; not compared: QEMU TCG reports vector*16+2 in long mode where the SDM
    ; says vector*8+2.
    CHK32 [exc_vec], 13, "#GP int 0x21 (DPL0 gate) from ring 3 vector"
    CHK32 [exc_rip], r3_int.f, "#GP int 0x21 (DPL0 gate) from ring 3 saved IP"
    mov eax, [exc_err]
    and eax, 3
    CHK32 eax, 2, "#GP int 0x21 (DPL0 gate) from ring 3 error code IDT bit"
    SET_RESUME_R3 .l9
    lea rdi, [rel r3_int3]
    jmp to_ring3
.l9:
    CHKEXC 3, 0, r3_int3.a, "#BP int3 (DPL3 gate) from ring 3"
    CHK32 [exc_cs], SEL_CODE64_R3 | 3, "int3 ring 3 saved CS"
    PRINT "ring 3: #GP (hlt, in, mov cr3, int 0x21), #BP via DPL3 gate ok", 10
    PASS

; to_ring3: enter ring 3 at RDI with RSP=STACK3_TOP, IF=0
to_ring3:
    push qword SEL_DATA_R3 | 3
    push qword STACK3_TOP
    push qword 0x2
    push qword SEL_CODE64_R3 | 3
    push rdi
    iretq

r3_hlt:
    mov ax, cs
    mov [VARS+0x10], ax
.f: hlt
    ud2
r3_io:
    mov dx, 0x80
.f: in al, dx
    ud2
r3_cr:
    xor eax, eax
.f: mov cr3, rax
    ud2
r3_int:
.f: int 0x21
    ud2
r3_int3:
    int3
.a: ud2
