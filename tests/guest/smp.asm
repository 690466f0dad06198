; smp: bring up the application processor the way an OS does (SDM Vol.3
; 8.4.4 MP initialization example, 10.6.1 ICR): the BSP sends
; INIT-SIPI-SIPI to APIC ID 1 with a trampoline at 0x8000 (vector 0x08).
; The AP starts in real mode at 0800:0000, counts its starts with LOCK INC,
; enters flat 32-bit protected mode with the GDT the BSP left at 0x500,
; reads its own APIC ID from 0xFEE00020 and reports it in a mailbox.  Then
; both CPUs do LOCK INC on one counter at the same time and the BSP checks
; the total.  Last, INIT puts the (halted) AP back in wait-for-SIPI and a
; SIPI with another vector (0x09, trampoline copy at 0x9000) restarts it
; there.  Waits are bounded loops with PAUSE; output is deterministic.
; guest: smp=2
%include "common.inc"

APIC      equ 0xFEE00000
TRAMP1    equ 0x8000                    ; SIPI vector 0x08
TRAMP2    equ 0x9000                    ; SIPI vector 0x09
AP_STACK  equ 0x6800
N_INC     equ 100000                    ; LOCK INCs per CPU

ap_starts equ VARS+0x00                 ; LOCK INC by the AP in real mode
ap_id     equ VARS+0x04                 ; APIC ID read by the AP
ap_cs     equ VARS+0x08                 ; CS the AP started with
ap_ready  equ VARS+0x0C                 ; mailbox flag: id/cs valid
ap_work   equ VARS+0x10                 ; 1: run the LOCK INC phase
go        equ VARS+0x14                 ; BSP -> AP: start counting
ap_done   equ VARS+0x18                 ; AP -> BSP: counting finished
shared    equ VARS+0x1C                 ; the contended counter
gdtr_low  equ VARS+0x20                 ; GDTR image for the AP (6 bytes)

WAIT_LOOPS equ 200000000                ; bound of every wait (PAUSE each)

; DELAY n: a short busy loop (the INIT/SIPI spacing of SDM 8.4.4.1; our
; targets do not need the real 10 ms / 200 us)
%macro DELAY 1
    mov ecx, %1
%%d: pause
    dec ecx
    jnz %%d
%endmacro

; WAIT_NZ var, "what": bounded wait until dword [var] != 0
%macro WAIT_NZ 2+
    mov ecx, WAIT_LOOPS
%%w: cmp dword [%1], 0
    jne %%ok
    pause
    dec ecx
    jnz %%w
    FAIL %2
%%ok:
%endmacro

; SEND_IPI icr_low: to APIC ID 1, then check the delivery status is idle
%macro SEND_IPI 1
    mov dword [APIC + 0x310], 1 << 24
    mov dword [APIC + 0x300], %1
    mov ecx, WAIT_LOOPS
%%busy: test dword [APIC + 0x300], 1 << 12
    jz %%idle
    pause
    dec ecx
    jnz %%busy
    FAIL "IPI stuck in send pending"
%%idle:
%endmacro

BEGIN_REAL
    PRINT "smp", 10
    ENTER_PM32
    ; the trampoline at both start-up pages (it is position independent)
    mov esi, trampoline
    mov edi, TRAMP1
    mov ecx, trampoline_end - trampoline
    rep movsb
    mov esi, trampoline
    mov edi, TRAMP2
    mov ecx, trampoline_end - trampoline
    rep movsb
    mov word [gdtr_low], gdt_rom_end - gdt_rom - 1
    mov dword [gdtr_low + 2], GDT_ADDR
    xor eax, eax
    mov [ap_starts], eax
    mov [ap_ready], eax
    mov [go], eax
    mov [ap_done], eax
    mov [shared], eax
    mov dword [ap_work], 1

    mov eax, [APIC + 0x20]
    shr eax, 24
    CHK32 eax, 0, "APIC ID of the BSP"
    mov dword [APIC + 0xF0], 0x1FF      ; software enable, spurious 0xFF

    ; INIT-SIPI-SIPI (SDM Vol.3 8.4.4.1)
    SEND_IPI 0x00004500                 ; INIT, level assert, physical
    DELAY 10000
    SEND_IPI 0x00004600 | (TRAMP1 >> 12) ; start-up, vector 0x08
    DELAY 20000
    SEND_IPI 0x00004600 | (TRAMP1 >> 12) ; the second SIPI is ignored
    WAIT_NZ ap_ready, "the AP did not report"
    CHK32 [ap_id], 1, "APIC ID read by the AP"
    CHK32 [ap_cs], 0x0800, "CS of the AP after SIPI vector 08"
    PRINT "AP started at 0800:0000, its APIC ID is 1", 10

    ; both CPUs increment one counter at the same time
    mov dword [go], 1
    mov ecx, N_INC
.inc: lock inc dword [shared]
    dec ecx
    jnz .inc
    WAIT_NZ ap_done, "the AP did not finish counting"
    CHK32 [shared], 2 * N_INC, "LOCK INC total of both CPUs"
    PRINT "LOCK INC from both CPUs: total 200000", 10
    ; a second SIPI while the AP ran was ignored: it started once
    CHK32 [ap_starts], 1, "start count after INIT-SIPI-SIPI"
    PRINT "second SIPI ignored by the running AP", 10

    ; INIT the (halted) AP, then restart it at another vector
    mov dword [ap_ready], 0
    mov dword [ap_work], 0
    SEND_IPI 0x00004500
    DELAY 10000
    SEND_IPI 0x00004600 | (TRAMP2 >> 12)
    WAIT_NZ ap_ready, "the AP did not restart after INIT"
    CHK32 [ap_cs], 0x0900, "CS of the AP after SIPI vector 09"
    CHK32 [ap_id], 1, "APIC ID after INIT"
    CHK32 [ap_starts], 2, "start count after the second start-up"
    PRINT "INIT then SIPI 09: AP restarted at 0900:0000", 10
    PASS

; ---- the AP's real-mode start (copied to 0x8000 and 0x9000)
bits 16
trampoline:
    cli
    mov ax, cs
    xor bx, bx
    mov ds, bx
    lock inc dword [ap_starts]
    mov [ap_cs], ax
    o32 lgdt [gdtr_low]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE32:ap_pm32        ; into the ROM, flat
trampoline_end:

bits 32
ap_pm32:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, AP_STACK
    mov eax, [APIC + 0x20]
    shr eax, 24
    mov [ap_id], eax
    mov eax, [ap_work]                  ; read before the BSP may clear it
    mov dword [ap_ready], 1             ; x86 stores are not reordered
    test eax, eax
    jz .halt
.wait_go:
    pause
    cmp dword [go], 0
    je .wait_go
    mov ecx, N_INC
.inc: lock inc dword [shared]
    dec ecx
    jnz .inc
    mov dword [ap_done], 1
.halt:
    cli
    hlt
    jmp .halt
