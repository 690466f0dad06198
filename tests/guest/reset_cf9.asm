; reset_cf9: a hard reset through the PIIX3 reset control register (0xCF9,
; the FADT's RESET_REG with RESET_VALUE 6).  SYS_RST alone (2) reads back
; and resets nothing; 6 (SYS_RST | RST_CPU) resets the machine, which under
; -no-reboot ends the run with status 0, as on QEMU ("guest: exit=0").
; The last line must be the PASS printed before the write (lib/reset.inc).
; guest: exit=0
%include "reset.inc"

RESET_TEST "reset_cf9"
    mov dx, 0xCF9
    mov al, 0x02                        ; SYS_RST only: no reset yet
    out dx, al
    in al, dx
    CHK16 ax, 0x02, "0xCF9 read back after writing SYS_RST"
    PRINT "0xCF9 = 2 (SYS_RST alone): read back, no reset ok", 10
    PRINT "PASS", 10
    mov dx, 0xCF9
    mov al, 0x06                        ; SYS_RST | RST_CPU
    out dx, al
    RESET_EXPECTED "writing 6 to 0xCF9"
