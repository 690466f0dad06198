; fw_cfg: QEMU's firmware configuration interface at ports 0x510-0x51b, as
; kvm-unit-tests, SeaBIOS and Linux read it.  Traditional interface: the
; signature "QEMU" (key 0), the interface ID (key 1: traditional + DMA),
; the RAM size (key 3, 64 MiB here), the CPU count and maximum (keys 5 and
; 0x0f: 2 with -smp 2), reads past an item's end giving 0, an unknown key
; reading 0, and the file directory (key 0x19: big-endian count and
; 64-byte entries) holding "etc/e820", whose first entry is the RAM from 0
; to 64 MiB (QEMU may list reserved ranges before it).  DMA interface: 0x514 reads the signature "QEMU CFG"; a DMA
; read of key 5 (select + read) fills memory and clears the control word;
; a DMA read of more bytes than the item has pads with zeros; a DMA write
; (no item is writable) sets the error bit.
; guest: smp=2
%include "common.inc"

FWCFG_SEL  equ 0x510
FWCFG_DATA equ 0x511
FWCFG_DMA  equ 0x514
DESC       equ 0x20000          ; DMA descriptor (16 bytes)
BUF        equ 0x20100          ; DMA target
DIRBUF     equ 0x21000          ; copy of the file directory

; SELECT key: write the selector (16-bit)
%macro SELECT 1
    mov ax, %1
    mov dx, FWCFG_SEL
    out dx, ax
%endmacro

BEGIN_REAL
    PRINT "fw_cfg", 10
    ENTER_PM32

    ; ---- signature: "QEMU" byte by byte, then zeros past the end
    SELECT 0
    call read_u32
    CHK32 eax, 0x554d4551, "signature (key 0) reads QEMU"
    call read_u32
    CHK32 eax, 0, "bytes past the signature read 0"

    SELECT 1
    call read_u32
    CHK32 eax, 3, "interface ID (key 1): traditional + DMA"

    SELECT 3
    call read_u32
    CHK32 eax, 0x04000000, "RAM size (key 3) low half = 64 MiB"
    call read_u32
    CHK32 eax, 0, "RAM size (key 3) high half"

    SELECT 5
    call read_u16
    CHK32 eax, 2, "CPU count (key 5) with -smp 2"
    SELECT 0x0f
    call read_u16
    CHK32 eax, 2, "max CPUs (key 0x0f)"

    SELECT 0x3fff
    call read_u32
    CHK32 eax, 0, "an unused key reads 0"

    ; ---- file directory: copy 4 + 64*count bytes, find etc/e820
    SELECT 0x19
    mov edi, DIRBUF
    mov ecx, 4 + 64 * 32
    mov dx, FWCFG_DATA
    cld
    rep insb
    mov eax, [DIRBUF]
    bswap eax
    cmp eax, 0
    jne .have_files
    FAIL "file directory is empty"
.have_files:
    cmp eax, 32
    jbe .count_ok
    FAIL "file directory count above 32"
.count_ok:
    mov ecx, eax
    mov esi, DIRBUF + 4
.find:
    cmp dword [esi + 8], 'etc/'
    jne .next
    cmp dword [esi + 12], 'e820'
    jne .next
    cmp byte [esi + 16], 0
    je .found
.next:
    add esi, 64
    loop .find
    FAIL "etc/e820 not in the file directory"
.found:
    mov eax, [esi]
    bswap eax
    mov [VARS], eax                     ; file size
    test eax, eax
    jz .bad_size
    xor edx, edx
    mov ebx, 20
    div ebx
    test edx, edx
    jz .size_ok
.bad_size:
    FAIL "etc/e820 size is not a multiple of 20"
.size_ok:
    movzx eax, word [esi + 4]
    xchg al, ah
    mov dx, FWCFG_SEL
    out dx, ax
    ; the entry for the RAM at 0 (QEMU may list reserved ranges first)
    mov ecx, [VARS]
.entry:
    call read_u32
    mov ebx, eax                        ; address low
    call read_u32
    or ebx, eax                         ; | address high
    call read_u32
    mov esi, eax                        ; length low
    call read_u32
    mov edi, eax                        ; length high
    call read_u32                       ; type
    test ebx, ebx
    jnz .other
    CHK32 esi, 0x04000000, "etc/e820 RAM at 0: length low (64 MiB)"
    CHK32 edi, 0, "etc/e820 RAM at 0: length high"
    CHK32 eax, 1, "etc/e820 entry at 0: type RAM"
    jmp .e820_ok
.other:
    sub ecx, 20
    jnz .entry
    FAIL "etc/e820 has no entry at address 0"
.e820_ok:
    PRINT "traditional interface ok", 10

    ; ---- DMA: the signature register
    mov dx, FWCFG_DMA
    in eax, dx
    CHK32 eax, 0x554d4551, "DMA register 0x514 reads QEMU"
    mov dx, FWCFG_DMA + 4
    in eax, dx
    CHK32 eax, 0x47464320, "DMA register 0x518 reads ' CFG'"

    ; ---- DMA select key 5 + read 4 bytes (2 of them past the item)
    mov dword [BUF], 0xffffffff
    mov eax, (5 << 16) | 0x08 | 0x02
    call dma_desc
    mov dword [DESC + 4], 0x04000000    ; length 4, big-endian
    call dma_go
    CHK32 [DESC], 0, "DMA read: control word cleared"
    CHK32 [BUF], 2, "DMA read of key 5: 2 CPUs, zero padding"

    ; ---- DMA select key 0 + skip 2 + read 2: "MU"
    mov eax, (0 << 16) | 0x08 | 0x04
    call dma_desc
    mov dword [DESC + 4], 0x02000000    ; skip 2
    call dma_go
    CHK32 [DESC], 0, "DMA skip: control word cleared"
    mov dword [BUF], 0
    mov eax, 0x02
    call dma_desc
    mov dword [DESC + 4], 0x02000000    ; read 2
    call dma_go
    CHK32 [BUF], 0x554d, "DMA skip 2 then read 2 of the signature"

    ; ---- DMA write: nothing is writable, the error bit comes back
    mov eax, (5 << 16) | 0x08 | 0x10
    call dma_desc
    mov dword [DESC + 4], 0x02000000
    call dma_go
    CHK32 [DESC], 0x01000000, "DMA write: error bit set"
    SELECT 5
    call read_u16
    CHK32 eax, 2, "CPU count unchanged after the refused write"
    PRINT "DMA interface ok", 10
    PASS

; read_u32 -> EAX: four data-port bytes, little-endian
read_u32:
    push ecx
    push edx
    mov dx, FWCFG_DATA
    xor eax, eax
    mov ecx, 4
.r: in al, dx
    ror eax, 8
    loop .r
    pop edx
    pop ecx
    ret

; read_u16 -> EAX
read_u16:
    push edx
    mov dx, FWCFG_DATA
    xor eax, eax
    in al, dx
    mov ah, al
    in al, dx
    xchg al, ah
    pop edx
    ret

; dma_desc: EAX = control (host order) -> descriptor at DESC (big-endian),
; address = BUF
dma_desc:
    bswap eax
    mov [DESC], eax
    mov dword [DESC + 8], 0
    mov eax, BUF
    bswap eax
    mov [DESC + 12], eax
    ret

; dma_go: start the DMA of the descriptor at DESC
dma_go:
    mov dx, FWCFG_DMA
    xor eax, eax
    out dx, eax                         ; high half: 0
    mov eax, DESC
    bswap eax
    mov dx, FWCFG_DMA + 4
    out dx, eax
    ret
