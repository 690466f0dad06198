/*
 * target/i386/decode.c - the x86 instruction decoder engine.
 *
 * Design: a single forward pass over the bytes (SDM Vol.2 2.1, figure 2-1:
 * prefixes, opcode, ModRM, SIB, displacement, immediate).  The prefix loop
 * collects legacy prefixes and a REX that must immediately precede the
 * opcode; the opcode selects a DecodeEntry from the tables in
 * decode_tables.c (possibly refined by ModRM.reg for groups, by ModRM for
 * 0F 01 register forms, and by prefixes/mode for a handful of opcodes
 * marked DF_SPECIAL); the entry's operand descriptors then drive the
 * reading of SIB/displacement/immediates into the Insn.
 *
 * Every byte goes through dec_get(), which enforces the 15-byte limit
 * (SDM Vol.2 2.3.11: longer instructions raise #GP(0)) and turns a failed
 * fetch into DECODE_FETCH_FAULT, so no input can make the decoder read
 * past what the caller offers or loop.
 *
 * The conventions for each operation's operands are listed at the top of
 * decode_tables.c.
 */
#include <string.h>

#include "target/i386/cpu.h"
#include "target/i386/decode-internal.h"

typedef struct Dec {
    const uint8_t *buf;   /* decode_buf: bytes, else NULL */
    unsigned fast_end;    /* bytes readable without checks: min(avail, 15), 0 with a callback */
    unsigned avail;
    InsnFetch fetch;      /* decode_insn: callback */
    void *opaque;
    unsigned pos;
    DecodeResult err;
} Dec;

#define MAX_INSN_LEN 15

/* Slow path: the 15-byte limit, the end of the buffer, the callback. */
static int dec_peek_slow(Dec *d, unsigned pos)
{
    if (pos >= MAX_INSN_LEN) {
        d->err = DECODE_TOO_LONG;
        return -1;
    }
    int b;
    if (d->buf) {
        b = pos < d->avail ? d->buf[pos] : -1;
    } else {
        b = d->fetch(d->opaque, pos);
    }
    if (b < 0) {
        d->err = DECODE_FETCH_FAULT;
        return -1;
    }
    return b & 0xff;
}

static inline int dec_peek(Dec *d, unsigned pos)
{
    if (pos < d->fast_end) {
        return d->buf[pos];
    }
    return dec_peek_slow(d, pos);
}

static inline int dec_get(Dec *d)
{
    int b = dec_peek(d, d->pos);
    if (b >= 0) {
        d->pos++;
    }
    return b;
}

/* Little-endian immediate/displacement of n bytes, sign-extended. */
static bool dec_sval(Dec *d, unsigned n, int64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        int b = dec_get(d);
        if (b < 0) {
            return false;
        }
        v |= (uint64_t)b << (8 * i);
    }
    if (n < 8) {
        unsigned sh = 64 - 8 * n;
        *out = (int64_t)(v << sh) >> sh;
    } else {
        *out = (int64_t)v;
    }
    return true;
}

static bool dec_uval(Dec *d, unsigned n, int64_t *out)
{
    if (!dec_sval(d, n, out)) {
        return false;
    }
    if (n < 8) {
        *out &= (int64_t)((1ull << (8 * n)) - 1);
    }
    return true;
}

/* ModRM memory addressing: SDM Vol.2 tables 2-1 (16-bit) and 2-2/2-3
 * (32/64-bit, SIB).  Returns the default segment, or -1 on a fetch error. */
static int dec_mem_ex(Dec *d, Insn *insn, unsigned mod, unsigned rm, unsigned rex, CpuMode mode,
                      bool vsib);

static int dec_mem(Dec *d, Insn *insn, unsigned mod, unsigned rm, unsigned rex, CpuMode mode)
{
    return dec_mem_ex(d, insn, mod, rm, rex, mode, false);
}

/* vsib: the SIB index names a vector register (VEX gathers, SDM Vol.2
 * 2.3.12): index 100b is xmm4/ymm4, not "no index". */
