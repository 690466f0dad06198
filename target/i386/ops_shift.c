/*
 * target/i386/ops_shift.c - shifts, rotates, SHLD/SHRD.
 *
 * Design: the count is masked to 5 bits (6 with a 64-bit operand) as the
 * SDM says; a masked count of 0 changes no flags.  SHL/SHR/SAR and
 * SHLD/SHRD use the lazy CC_OP_SHL/CC_OP_SAR ops with cc_src = the value
 * shifted by count-1, which yields CF (last bit out) and, for a count of
 * 1, OF.  Rotates touch only CF and OF, so they materialize the flags.
 * Flags the SDM leaves undefined (OF for counts other than 1, CF when the
 * count reaches the operand size) take what the formulas give, which is
 * also what Intel parts produce for OF.  A masked count of 0 still writes
 * the destination back, so a 32-bit register is zero-extended as for any
 * 32-bit operation.
 */
#include "target/i386/ops_internal.h"

static unsigned shift_count(CPUX86State *env, const Insn *insn, unsigned size)
{
    uint64_t c = insn->nr_ops >= 2 ? op_get(env, insn, 1) : 1;
    return (unsigned)c & (size == 8 ? 0x3f : 0x1f);
}

/* Count 0: no flag change, but the (register) destination is rewritten. */
static void shift_nop(CPUX86State *env, const Insn *insn, uint64_t a)
{
    if (insn->ops[0].kind != OPK_MEM) {
        op_set(env, insn, 0, a);
    }
}

void op_SHL(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get_rmw(env, insn, 0);
    unsigned c = shift_count(env, insn, size);

    if (!c) {
        shift_nop(env, insn, a);
        return;
    }
    uint64_t src = a << (c - 1);
    uint64_t r = src << 1;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_SHLB, size, r, src, 0);
}

void op_SHR(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get_rmw(env, insn, 0);
    unsigned c = shift_count(env, insn, size);

    if (!c) {
        shift_nop(env, insn, a);
        return;
    }
    uint64_t src = a >> (c - 1);
    uint64_t r = src >> 1;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_SARB, size, r, src, 0);
}

void op_SAR(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get_rmw(env, insn, 0);
    unsigned c = shift_count(env, insn, size);

    if (!c) {
        shift_nop(env, insn, a);
        return;
    }
    uint64_t src = (uint64_t)(sext(a, size) >> (c - 1));
    uint64_t r = (uint64_t)((int64_t)src >> 1);
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_SARB, size, r, src, 0);
}

/* ROL/ROR rotate by count MOD size; CF/OF still follow the masked count
 * (SDM ROL operation: flags change whenever (COUNT & countMASK) != 0). */
