; cpu_flags: "-cpu MODEL,+feat,-feat,feat=on|off" changes what CPUID
; reports, as QEMU's does: qemu64 without SSE3 (-sse3) and LAHF/SAHF in
; long mode (lahf_lm=off, Linux's spelling), with POPCNT, SSE4.1 and MOVBE
; added (+popcnt, sse4.1=on, +movbe); the rest of qemu64 unchanged (SSE2,
; CX16 and the hypervisor bit stay).  POPCNT then executes.
; guest: args=-cpu qemu64,-sse3,+popcnt,sse4.1=on,+movbe,lahf_lm=off
%include "common.inc"

BEGIN_REAL
    PRINT "cpu_flags", 10
    ENTER_PM32

    mov eax, 1
    cpuid
    mov eax, ecx
    and eax, (1 << 0) | (1 << 13) | (1 << 19) | (1 << 22) | (1 << 23) | (1 << 31)
    CHK32 eax, (1 << 13) | (1 << 19) | (1 << 22) | (1 << 23) | (1 << 31), \
          "CPUID.1:ECX SSE3 off; CX16, SSE4.1, MOVBE, POPCNT, hypervisor on"
    mov eax, edx
    and eax, (1 << 25) | (1 << 26)
    CHK32 eax, (1 << 25) | (1 << 26), "CPUID.1:EDX SSE and SSE2 kept"
    mov eax, 0x80000001
    cpuid
    mov eax, ecx
    and eax, 1
    CHK32 eax, 0, "CPUID.80000001H:ECX LAHF_LM off"

    mov ebx, 0xf0f0f0f1
    popcnt eax, ebx
    CHK32 eax, 17, "POPCNT executes when offered"
    PASS
