/*
 * target/i386/disas.h - disassembly for logs (-d in_asm) and tests, via
 * capstone.  Never used to execute anything: decode.c is the decoder.
 */
#ifndef TARGET_I386_DISAS_H
#define TARGET_I386_DISAS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "target/i386/insn.h"

/* Disassemble one instruction at addr into out ("mnemonic operands").
 * Returns its length, or 0 when capstone cannot decode it (out then holds
 * "(bad)"). */
int disas_insn(CpuMode mode, uint64_t addr, const uint8_t *buf, unsigned len,
               char *out, size_t outlen);

/* Print a block QEMU `-d in_asm` style: one "0x%016lx:  mnemonic operands"
 * line per instruction, stopping at the first undecodable byte. */
void disas_block_log(FILE *f, CpuMode mode, uint64_t pc, const uint8_t *buf, unsigned len);

#endif
