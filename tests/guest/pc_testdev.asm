; pc_testdev: QEMU's x86 test device (-device pc-testdev), which
; kvm-unit-tests uses.  Ports 0xe0-0xe3 are one 32-bit scratch register
; reached at any width and offset; ports 0xe8-0xeb reach it byte by byte
; (a 32-bit OUT is split into bytes); string I/O (REP OUTSB/INSB) goes
; through it; 0x2000+n drives ISA interrupt line n (seen here as the
; slave PIC's IRR bit for IRQ 14, with every line masked); and 64 KiB at
; 0xff000000 is device memory that instructions use as operands (MOV,
; read-modify-write ADD, XCHG, CMPXCHG, REP MOVSD, and 64-bit MOV in long
; mode).
; guest: args=-device pc-testdev
%include "common.inc"

IOMEM equ 0xff000000

BEGIN_REAL
    PRINT "pc_testdev", 10
    ENTER_PM32

    ; ---- the scratch register at 0xe0
    mov eax, 0x12345678
    out 0xe0, eax
    in eax, 0xe0
    CHK32 eax, 0x12345678, "32-bit write/read at 0xe0"
    xor eax, eax
    in al, 0xe1
    CHK32 eax, 0x56, "byte read at 0xe1"
    mov ax, 0xabcd
    out 0xe2, ax
    in eax, 0xe0
    CHK32 eax, 0xabcd5678, "16-bit write at 0xe2 merges"
    mov al, 0x11
    out 0xe3, al
    xor eax, eax
    in ax, 0xe2
    CHK32 eax, 0x11cd, "16-bit read at 0xe2"

    ; ---- byte-wise view at 0xe8
    mov eax, 0xdeadbeef
    out 0xe8, eax
    in eax, 0xe0
    CHK32 eax, 0xdeadbeef, "32-bit write at 0xe8 reaches the register"
    mov eax, 0x01020304
    out 0xe0, eax
    in eax, 0xe8
    CHK32 eax, 0x01020304, "32-bit read at 0xe8"

    ; ---- string I/O: four bytes out through 0xe8.. one at a time
    mov dword [0x20000], 0x44332211
    mov esi, 0x20000
    mov dx, 0xe0
    mov ecx, 4
    cld
    rep outsb                           ; every byte lands at offset 0
    in eax, 0xe0
    CHK32 eax, 0x01020344, "REP OUTSB to 0xe0 leaves the last byte"
    mov edi, 0x20010
    mov ecx, 2
    mov dx, 0xe0
    rep insw
    CHK32 [0x20010], 0x03440344, "REP INSW from 0xe0"

    ; ---- interrupt line 14 -> slave PIC IRR bit 6 (all lines masked)
    cli
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    mov al, 0x0a                        ; OCW3: read IRR
    out 0xa0, al
    xor eax, eax
    in al, 0xa0
    and al, 0x40
    CHK32 eax, 0, "IRQ 14 not requested before the write"
    mov al, 1
    mov dx, 0x2000 + 14
    out dx, al
    mov al, 0x0a
    out 0xa0, al
    xor eax, eax
    in al, 0xa0
    and al, 0x40
    CHK32 eax, 0x40, "0x200e = 1 raises IRQ 14 (slave IRR bit 6)"
    mov al, 0
    out dx, al

    ; ---- device memory at 0xff000000
    mov dword [IOMEM], 0x11111111
    mov dword [IOMEM + 4], 0x22222222
    CHK32 [IOMEM], 0x11111111, "MOV to/from device memory"
    mov eax, 0x01000001
    add [IOMEM], eax
    CHK32 [IOMEM], 0x12111112, "ADD to device memory (read-modify-write)"
    mov eax, 0xcafe
    xchg [IOMEM + 4], eax
    CHK32 eax, 0x22222222, "XCHG returns the old device value"
    CHK32 [IOMEM + 4], 0xcafe, "XCHG stores into device memory"
    mov eax, 0xcafe
    mov ebx, 0xf00d
    lock cmpxchg [IOMEM + 4], ebx
    CHK32 [IOMEM + 4], 0xf00d, "LOCK CMPXCHG on device memory"
    mov word [IOMEM + 0xfffe], 0x7777
    mov esi, IOMEM
    mov edi, 0x20100
    mov ecx, 2
    rep movsd
    CHK32 [0x20100], 0x12111112, "REP MOVSD from device memory (1)"
    CHK32 [0x20104], 0xf00d, "REP MOVSD from device memory (2)"
    xor eax, eax
    mov ax, [IOMEM + 0xfffe]
    CHK32 eax, 0x7777, "last word of device memory"

    ENTER_LONG
    mov rdi, IOMEM                      ; (a disp32 would sign-extend)
    mov rax, 0x0123456789abcdef
    mov [rdi + 8], rax
    mov rbx, [rdi + 8]
    CHK64 rbx, rax, "64-bit MOV through device memory"
    PASS
