/*
 * tests/linux/multiboot-smoke.S - a tiny Multiboot 0.6.96 kernel (ELF32)
 * that checks the entry state emu86's -kernel loader promises and reports
 * on COM1, then exits through isa-debug-exit (iobase 0xf4):
 *   "MB OK cmdline=<kernel path and -append text>"
 *   "mods=<count> <bytes of the first module>"
 *   "rsdp=<the 8-byte signature at 0xE0000>"
 * Exit code 0x10 (status 33) on success, 0x11 (status 35) when EAX does
 * not hold the multiboot magic or the info flags lack mem/cmdline/mmap.
 * Built by multiboot-smoke.sh with `as --32` and `ld -m elf_i386`.
 */
    .section .text
    .globl _start
    .align 4
mb_header:
    .long 0x1BADB002            /* magic */
    .long 0x00000003            /* page-aligned modules, memory info */
    .long -(0x1BADB002 + 3)     /* checksum */
_start:
    cmp $0x2BADB002, %eax
    jne fail
    mov (%ebx), %eax            /* flags: mem (0), cmdline (2), mmap (6) */
    and $0x45, %eax
    cmp $0x45, %eax
    jne fail
    mov $stack_top, %esp
    mov $msg_ok, %esi
    call puts
    mov 16(%ebx), %esi          /* cmdline */
    call puts
    mov $msg_mods, %esi
    call puts
    mov 20(%ebx), %eax          /* mods_count */
    add $'0', %al
    mov $0x3f8, %dx
    out %al, %dx
    mov $' ', %al
    out %al, %dx
    cmpl $0, 20(%ebx)
    je 2f
    mov 24(%ebx), %edi          /* mods_addr */
    mov 0(%edi), %esi           /* mod_start */
    mov 4(%edi), %ecx           /* mod_end */
    sub %esi, %ecx
    jz 2f
1:  lodsb
    out %al, %dx
    loop 1b
2:  mov $msg_rsdp, %esi
    call puts
    mov $0xe0000, %esi
    mov $8, %ecx
3:  lodsb
    out %al, %dx
    loop 3b
    mov $msg_nl, %esi
    call puts
    mov $0x10, %al
    out %al, $0xf4
    cli
    hlt
fail:
    mov $0x3f8, %dx
    mov $'F', %al
    out %al, %dx
    mov $0x11, %al
    out %al, $0xf4
    cli
    hlt
puts:
    mov $0x3f8, %dx
4:  lodsb
    test %al, %al
    jz 5f
    out %al, %dx
    jmp 4b
5:  ret

    .section .data
msg_ok:   .asciz "MB OK cmdline="
msg_mods: .asciz "\nmods="
msg_rsdp: .asciz "\nrsdp="
msg_nl:   .asciz "\n"

    .section .bss
    .align 16
    .space 4096
stack_top:
