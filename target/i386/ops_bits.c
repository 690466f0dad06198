/*
 * target/i386/ops_bits.c - BT/BTS/BTR/BTC, BSF/BSR, BSWAP.
 *
 * Design: with a memory operand and a register bit offset, BTx addresses
 * a bit string: the offset is signed (opsize bits) and selects the word
 * at ea + (offset >> log2(opsize*8)) * opsize (SDM BT "bit base" and Vol.1
 * 3.6.3); an immediate offset is taken modulo the operand width.  Only CF
 * changes (ZF unchanged; OF/SF/AF/PF undefined, kept unchanged).
 *
 * LZCNT/TZCNT (F3 0F BD/BC) are gated on the CPU model: without
 * CPUID.80000001H:ECX.ABM[5] (LZCNT) or CPUID.(7,0):EBX.BMI1[3] (TZCNT)
 * the encoding is BSR/BSF with an ignored REP prefix, as on hardware that
 * predates them (SDM LZCNT/TZCNT "Operation" notes).
 */
#include "target/i386/cpuid.h"
#include "target/i386/ops_internal.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static void bt_common(CPUX86State *env, const Insn *insn, int kind)
{
    unsigned size = op_size(insn, 0), bits = size * 8;
    uint64_t off = op_get(env, insn, 1);
    uint64_t v, nv, la = 0;
    unsigned bit;
    bool bitstr = insn->ops[0].kind == OPK_MEM && insn->ops[1].kind != OPK_IMM;

    if (bitstr) {
        int64_t soff = sext(off, op_size(insn, 1));
        /* Arithmetic shift = floor division, so negative offsets go
         * below the base. */
        int64_t word = soff >> (bits == 16 ? 4 : bits == 32 ? 5 : 6);
        uint64_t ea = (insn_ea(env, insn) + (uint64_t)(word * (int64_t)size)) &
                      size_mask(insn->addrsize);
        int seg = insn->seg == SEG_NONE ? R_DS : insn->seg;
        bit = (unsigned)soff & (bits - 1);
        la = seg_linear(env, seg, ea, size, kind == BT_TEST ? ACC_READ : ACC_WRITE);
        if (kind != BT_TEST) {
            mem_probe_write(env, la, size);
        }
        v = ld_size(env, la, size);
    } else {
        bit = (unsigned)off & (bits - 1);
        v = kind == BT_TEST ? op_get(env, insn, 0) : op_get_rmw(env, insn, 0);
    }
    uint64_t m = 1ull << bit;
    switch (kind) {
    case BT_SET: nv = v | m; break;
    case BT_RESET: nv = v & ~m; break;
    case BT_COMPLEMENT: nv = v ^ m; break;
    default: nv = v; break;
    }
    if (kind != BT_TEST) {
        if (bitstr) {
            st_size(env, la, size, nv);
        } else {
            op_set(env, insn, 0, nv);
        }
    }
    cc_update(env, CC_C, (v & m) ? CC_C : 0);
}

void op_BT(CPUX86State *env, const Insn *insn)
{
    bt_common(env, insn, BT_TEST);
}

void op_BTS(CPUX86State *env, const Insn *insn)
{
    bt_common(env, insn, BT_SET);
}

void op_BTR(CPUX86State *env, const Insn *insn)
{
    bt_common(env, insn, BT_RESET);
}

void op_BTC(CPUX86State *env, const Insn *insn)
{
    bt_common(env, insn, BT_COMPLEMENT);
}

/* BSF/BSR: a zero source sets ZF and leaves the destination unchanged,
 * except that Intel parts still write a 32-bit destination, clearing its
 * upper half (Intel architects' statement quoted in Linux's bitops.h; AMD
 * documents no write at all); otherwise ZF = 0.  CF, OF, SF, AF, PF are
 * undefined: computed as for a logic op on the source, as QEMU does. */
static void bsx_zero_source(CPUX86State *env, const Insn *insn)
{
    if (op_size(insn, 0) == 4 && insn->ops[0].kind == OPK_REG) {
        op_set(env, insn, 0, op_get(env, insn, 0));
    }
    cc_update(env, CC_MASK, CC_Z | CC_P);
}
void op_BSF(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t s = op_get(env, insn, 1);

    if (!s) {
        bsx_zero_source(env, insn);
        return;
    }
    op_set(env, insn, 0, (uint64_t)__builtin_ctzll(s));
    set_cc(env, CC_OP_LOGICB, size, s, 0, 0);
}

void op_BSR(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t s = op_get(env, insn, 1);

    if (!s) {
        bsx_zero_source(env, insn);
        return;
    }
    op_set(env, insn, 0, (uint64_t)(63 - __builtin_clzll(s)));
    set_cc(env, CC_OP_LOGICB, size, s, 0, 0);
}

/* LZCNT/TZCNT: CF = (source == 0), ZF = (result == 0); OF, SF, AF, PF
 * are undefined (SDM LZCNT "Flags Affected").  AMD hosts leave OF alone
 * and clear SF, AF, PF; emu86 does the same so both agree bit for bit. */
static void cnt_flags(CPUX86State *env, uint64_t src, uint64_t res)
{
    uint32_t f = cc_all(env) & CC_O;
    if (!src) {
        f |= CC_C;
    }
    if (!res) {
        f |= CC_Z;
    }
    cc_set_all(env, f);
}

void op_LZCNT(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_8000_0001_ECX, CPUID_EXT3_ABM)) {
        op_BSR(env, insn);
        return;
    }
    unsigned bits = op_size(insn, 0) * 8;
    uint64_t s = op_get(env, insn, 1);
    uint64_t r = s ? (uint64_t)(__builtin_clzll(s) - (64 - bits)) : bits;
    op_set(env, insn, 0, r);
    cnt_flags(env, s, r);
}

void op_TZCNT(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_7_0_EBX, CPUID_7_EBX_BMI1)) {
        op_BSF(env, insn);
        return;
    }
    unsigned bits = op_size(insn, 0) * 8;
    uint64_t s = op_get(env, insn, 1);
    uint64_t r = s ? (uint64_t)__builtin_ctzll(s) : bits;
    op_set(env, insn, 0, r);
    cnt_flags(env, s, r);
}

/* BSWAP r16 is undefined in the SDM; Intel and AMD parts produce 0 in the
 * low word. */
void op_BSWAP(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t v = op_get(env, insn, 0);

    switch (size) {
    case 2: v = 0; break;
    case 4: v = __builtin_bswap32((uint32_t)v); break;
    default: v = __builtin_bswap64(v); break;
    }
    op_set(env, insn, 0, v);
}
