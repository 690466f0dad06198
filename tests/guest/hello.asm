; hello: the emu86 demo guest.  Prints a banner and CPU information read
; with CPUID in real mode, then powers off: isa-debug-exit (port 0xf4,
; value 0 -> exit status 1) if present, else ACPI soft-off through the
; PIIX4 PM device (S5 via PM1a_CNT), else halts.
; Not part of the identical-output comparison (CPUID differs).
%include "common.inc"

; FEAT bit, " name": print name if EDX bit is set (preserves EDX)
%macro FEAT 2
    bt edx, %1
    jnc %%no
    PRINT %2
%%no:
%endmacro

BEGIN_REAL
    PRINT "emu86 demo guest", 10
    ; vendor
    xor eax, eax
    cpuid
    mov [VARS], ebx
    mov [VARS+4], edx
    mov [VARS+8], ecx
    mov byte [VARS+12], 0
    mov [VARS+16], eax
    PRINT "cpu vendor: "
    mov si, VARS
    call puts_ram
    PRINT 10, "max basic leaf: "
    PRINTHEX [VARS+16], 8
    PRINT 10
    ; family / model / stepping
    mov eax, 1
    cpuid
    mov [VARS+20], eax
    mov [VARS+24], edx
    mov [VARS+28], ecx
    mov ebx, eax
    shr ebx, 8
    and ebx, 0xF                    ; family
    mov ecx, eax
    shr ecx, 4
    and ecx, 0xF                    ; model
    cmp ebx, 0xF
    jne .nf
    mov edx, eax
    shr edx, 20
    and edx, 0xFF
    add ebx, edx
.nf:
    cmp ebx, 6
    jb .nm
    mov edx, eax
    shr edx, 16
    and edx, 0xF
    shl edx, 4
    or ecx, edx
.nm:
    PRINT "family "
    PRINTHEX ebx, 2
    PRINT " model "
    PRINTHEX ecx, 2
    PRINT " stepping "
    and eax, 0xF
    PRINTHEX eax, 1
    PRINT 10
    ; features
    PRINT "features:"
    mov edx, [VARS+24]
    FEAT 0, " fpu"
    FEAT 4, " tsc"
    FEAT 5, " msr"
    FEAT 6, " pae"
    FEAT 8, " cx8"
    FEAT 9, " apic"
    FEAT 15, " cmov"
    FEAT 23, " mmx"
    FEAT 25, " sse"
    FEAT 26, " sse2"
    mov edx, [VARS+28]
    FEAT 0, " sse3"
    FEAT 31, " hypervisor"
    mov eax, 0x80000000
    cpuid
    mov [VARS+32], eax
    cmp eax, 0x80000001
    jb .noext
    mov eax, 0x80000001
    cpuid
    FEAT 11, " syscall"
    FEAT 20, " nx"
    FEAT 29, " lm"
.noext:
    PRINT 10
    ; brand string
    cmp dword [VARS+32], 0x80000004
    jb .nobrand
    mov di, VARS+0x40
    mov esi, 0x80000002
.br: mov eax, esi
    cpuid
    mov [di], eax
    mov [di+4], ebx
    mov [di+8], ecx
    mov [di+12], edx
    add di, 16
    inc esi
    cmp esi, 0x80000005
    jb .br
    mov byte [di], 0
    mov si, VARS+0x40
.sk: cmp byte [si], ' '
    jne .pb
    inc si
    jmp .sk
.pb: PRINT "brand: "
    call puts_ram
    PRINT 10
.nobrand:
    PRINT "powering off", 10
.drain:
    mov dx, COM1+5
    in al, dx
    test al, 0x40
    jz .drain
    ; 1) isa-debug-exit
    mov dx, DEBUG_EXIT
    xor al, al
    out dx, al
    ; 2) ACPI S5 via PIIX4 PM (bus 0, device 1, function 3)
    mov dx, 0xCF8
    mov eax, 0x80000B40             ; PMBA
    out dx, eax
    mov dx, 0xCFC
    mov eax, 0x601
    out dx, eax
    mov dx, 0xCF8
    mov eax, 0x80000B80             ; PMREGMISC
    out dx, eax
    mov dx, 0xCFC
    mov al, 1                       ; PMIOSE
    out dx, al
    mov dx, 0x604                   ; PM1a_CNT
    mov ax, 0x2000                  ; SLP_EN, SLP_TYP=0
    out dx, ax
    ; 3) give up
.h: cli
    hlt
    jmp .h

; puts_ram: print NUL-terminated string at DS:SI (RAM)
puts_ram:
    push si
    push ax
.l: mov al, [si]
    test al, al
    jz .d
    call putc16
    inc si
    jmp .l
.d: pop ax
    pop si
    ret
