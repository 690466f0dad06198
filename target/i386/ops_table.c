/*
 * target/i386/ops_table.c - the dispatch table: one handler per operation
 * of insn.def, op_<id> (declared in ops.h), generated with the X-macro so
 * the table can never fall out of step with the InsnOp enum.
 */
#include "target/i386/ops.h"

const InsnHandler insn_handlers[OP_NB] = {
#define INSN(id, mnemonic, flags) [OP_##id] = op_##id,
#include "target/i386/insn.def"
#undef INSN
};
