/*
 * target/i386/insn_names.c - operation names and flags, generated from
 * insn.def with the X-macro so the three stay in step with the InsnOp enum.
 * (The handler table insn_handlers[] lives with the semantics code.)
 */
#include "target/i386/insn.h"

const char *const insn_op_names[OP_NB] = {
#define INSN(id, mnemonic, flags) [OP_##id] = mnemonic,
#include "target/i386/insn.def"
#undef INSN
};

const uint16_t insn_op_flags[OP_NB] = {
#define INSN(id, mnemonic, flags) [OP_##id] = (flags),
#include "target/i386/insn.def"
#undef INSN
};