static int dec_mem_ex(Dec *d, Insn *insn, unsigned mod, unsigned rm, unsigned rex, CpuMode mode,
                      bool vsib)
{
    InsnMem *m = &insn->mem;
    int64_t disp = 0;

    m->scale = 1;
    if (insn->addrsize == 2) {
        static const uint8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
        static const uint8_t index16[8] = { R_ESI, R_EDI, R_ESI, R_EDI,
                                            REG_NONE, REG_NONE, REG_NONE, REG_NONE };
        if (mod == 0 && rm == 6) {
            if (!dec_sval(d, 2, &disp)) {
                return -1;
            }
            m->base = REG_NONE;
            m->index = REG_NONE;
            m->disp = disp;
            return R_DS;
        }
        m->base = base16[rm];
        m->index = index16[rm];
        if (mod == 1 && !dec_sval(d, 1, &disp)) {
            return -1;
        }
        if (mod == 2 && !dec_sval(d, 2, &disp)) {
            return -1;
        }
        m->disp = disp;
        /* BP-based forms default to SS (SDM Vol.1 3.7.5) */
        return m->base == R_EBP ? R_SS : R_DS;
    }

    unsigned base;
    m->index = REG_NONE;
    if (rm == 4) {
        int sib = dec_get(d);
        if (sib < 0) {
            return -1;
        }
        unsigned idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
        m->scale = 1 << (sib >> 6);
        m->index = idx == 4 && !vsib ? REG_NONE : idx;   /* index 100b without REX.X: none */
        base = sib & 7;
        if (base == 5 && mod == 0) {
            if (!dec_sval(d, 4, &disp)) {
                return -1;
            }
            m->base = REG_NONE;
            m->disp = disp;
            return R_DS;
        }
    } else if (rm == 5 && mod == 0) {
        if (!dec_sval(d, 4, &disp)) {
            return -1;
        }
        m->base = REG_NONE;
        m->disp = disp;
        m->rip_rel = mode == MODE_64;  /* SDM Vol.2 2.2.1.6 */
        return R_DS;
    } else {
        base = rm;
    }
    if (mod == 1 && !dec_sval(d, 1, &disp)) {
        return -1;
    }
    if (mod == 2 && !dec_sval(d, 4, &disp)) {
        return -1;
    }
    m->disp = disp;
    m->base = base | ((rex & 1) << 3);
    /* rSP/rBP as base default to SS (not R12/R13) */
    return (m->base == R_ESP || m->base == R_EBP) ? R_SS : R_DS;
}

static void set_reg(InsnOperand *o, unsigned reg, unsigned size, unsigned rex)
{
    o->size = size;
    if (size == 1 && !rex && reg >= 4 && reg < 8) {
        o->kind = OPK_REG8H;
        o->reg = reg - 4;
    } else {
        o->kind = OPK_REG;
        o->reg = reg;
    }
}

static inline bool bitmap_test(const uint32_t *bm, unsigned b)
{
    return (bm[b >> 5] >> (b & 31)) & 1;
}

static const DecodeEntry ent_sse = { OP_SSE, DF_MODRM, { A_Wx, 0, 0 } };
static const DecodeEntry ent_ssei = { OP_SSE, DF_MODRM, { A_Wx, A_Ib, 0 } };

static DecodeResult ud(Dec *d, Insn *insn)
{
    insn->len = d->pos;
    insn->op = OP_INVALID;
    return DECODE_UD;
}

static DecodeResult fail(Dec *d, Insn *insn)
{
    insn->len = d->pos;
    insn->op = OP_INVALID;
    return d->err;
}

/* VEX (SDM Vol.2 2.3.5, 2.3.6): decoded as OP_SSE with DECODE_OPC_VEX in
 * Insn.opcode; the VEX fields are read back with vex_vvvv()/vex_l()/
 * vex_pp() (insn.h) from Insn.imm2.  Only the opcodes of
 * decode_vex_valid[] exist (others #UD here); all take a ModRM except
 * VZEROUPPER/VZEROALL (0F 77); map 0F3A and the 0F imm8 rows take an
 * imm8.  The gathers (0F38 90-93) use VSIB addressing: SIB required,
 * index = a vector register.  Called with the C4/C5 byte consumed. */
