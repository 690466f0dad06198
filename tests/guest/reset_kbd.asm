; reset_kbd: the classic PC reset through the keyboard controller: command
; 0xFE to port 0x64 pulses output port bit 0 (the CPU reset line).  Under
; -no-reboot the run ends with status 0, as on QEMU ("guest: exit=0").
; The controller is first checked to take commands (status: input buffer
; empty, system flag set by its self-test as firmware leaves it is not
; assumed).  The last line must be the PASS printed before the command
; (lib/reset.inc).
; guest: exit=0
%include "reset.inc"

RESET_TEST "reset_kbd"
    mov ecx, 100000
.ibf: in al, 0x64
    test al, 0x02                       ; input buffer full?
    jz .ready
    a32 loop .ibf
    FAIL "i8042 input buffer never empty"
.ready:
    PRINT "i8042 ready for a command ok", 10
    PRINT "PASS", 10
    mov al, 0xFE                        ; pulse output port bit 0
    out 0x64, al
    RESET_EXPECTED "command 0xFE to port 0x64"
