; pci_testdev: QEMU's PCI test device (-device pci-testdev, 1b36:0005) found
; by scanning bus 0, and PCI base address registers handled as firmware
; and OSes use them: sizing (all ones read back as ~(size-1) | type: BAR 0
; 4 KiB memory, BAR 1 256 I/O ports), programming an address, decoding
; only once the command register enables memory / I/O space, and moving
; (the old address no longer decodes).  Then the device's protocol: writing
; a test number to offset 0 selects a test whose header reads back byte by
; byte (name "mmio-no-eventfd" / "portio-wildcard-eventfd", the counted
; offset, the data byte 0xfa); in test 0 byte writes of 0xfa to that
; offset count and other values or offsets do not; the eventfd tests (1,
; 2) count nothing (QEMU's eventfds swallow their writes).
; guest: args=-device pci-testdev
%include "common.inc"

MEM_A   equ 0xe0000000          ; first memory BAR address
MEM_B   equ 0xe0100000          ; where it moves
IO_A    equ 0xc100

; PCI_RD reg -> EAX (dword config read of the found function, devfn in [VARS])
%macro PCI_RD 1
    mov eax, [VARS]
    or eax, %1
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
%endmacro
%macro PCI_WR 2
    mov eax, [VARS]
    or eax, %1
    mov dx, 0xCF8
    out dx, eax
    mov eax, %2
    mov dx, 0xCFC
    out dx, eax
%endmacro

BEGIN_REAL
    PRINT "pci_testdev", 10
    ENTER_PM32

    ; ---- find 1b36:0005 on bus 0
    mov ebx, 0x80000000
.scan:
    mov eax, ebx
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
    cmp eax, 0x00051b36
    je .found
    add ebx, 0x800                      ; next slot
    cmp ebx, 0x80010000
    jb .scan
    FAIL "pci-testdev not found on bus 0"
.found:
    mov [VARS], ebx
    PCI_RD 0x08
    CHK32 eax, 0x00ff0000, "class 00ff, revision 0"
    PCI_RD 0x2c
    CHK32 eax, 0x11001af4, "subsystem 1af4:1100"
    PCI_RD 0x3c
    and eax, 0xff00
    CHK32 eax, 0, "no interrupt pin"

    ; ---- sizing
    PCI_WR 0x04, 0                      ; decoding off while sizing
    PCI_WR 0x10, 0xffffffff
    PCI_RD 0x10
    CHK32 eax, 0xfffff000, "BAR 0 sizes as 4 KiB memory"
    PCI_WR 0x14, 0xffffffff
    PCI_RD 0x14
    CHK32 eax, 0xffffff01, "BAR 1 sizes as 256 I/O ports"
    PCI_RD 0x18
    CHK32 eax, 0, "BAR 2 unused"

    ; ---- program, still disabled: nothing decodes
    PCI_WR 0x10, MEM_A
    PCI_WR 0x14, IO_A
    PCI_RD 0x10
    CHK32 eax, MEM_A, "BAR 0 holds its address"
    PCI_RD 0x14
    CHK32 eax, IO_A | 1, "BAR 1 holds its address"
    mov dx, IO_A
    in al, dx
    movzx eax, al
    CHK32 eax, 0xff, "I/O BAR does not decode before enabling"

    ; ---- enable memory + I/O
    PCI_WR 0x04, 3
    ; memory test 0: "mmio-no-eventfd"
    mov byte [MEM_A], 0
    mov esi, MEM_A
    movzx eax, byte [esi + 0]
    CHK32 eax, 0, "mmio test 0: header test number"
    movzx eax, byte [esi + 1]
    CHK32 eax, 1, "mmio test 0: width 1"
    call hdr_offset
    CHK32 eax, 2048, "mmio test 0: counted offset 2048"
    movzx eax, byte [esi + 8]
    CHK32 eax, 0xfa, "mmio test 0: data byte 0xfa"
    call hdr_name4
    CHK32 eax, 'mmio', "mmio test 0: name starts mmio"
    movzx eax, byte [esi + 16 + 5]
    CHK32 eax, 'n', "mmio test 0: name mmio-no-..."
    mov byte [esi + 2048], 0xfa
    mov byte [esi + 2048], 0xfa
    mov byte [esi + 2048], 0x11         ; wrong data: not counted
    mov byte [esi + 2047], 0xfa         ; wrong offset: not counted
    call hdr_count
    CHK32 eax, 2, "mmio test 0 counts two matching writes"
    mov byte [MEM_A], 0                 ; restarting clears the count
    call hdr_count
    CHK32 eax, 0, "mmio test 0 count cleared on restart"

    ; ---- move BAR 0: old address stops decoding, new one works
    PCI_WR 0x10, MEM_B
    mov esi, MEM_B
    mov byte [esi], 1                   ; wildcard test
    call hdr_offset
    CHK32 eax, 2049, "moved BAR: mmio test 1 offset 2049"
    movzx eax, byte [esi + 8]
    CHK32 eax, 0xce, "mmio test 1: data byte 0xce"
    mov byte [esi + 2049], 0x33
    mov byte [esi + 2049], 0xce
    call hdr_count
    CHK32 eax, 0, "mmio wildcard-eventfd test counts nothing"
    mov byte [MEM_A], 0                 ; old address: must not select test 0
    movzx eax, byte [esi]
    CHK32 eax, 1, "old BAR address no longer decodes"

    ; ---- the I/O BAR: test 0 of the port kind (test index 3)
    mov dx, IO_A
    mov al, 0
    out dx, al
    mov dx, IO_A
    in al, dx
    movzx eax, al
    CHK32 eax, 3, "portio test 0 header: test number 3"
    mov dx, IO_A + 16
    in eax, dx                          ; a dword read: four byte reads
    CHK32 eax, 'port', "portio test name starts with port"
    mov dx, IO_A + 4
    in eax, dx
    CHK32 eax, 128 + 3, "portio test 0 counted offset 131"
    mov dx, IO_A + 131
    mov al, 0xfa
    out dx, al
    out dx, al
    out dx, al
    mov al, 0x99
    out dx, al
    mov dx, IO_A + 12
    in eax, dx
    CHK32 eax, 3, "portio test 0 counts three writes of 0xfa"

    ; ---- disabling memory decoding: a write to the BAR goes nowhere
    PCI_WR 0x04, 1
    mov byte [MEM_B], 2                 ; would select test 2
    PCI_WR 0x04, 3
    movzx eax, byte [MEM_B]
    CHK32 eax, 3, "memory BAR off while the enable bit is clear (test 3 stays)"
    PASS

; EAX = dword at [esi+4] (the counted offset), read byte by byte
hdr_offset:
    movzx eax, byte [esi + 7]
    shl eax, 8
    mov al, [esi + 6]
    shl eax, 8
    mov al, [esi + 5]
    shl eax, 8
    mov al, [esi + 4]
    ret
hdr_count:
    movzx eax, byte [esi + 15]
    shl eax, 8
    mov al, [esi + 14]
    shl eax, 8
    mov al, [esi + 13]
    shl eax, 8
    mov al, [esi + 12]
    ret
; EAX = first four name bytes
hdr_name4:
    mov eax, [esi + 16]
    ret