static DecodeResult dec_vex(Dec *d, Insn *insn, CpuMode mode, unsigned pfx, unsigned rex,
                            unsigned first, int seg_ovr)
{
    int v1, v2 = 0xff & ~0x80, opb;
    unsigned map = 1;

    /* 66/F2/F3/LOCK/REX before VEX: #UD (SDM Vol.2 2.3.2), decided
     * once the whole instruction is fetched (a fetch #PF on its bytes
     * comes first, SDM Vol.3 6.9: the host agrees, difftest) */
    bool bad_pfx = (pfx & (PFX_OPSZ | PFX_REP | PFX_REPNE | PFX_LOCK)) || rex;
    if ((v1 = dec_get(d)) < 0) {
        return fail(d, insn);
    }
    if (first == 0xc4) {
        if ((v2 = dec_get(d)) < 0) {
            return fail(d, insn);
        }
        map = v1 & 0x1f;
        insn->imm2 = 0xc40000 | (v1 << 8) | v2;
    } else {
        insn->imm2 = 0xc500 | v1;
    }
    if (map < 1 || map > 3) {
        return ud(d, insn);
    }
    if ((opb = dec_get(d)) < 0) {
        return fail(d, insn);
    }
    unsigned vrex = 0x40 | ((v1 & 0x80) ? 0 : 4);
    if (first == 0xc4) {
        vrex |= ((v1 & 0x40) ? 0 : 2) | ((v1 & 0x20) ? 0 : 1) | ((v2 & 0x80) ? 8 : 0);
    }
    if (mode != MODE_64) {
        vrex &= 0x48;           /* R/X/B ignored outside 64-bit mode */
    }
    insn->rex = vrex;
    insn->op = OP_SSE;
    insn->opcode = DECODE_OPC_VEX | (map == 1 ? 0x0f00 : map == 2 ? 0x0f3800 : 0x0f3a00) | opb;
    insn->opsize = (vrex & 8) ? 8 : 4;
    if (!bitmap_test(decode_vex_valid[map - 1], opb)) {
        return ud(d, insn);
    }
    if (map == 1 && opb == 0x77) {  /* VZEROUPPER/VZEROALL */
        if (bad_pfx) {
            return ud(d, insn);
        }
        insn->len = d->pos;
        return DECODE_OK;
    }
    int modrm = dec_get(d);
    if (modrm < 0) {
        return fail(d, insn);
    }
    insn->modrm = modrm;
    unsigned mod = modrm >> 6, rm = modrm & 7;
    bool vsib = map == 2 && opb >= 0x90 && opb <= 0x93;
    if (vsib && (mod == 3 || rm != 4 || insn->addrsize == 2)) {
        return ud(d, insn);     /* VSIB needs a SIB byte (SDM Vol.2 2.3.12) */
    }
    if (mod != 3) {
        int dseg = dec_mem_ex(d, insn, mod, rm, vrex, mode, vsib);
        if (dseg < 0) {
            return fail(d, insn);
        }
        insn->seg = seg_ovr >= 0 ? seg_ovr : dseg;
        insn->ops[0].kind = OPK_MEM;
    } else {
        insn->ops[0].kind = OPK_REG;
        insn->ops[0].reg = rm | ((vrex & 1) << 3);
    }
    insn->nr_ops = 1;
    bool has_imm = map == 3 ||
        (map == 1 && ((opb >= 0x70 && opb <= 0x73) || opb == 0xc2 ||
                      (opb >= 0xc4 && opb <= 0xc6)));
    if (has_imm) {
        if (!dec_uval(d, 1, &insn->imm)) {
            return fail(d, insn);
        }
        insn->ops[1].kind = OPK_IMM;
        insn->ops[1].size = 1;
        insn->nr_ops = 2;
    }
    if (bad_pfx) {
        return ud(d, insn);
    }
    insn->len = d->pos;
    return DECODE_OK;
}