void op_ROL(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0), bits = size * 8;
    uint64_t a = op_get_rmw(env, insn, 0);
    unsigned c = shift_count(env, insn, size);

    if (!c) {
        shift_nop(env, insn, a);
        return;
    }
    unsigned k = c & (bits - 1); /* bits is a power of two */
    uint64_t m = size_mask(size);
    uint64_t r = k ? ((a << k) | (a >> (bits - k))) & m : a;
    op_set(env, insn, 0, r);
    uint32_t cf = r & 1;
    uint32_t of = ((r >> (bits - 1)) & 1) ^ cf;
    cc_update(env, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

void op_ROR(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0), bits = size * 8;
    uint64_t a = op_get_rmw(env, insn, 0);
    unsigned c = shift_count(env, insn, size);

    if (!c) {
        shift_nop(env, insn, a);
        return;
    }
    unsigned k = c & (bits - 1); /* bits is a power of two */
    uint64_t m = size_mask(size);
    uint64_t r = k ? ((a >> k) | (a << (bits - k))) & m : a;
    op_set(env, insn, 0, r);
    /* CF = MSB(result); OF = XOR of the two most significant bits. */
    uint32_t cf = (r >> (bits - 1)) & 1;
    uint32_t of = cf ^ ((r >> (bits - 2)) & 1);
    cc_update(env, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

/* RCL/RCR rotate the (size+1)-bit value CF:dest; 8- and 16-bit counts are
 * taken modulo 9 and 17 after masking (SDM RCL operation). */
static unsigned rc_count(unsigned size, unsigned c)
{
    if (size == 1) {
        return c % 9;
    }
    if (size == 2) {
        return c % 17;
    }
    return c;
}

void op_RCL(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0), bits = size * 8, w = bits + 1;
    uint64_t a = op_get_rmw(env, insn, 0);
    unsigned mc = shift_count(env, insn, size);
    unsigned c = rc_count(size, mc);

    if (!mc) {
        shift_nop(env, insn, a);
        return;
    }
    unsigned __int128 mw = ((unsigned __int128)1 << w) - 1;
    unsigned __int128 v = ((unsigned __int128)cc_c(env) << bits) | a;
    /* A count that is a multiple of 9/17 rotates nothing, but the flags
     * are still written (OF from the unchanged value, as the host shows). */
    unsigned __int128 rv = c ? ((v << c) | (v >> (w - c))) & mw : v;
    uint64_t r = (uint64_t)rv & size_mask(size);
    op_set(env, insn, 0, r);
    uint32_t cf = (uint32_t)(rv >> bits) & 1;
    uint32_t of = ((r >> (bits - 1)) & 1) ^ cf;
    cc_update(env, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

void op_RCR(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0), bits = size * 8, w = bits + 1;
    uint64_t a = op_get_rmw(env, insn, 0);
    unsigned mc = shift_count(env, insn, size);
    unsigned c = rc_count(size, mc);

    if (!mc) {
        shift_nop(env, insn, a);
        return;
    }
    unsigned __int128 mw = ((unsigned __int128)1 << w) - 1;
    unsigned __int128 v = ((unsigned __int128)cc_c(env) << bits) | a;
    unsigned __int128 rv = c ? ((v >> c) | (v << (w - c))) & mw : v;
    uint64_t r = (uint64_t)rv & size_mask(size);
    op_set(env, insn, 0, r);
    uint32_t cf = (uint32_t)(rv >> bits) & 1;
    /* For a count of 1, MSB(orig) XOR CF(orig) = the top two result bits. */
    uint32_t of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
    cc_update(env, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

/* SHLD/SHRD.  The 16-bit forms with a count above 16 (undefined in the
 * SDM) behave on Intel parts as if the operand were dest:src:dest; the
 * 48-bit window below reproduces that. */
static unsigned shd_count(CPUX86State *env, const Insn *insn, unsigned size)
{
    uint64_t c = insn->nr_ops >= 3 ? op_get(env, insn, 2) : 1;
    return (unsigned)c & (size == 8 ? 0x3f : 0x1f);
}

void op_SHLD(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0), bits = size * 8;
    uint64_t d = op_get_rmw(env, insn, 0), s = op_get(env, insn, 1);
    unsigned c = shd_count(env, insn, size);
    unsigned __int128 v;
    unsigned w;

    if (!c) {
        shift_nop(env, insn, d);
        return;
    }
    switch (size) {
    case 2:
        v = ((unsigned __int128)d << 32) | (s << 16) | d;
        w = 48;
        break;
    case 4:
        v = ((unsigned __int128)d << 32) | s;
        w = 64;
        break;
    default:
        v = ((unsigned __int128)d << 64) | s;
        w = 128;
        break;
    }
    uint64_t m = size_mask(size);
    uint64_t src = (uint64_t)((v << (c - 1)) >> (w - bits)) & m;
    uint64_t r = (uint64_t)((v << c) >> (w - bits)) & m;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_SHLB, size, r, src, 0);
}

void op_SHRD(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t d = op_get_rmw(env, insn, 0), s = op_get(env, insn, 1);
    unsigned c = shd_count(env, insn, size);
    unsigned __int128 v;

    if (!c) {
        shift_nop(env, insn, d);
        return;
    }
    switch (size) {
    case 2:
        v = ((unsigned __int128)d << 32) | (s << 16) | d;
        break;
    case 4:
        v = ((unsigned __int128)s << 32) | d;
        break;
    default:
        v = ((unsigned __int128)s << 64) | d;
        break;
    }
    uint64_t m = size_mask(size);
    uint64_t src = (uint64_t)(v >> (c - 1)) & m;
    uint64_t r = (uint64_t)(v >> c) & m;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_SARB, size, r, src, 0);
}
