; acpi_pm: the PIIX4 power-management function (00:01.3) found and set up
; as firmware does, through PCI configuration mechanism #1 (0xCF8/0xCFC):
; vendor/device IDs of the host bridge, the ISA bridge and the PM function,
; an absent device reading all ones, PMBA (0x40) and PMIOSE (0x80) placing
; the PM I/O window at 0x600 (nothing decodes there before), then the
; 24-bit ACPI PM timer at PMBA+8 (ACPI 6.x 4.8.3.3, PIIX4 datasheet 7.2):
; bits 31:24 read 0, it advances at 3.579545 MHz (checked against PIT
; channel 2 with loose bounds), never goes backwards and wraps from near
; 0xFFFFFF to near 0 (up to 4.7 s of polling).  Last it powers off: SLP_TYP
; 0 (\_S5 of this machine) | SLP_EN to PM1a_CNT; QEMU and emu86 exit with
; status 0 (the runner checks it: "guest: exit=0").  PASS is printed first;
; if the machine is still running after the write, FAIL follows.
; guest: exit=0
%include "common.inc"
%include "timing.inc"

PM_BASE   equ 0x600

; PCI_RD bdf_reg -> EAX (dword config read)
%macro PCI_RD 1
    mov eax, %1
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
%endmacro

%define PCI(dev, fn, reg) (0x80000000 | ((dev) << 11) | ((fn) << 8) | (reg))

BEGIN_REAL
    PRINT "acpi_pm", 10
    ENTER_PM32

    ; ---- find the devices
    PCI_RD PCI(0, 0, 0)
    CHK32 eax, 0x12378086, "00:00.0 i440FX host bridge vendor/device"
    PCI_RD PCI(1, 0, 0)
    CHK32 eax, 0x70008086, "00:01.0 PIIX3 ISA bridge vendor/device"
    PCI_RD PCI(1, 3, 0)
    CHK32 eax, 0x71138086, "00:01.3 PIIX4 PM vendor/device"
    PCI_RD PCI(1, 3, 8)
    CHK32 eax, 0x06800003, "00:01.3 class 068000, revision 03"
    PCI_RD PCI(31, 0, 0)
    CHK32 eax, 0xFFFFFFFF, "absent device 00:1f.0"
    PRINT "PCI: i440FX 8086:1237, PIIX3 8086:7000, PIIX4 PM 8086:7113 class 068000 ok", 10

    ; ---- the PM window: nothing at 0x600 until PMBA and PMIOSE say so
    mov dx, PM_BASE + 8
    in eax, dx
    CHK32 eax, 0xFFFFFFFF, "PM timer port before PMIOSE"
    PCI_RD PCI(1, 3, 0x40)
    CHK32 eax, 1, "PMBA after reset (I/O space indicator)"
    mov eax, PCI(1, 3, 0x40)
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    mov eax, PM_BASE | 1
    out dx, eax
    PCI_RD PCI(1, 3, 0x40)
    CHK32 eax, PM_BASE | 1, "PMBA read back"
    mov eax, PCI(1, 3, 0x80)
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in al, dx
    movzx eax, al
    CHK32 eax, 0, "PMREGMISC after reset"
    mov al, 1                           ; PMIOSE
    out dx, al
    PRINT "PMBA = 0x601, PMIOSE set ok", 10

    ; ---- the PM timer: 24 bits at 3.579545 MHz
    mov dx, PM_BASE + 8
    in eax, dx
    mov ebx, eax
    mov ecx, 11932                      ; 10 ms of PIT channel 2
    call pit_delay
    mov dx, PM_BASE + 8
    in eax, dx
    sub eax, ebx
    and eax, 0xFFFFFF
    cmp eax, 30000                      ; 10 ms = 35795 ticks
    jb .slow
    cmp eax, 1000000
    jbe .rate_ok
.slow:
    FAIL "PM timer ticks over 10 ms of PIT time out of 30000..1000000"
.rate_ok:
    PRINT "PM timer advances at ~3.58 MHz (against PIT channel 2) ok", 10
    ; poll until it wraps: each step moves forward by less than half the
    ; range, bits 31:24 stay 0, and the wrap comes within 2^24 ticks
    mov dx, PM_BASE + 8
    in eax, dx
    mov ebx, eax                        ; previous value
    xor esi, esi                        ; ticks seen since the start
.poll:
    in eax, dx
    test eax, 0xFF000000
    jz .bits_ok
    FAIL "PM timer bits 31:24 not zero"
.bits_ok:
    mov ecx, eax
    sub ecx, ebx
    and ecx, 0xFFFFFF
    cmp ecx, 0x800000
    jb .fwd
    FAIL "PM timer went backwards"
.fwd:
    add esi, ecx
    cmp eax, ebx
    jb .wrapped
    mov ebx, eax
    cmp esi, 0x1000000 + 0x100000
    jb .poll
    FAIL "PM timer did not wrap within 2^24 ticks"
.wrapped:
    cmp ebx, 0xF00000
    jae .from_top
    FAIL "PM timer wrapped from below 0xF00000"
.from_top:
    cmp eax, 0x100000
    jb .to_bottom
    FAIL "PM timer wrapped to above 0x100000"
.to_bottom:
    PRINT "PM timer monotonic, wraps at 2^24 ok", 10

    ; ---- S5: the emulator exits with status 0
    PRINT "PASS", 10
    mov dx, PM_BASE + 4
    mov ax, 0x2000                      ; SLP_TYP 0 | SLP_EN
    out dx, ax
    mov ecx, 50000000
.d: pause
    dec ecx
    jnz .d
    FAIL "still running after SLP_EN with SLP_TYP 0"

PIT_DELAY_ROUTINE