static DecodeResult decode_common(Dec *d, Insn *insn, CpuMode mode_opts)
{
    CpuMode mode = (CpuMode)(mode_opts & 0xff);
    bool sse4a = mode_opts & DECODE_F_SSE4A;
    unsigned pfx = 0, rex = 0;
    int seg_ovr = -1;
    int b;

    memset(insn, 0, sizeof(*insn));
    insn->seg = SEG_NONE;
    insn->mem.base = REG_NONE;
    insn->mem.index = REG_NONE;

    /* ---- prefixes (SDM Vol.2 2.1.1, 2.2.1) ---- */
    for (;;) {
        if ((b = dec_get(d)) < 0) {
            return fail(d, insn);
        }
        switch (b) {
        case 0xf0:
            pfx |= PFX_LOCK;
            break;
        case 0xf2:
            pfx = (pfx & ~PFX_REP) | PFX_REPNE;
            break;
        case 0xf3:
            pfx = (pfx & ~PFX_REPNE) | PFX_REP;
            break;
        case 0x26: case 0x2e: case 0x36: case 0x3e:
            /* 64-bit mode: ES/CS/SS/DS overrides are ignored (SDM Vol.1 3.3.7.1) */
            if (mode != MODE_64) {
                seg_ovr = (b >> 3) & 3;
                pfx |= PFX_SEG;
            }
            break;
        case 0x64: case 0x65:
            seg_ovr = b == 0x64 ? R_FS : R_GS;
            pfx |= PFX_SEG;
            break;
        case 0x66:
            pfx |= PFX_OPSZ;
            break;
        case 0x67:
            pfx |= PFX_ADSZ;
            break;
        default:
            if (mode == MODE_64 && (b & 0xf0) == 0x40) {
                rex = b;        /* kept only if the opcode follows directly */
                continue;
            }
            goto opcode;
        }
        rex = 0;                /* a legacy prefix after REX cancels it (2.2.1) */
    }

opcode:;
    unsigned defsz = mode == MODE_16 ? 2 : 4;
    unsigned opsize = (pfx & PFX_OPSZ) ? 6 - defsz : defsz;
    if (rex & 8) {
        opsize = 8;
    }
    if (mode == MODE_64) {
        insn->addrsize = (pfx & PFX_ADSZ) ? 4 : 8;
    } else {
        insn->addrsize = ((pfx & PFX_ADSZ) ? 6 - defsz : defsz);
    }
    if (rex) {
        pfx |= PFX_REX;
    }
    insn->prefix = pfx;
    insn->rex = rex;

    DecodeEntry ent;
    uint32_t opcode = b;
    if (b == 0x0f) {
        if ((b = dec_get(d)) < 0) {
            return fail(d, insn);
        }
        if (b == 0x38 || b == 0x3a) {
            int b3 = dec_get(d);
            if (b3 < 0) {
                return fail(d, insn);
            }
            opcode = (b == 0x38 ? 0x0f3800 : 0x0f3a00) | b3;
            if (!bitmap_test(b == 0x38 ? decode_0f38_valid : decode_0f3a_valid, b3)) {
                insn->opcode = opcode;
                return ud(d, insn);
            }
            ent = b == 0x38 ? ent_sse : ent_ssei;
            if (opcode == 0x0f38f6 || opcode == 0x0f3882) {
                /* general-register / system instructions of the 0F 38
                 * map: ADCX/ADOX, INVPCID (by mandatory prefix below) */
                ent = (DecodeEntry){ OP_INVALID, DF_MODRM | DF_SPECIAL, { A_Gv, A_Ev, 0 } };
            }
        } else {
            opcode = 0x0f00 | b;
            ent = decode_map2[b];
            if ((b == 0x78 || b == 0x79) && !sse4a) {
                /* SSE4a not offered: no ModRM or immediates (the
                 * VMREAD/VMWRITE encodings, not offered either) */
                ent = (DecodeEntry){ OP_INVALID, 0, { 0, 0, 0 } };
            }
        }
    } else if (b == 0xc4 || b == 0xc5) {
        /* VEX in 64-bit mode; elsewhere when the next byte has mod=11,
         * which LES/LDS cannot have (SDM Vol.2 2.3.5) */
        if (mode == MODE_64 && rex) {
            /* REX before C4/C5: #UD (SDM Vol.2 2.3.2); the AMD host
             * takes its length as LES/LDS (ModRM and displacement are
             * fetched, a fetch #PF on them comes first), so do we */
            int m = dec_get(d);
            if (m < 0) {
                return fail(d, insn);
            }
            if ((m >> 6) != 3 && dec_mem(d, insn, m >> 6, m & 7, rex, mode) < 0) {
                return fail(d, insn);
            }
            return ud(d, insn);
        }
        if (mode != MODE_64) {
            int nb = dec_peek(d, d->pos);
            if (nb < 0) {
                return fail(d, insn);
            }
            if ((nb & 0xc0) != 0xc0) {
                ent = decode_map1[b];
                goto have_entry;
            }
        }
        return dec_vex(d, insn, mode, pfx, rex, b, seg_ovr);
    } else {
        ent = decode_map1[b];
    }
have_entry:
    insn->opcode = opcode;

    unsigned flags = ent.flags;
    unsigned modrm = 0, mod = 0, reg = 0, rm = 0;
    if (flags & DF_MODRM) {
        int m = dec_get(d);
        if (m < 0) {
            return fail(d, insn);
        }
        modrm = m;
        mod = modrm >> 6;
        reg = (modrm >> 3) & 7;
        rm = modrm & 7;
        insn->modrm = modrm;
    }
    if (flags & DF_GROUP) {
        unsigned g = ent.op;
        if ((flags & DF_GSPLIT) && mod == 3) {
            g++;
        }
        ent = g == GRP_7R ? decode_0f01_reg[modrm & 0x3f] : decode_groups[g][reg];
        flags = (flags & ~(DF_GROUP | DF_GSPLIT)) | ent.flags;
        insn->cond = reg;
    }
    if (flags & DF_SPECIAL) {
        switch (opcode) {
        case 0x63:
            if (mode == MODE_64) {      /* MOVSXD Gv, Ed */
                ent = (DecodeEntry){ OP_MOVSX, DF_MODRM, { A_Gv, A_Ed, 0 } };
                flags = DF_MODRM;
            }
            break;
        case 0x90:
            if (!(rex & 1)) {
                ent = (DecodeEntry){ (pfx & PFX_REP) ? OP_PAUSE : OP_NOP, 0, { 0, 0, 0 } };
            }
            break;
        case 0x0fbc: case 0x0fbd:
            /* F3 0F BC = TZCNT, F3 0F BD = LZCNT (SDM TZCNT/LZCNT); on a
             * CPU without BMI1/LZCNT the F3 is an ignored REP and the
             * instruction is BSF/BSR: the handler decides by the model. */
            if (pfx & PFX_REP) {
                ent.op = opcode == 0x0fbc ? OP_TZCNT : OP_LZCNT;
            }
            break;
        case 0x0f38f6:
            /* 66 0F 38 F6 = ADCX, F3 0F 38 F6 = ADOX (F3 wins over 66 as
             * for every mandatory prefix); Gy, Ey: 32 bits, 64 with REX.W,
             * 66 is not an operand-size prefix here (SDM ADCX/ADOX).
             * NP = WRSS and F2 are not offered: #UD. */
            if (pfx & PFX_REP) {
                ent.op = OP_ADOX;
            } else if ((pfx & PFX_OPSZ) && !(pfx & PFX_REPNE)) {
                ent.op = OP_ADCX;
            }
            opsize = (rex & 8) && mode == MODE_64 ? 8 : 4;
            break;
        case 0x0f3882:
            /* 66 0F 38 82 = INVPCID Gy, Mdq: r64 in 64-bit mode, else r32
             * (66 is mandatory, not an operand size; SDM INVPCID) */
            if ((pfx & PFX_OPSZ) && !(pfx & (PFX_REP | PFX_REPNE))) {
                ent = (DecodeEntry){ OP_INVPCID, DF_MODRM, { A_Gv, A_M, 0 } };
                flags = DF_MODRM;
            }
            opsize = mode == MODE_64 ? 8 : 4;
            break;
        case 0x0fb8:
            if (!(pfx & PFX_REP)) {     /* JMPE (IA-64 only): #UD */
                ent.op = OP_INVALID;
            }
            break;
        case 0x0fae:
            /* register forms: LFENCE/MFENCE/SFENCE are "NP" (66/F2 #UD,
             * e.g. the withdrawn PCOMMIT 66 0F AE F8); F3 selects the
             * FSGSBASE group (SDM Table A-6 group 15) */
            if (mod != 3 && reg == 6 && (pfx & PFX_OPSZ) && !(pfx & (PFX_REP | PFX_REPNE))) {
                /* 66 0F AE /6 memory: CLWB (NP is XSAVEOPT) */
                ent = (DecodeEntry){ OP_CLWB, DF_BYTE, { A_Mb, 0, 0 } };
                flags = DF_MODRM | DF_BYTE;
            } else if (mod == 3 && (pfx & PFX_REP)) {
                /* F3 (the last of F2/F3) wins over 66, which is ignored:
                 * Ry is 32 bits, 64 with REX.W (checked on the host) */
                if (reg < 4) {          /* RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE Ry */
                    static const uint16_t fsgs[4] = { OP_RDFSBASE, OP_RDGSBASE,
                                                      OP_WRFSBASE, OP_WRGSBASE };
                    ent = (DecodeEntry){ fsgs[reg], DF_ONLY64, { A_Rv, 0, 0 } };
                    flags = DF_MODRM | DF_ONLY64;
                    opsize = (rex & 8) ? 8 : 4;
                } else {
                    ent.op = OP_INVALID;
                }
            } else if (mod == 3 && (pfx & (PFX_OPSZ | PFX_REPNE))) {
                ent.op = OP_INVALID;
            }
            break;
        case 0x0fc7:
            if (mod == 3) {
                if (reg == 7 && (pfx & PFX_REP)) {  /* RDPID: 64/32-bit register */
                    ent = (DecodeEntry){ OP_RDPID, 0, { A_Rv, 0, 0 } };
                    flags = DF_MODRM | DF_F64;
                    opsize = 4;
                } else if (pfx & (PFX_REP | PFX_REPNE)) {
                    /* RDRAND/RDSEED are "NFx": F2/F3 are #UD, as on the
                     * host (F3 /6 is SENDUIPI on newer CPUs) */
                    ent.op = OP_INVALID;
                }
            }
            break;
        }
    }
    insn->op = ent.op;
    if (ent.op == OP_INVALID) {
        return ud(d, insn);
    }
    if ((flags & DF_NO64) && mode == MODE_64) {
        return ud(d, insn);
    }
    if ((flags & DF_ONLY64) && mode != MODE_64) {
        return ud(d, insn);
    }
    if ((flags & DF_REGONLY) && mod != 3) {
        return ud(d, insn);
    }

    /* ---- effective operand size (SDM Vol.1 3.6, Vol.2 Table A-1 d64/f64) ---- */
    if (flags & DF_BYTE) {
        opsize = 1;
    } else if (mode == MODE_64 && (flags & DF_F64)) {
        opsize = 8;
    } else if (mode == MODE_64 && (flags & DF_D64)) {
        opsize = (pfx & PFX_OPSZ) && !(rex & 8) ? 2 : 8;
    }
    if ((flags & DF_OPZ) && opsize == 8) {
        opsize = 4;
    }
    if (flags & DF_OP16) {
        opsize = 2;
    }
    insn->opsize = opsize;
    if (flags & DF_COND) {
        insn->cond = opcode & 0xf;
    }

    /* ---- SIB / displacement (before any immediate) ---- */
    bool has_mem = false;
    if ((flags & DF_MODRM) && mod != 3 &&
        ent.arg[0] != A_Rcr && ent.arg[1] != A_Rcr) {
        int dseg = dec_mem(d, insn, mod, rm, rex, mode);
        if (dseg < 0) {
            return fail(d, insn);
        }
        insn->seg = seg_ovr >= 0 ? seg_ovr : dseg;
        has_mem = true;
    }
    if (flags & DF_SEGDS) {
        insn->seg = seg_ovr >= 0 ? seg_ovr : R_DS;
    }

    /* ---- operands ---- */
    unsigned n = 0;
    unsigned rexr = (rex & 4) << 1, rexb = (rex & 1) << 3;
    for (unsigned i = 0; i < 3 && ent.arg[i]; i++) {
        InsnOperand *o = &insn->ops[n];
        unsigned a = ent.arg[i];
        unsigned size = 0, nb;
        int64_t v;
        switch (a) {
        case A_Eb: size = 1; goto rm_any;
        case A_Ew: size = 2; goto rm_any;
        case A_Ed: size = opsize == 2 ? 2 : 4; goto rm_any;   /* MOVSXD source */
        case A_Ev: size = opsize; goto rm_any;
        case A_Evw: size = has_mem ? 2 : opsize; goto rm_any;
        case A_Wx:
        rm_any:
            if (has_mem) {
                o->kind = OPK_MEM;
                o->size = size;
            } else {
                set_reg(o, rm | rexb, size, rex);
            }
            break;
        case A_M: size = opsize; goto rm_mem;
        case A_Mb: size = 1; goto rm_mem;
        case A_Mw: size = 2; goto rm_mem;
        case A_Mp: size = opsize; goto rm_mem;
        case A_Ms: size = opsize; goto rm_mem;
        case A_Mq: size = (rex & 8) ? 16 : 8; goto rm_mem;
        rm_mem:
            if (!has_mem) {
                return ud(d, insn);
            }
            o->kind = OPK_MEM;
            o->size = size;
            break;
        case A_Rv: size = opsize; goto rm_reg;
        case A_Rw: size = 2;
        rm_reg:
            if (has_mem) {
                return ud(d, insn);
            }
            set_reg(o, rm | rexb, size, rex);
            break;
        case A_Rcr:
            /* MOV to/from CR/DR: the r/m field always names a register
             * (SDM MOV-Move to/from Control Registers: mod is ignored) */
            size = mode == MODE_64 ? 8 : 4;
            o->kind = OPK_REG;
            o->size = size;
            o->reg = rm | rexb;
            insn->opsize = size;
            break;
        case A_Gb: set_reg(o, reg | rexr, 1, rex); break;
        case A_Gw: set_reg(o, reg | rexr, 2, rex); break;
        case A_Gv: set_reg(o, reg | rexr, opsize, rex); break;
        case A_Sw:
            /* Sreg 6/7 do not exist; MOV CS, r/m is #UD (SDM MOV) */
            if (reg > R_GS || (i == 0 && reg == R_CS)) {
                return ud(d, insn);
            }
            o->kind = OPK_SREG;
            o->size = 2;
            o->reg = reg;
            break;
        case A_Cd:
            v = reg | rexr;
            if (!(v == 0 || v == 2 || v == 3 || v == 4 || v == 8)) {
                return ud(d, insn);
            }
            o->kind = OPK_CREG;
            o->size = mode == MODE_64 ? 8 : 4;
            o->reg = v;
            break;
        case A_Dd:
            if (rexr) {                 /* DR8-DR15: #UD */
                return ud(d, insn);
            }
            o->kind = OPK_DREG;
            o->size = mode == MODE_64 ? 8 : 4;
            o->reg = reg;
            break;
        case A_Ib:
            if (!dec_uval(d, 1, &insn->imm)) {
                return fail(d, insn);
            }
            o->kind = OPK_IMM;
            o->size = 1;
            break;
        case A_Ibs:
            if (!dec_sval(d, 1, &insn->imm)) {
                return fail(d, insn);
            }
            o->kind = OPK_IMM;
            o->size = opsize;
            break;
        case A_Iw:
            if (!dec_uval(d, 2, &insn->imm)) {
                return fail(d, insn);
            }
            o->kind = OPK_IMM;
            o->size = 2;
            break;
        case A_Iz:
        case A_Jz:
            if (!dec_sval(d, opsize == 2 ? 2 : 4, &insn->imm)) {
                return fail(d, insn);
            }
            o->kind = OPK_IMM;
            o->size = opsize;
            break;
        case A_Iv:
            if (!dec_sval(d, opsize, &insn->imm)) {
                return fail(d, insn);
            }
            o->kind = OPK_IMM;
            o->size = opsize;
            break;
        case A_Jb:
            if (!dec_sval(d, 1, &insn->imm)) {
                return fail(d, insn);
            }
            o->kind = OPK_IMM;
            o->size = opsize;
            break;
        case A_Ap:
            nb = opsize == 2 ? 2 : 4;
            if (!dec_uval(d, nb, &insn->imm) || !dec_uval(d, 2, &insn->imm2)) {
                return fail(d, insn);
            }
            o->kind = OPK_IMM;
            o->size = nb;
            break;
        case A_ENTER:
            if (!dec_uval(d, 2, &insn->imm) || !dec_uval(d, 1, &insn->imm2)) {
                return fail(d, insn);
            }
            continue;                   /* no operand slot */
        case A_AL: set_reg(o, R_EAX, 1, rex); break;
        case A_rAX: case A_eAX: set_reg(o, R_EAX, opsize, rex); break;
        case A_CL: set_reg(o, R_ECX, 1, rex); break;
        case A_DX: set_reg(o, R_EDX, 2, rex); break;
        case A_ONE:
            insn->imm = 1;
            o->kind = OPK_IMM;
            o->size = 1;
            break;
        case A_Zb: set_reg(o, (opcode & 7) | rexb, 1, rex); break;
        case A_Zv: set_reg(o, (opcode & 7) | rexb, opsize, rex); break;
        case A_Ob: case A_Ov:
            /* moffs: an address-size offset, no ModRM (SDM MOV, A0-A3) */
            if (!dec_uval(d, insn->addrsize, &insn->mem.disp)) {
                return fail(d, insn);
            }
            insn->seg = seg_ovr >= 0 ? seg_ovr : R_DS;
            o->kind = OPK_MEM;
            o->size = a == A_Ob ? 1 : opsize;
            break;
        case A_ES: case A_CS: case A_SS: case A_DS: case A_FS: case A_GS:
            o->kind = OPK_SREG;
            o->size = 2;
            o->reg = a - A_ES;
            break;
        default:
            return ud(d, insn);
        }
        n++;
    }
    insn->nr_ops = n;

    /* LOCK: only lockable operations with a memory destination (SDM
     * Vol.2 LOCK: #UD otherwise) */
    if ((pfx & PFX_LOCK) &&
        (!(insn_op_flags[insn->op] & IF_LOCK) || n == 0 || insn->ops[0].kind != OPK_MEM)) {
        return ud(d, insn);
    }
    insn->len = d->pos;
    return DECODE_OK;
}

DecodeResult decode_insn(Insn *insn, CpuMode mode, InsnFetch fetch, void *opaque)
{
    Dec d = { .fetch = fetch, .opaque = opaque };
    return decode_common(&d, insn, mode);
}

DecodeResult decode_buf(Insn *insn, CpuMode mode, const uint8_t *buf, unsigned avail)
{
    static const uint8_t none;
    Dec d = { .buf = buf ? buf : &none, .avail = buf ? avail : 0 };
    d.fast_end = d.avail < MAX_INSN_LEN ? d.avail : MAX_INSN_LEN;
    return decode_common(&d, insn, mode);
}
