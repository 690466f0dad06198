/*
 * target/i386/sse_int.c - integer SIMD: MMX (64-bit, mm registers) and
 * SSE2 (128-bit, xmm registers with the 66 prefix), plus SSSE3.
 *
 * Design: every operation is written once over n bytes (8 for MMX, 16 for
 * XMM) in sse_int_op(); the two encodings share it.  Lane arithmetic
 * follows the SDM's Operation sections: saturation to the element range
 * (SDM Vol.1 4.6.1), rounding averages (PAVG: (a + b + 1) >> 1), shift
 * counts above the element width giving zero (logical) or the sign
 * (arithmetic), pack/unpack ordering "destination first".
 */
#include "target/i386/sse.h"

static inline int8_t sat8(int v) { return v > 127 ? 127 : v < -128 ? -128 : v; }
static inline uint8_t satu8(int v) { return v > 255 ? 255 : v < 0 ? 0 : v; }
static inline int16_t sat16(int v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }
static inline uint16_t satu16(int v) { return v > 65535 ? 65535 : v < 0 ? 0 : v; }

static void shift(unsigned op, XMMReg *d, uint64_t cnt, unsigned n)
{
    switch (op) {
    case IOP_PSRLW: for (unsigned i = 0; i < n / 2; i++) d->w[i] = cnt > 15 ? 0 : d->w[i] >> cnt; break;
    case IOP_PSRLD: for (unsigned i = 0; i < n / 4; i++) d->l[i] = cnt > 31 ? 0 : d->l[i] >> cnt; break;
    case IOP_PSRLQ: for (unsigned i = 0; i < n / 8; i++) d->q[i] = cnt > 63 ? 0 : d->q[i] >> cnt; break;
    case IOP_PSLLW: for (unsigned i = 0; i < n / 2; i++) d->w[i] = cnt > 15 ? 0 : (uint16_t)(d->w[i] << cnt); break;
    case IOP_PSLLD: for (unsigned i = 0; i < n / 4; i++) d->l[i] = cnt > 31 ? 0 : d->l[i] << cnt; break;
    case IOP_PSLLQ: for (unsigned i = 0; i < n / 8; i++) d->q[i] = cnt > 63 ? 0 : d->q[i] << cnt; break;
    case IOP_PSRAW: for (unsigned i = 0; i < n / 2; i++) d->sw[i] = d->sw[i] >> (cnt > 15 ? 15 : cnt); break;
    case IOP_PSRAD: for (unsigned i = 0; i < n / 4; i++) d->sl[i] = d->sl[i] >> (cnt > 31 ? 31 : cnt); break;
    }
}

void sse_int_op(unsigned op, XMMReg *d, const XMMReg *s, unsigned n)
{
    XMMReg r = *d;
    unsigned nb = n, nw = n / 2, nd = n / 4, nq = n / 8;

    switch (op) {
    case IOP_PADDB: for (unsigned i = 0; i < nb; i++) r.b[i] = d->b[i] + s->b[i]; break;
    case IOP_PADDW: for (unsigned i = 0; i < nw; i++) r.w[i] = d->w[i] + s->w[i]; break;
    case IOP_PADDD: for (unsigned i = 0; i < nd; i++) r.l[i] = d->l[i] + s->l[i]; break;
    case IOP_PADDQ: for (unsigned i = 0; i < nq; i++) r.q[i] = d->q[i] + s->q[i]; break;
    case IOP_PSUBB: for (unsigned i = 0; i < nb; i++) r.b[i] = d->b[i] - s->b[i]; break;
    case IOP_PSUBW: for (unsigned i = 0; i < nw; i++) r.w[i] = d->w[i] - s->w[i]; break;
    case IOP_PSUBD: for (unsigned i = 0; i < nd; i++) r.l[i] = d->l[i] - s->l[i]; break;
    case IOP_PSUBQ: for (unsigned i = 0; i < nq; i++) r.q[i] = d->q[i] - s->q[i]; break;
    case IOP_PADDSB: for (unsigned i = 0; i < nb; i++) r.sb[i] = sat8(d->sb[i] + s->sb[i]); break;
    case IOP_PADDSW: for (unsigned i = 0; i < nw; i++) r.sw[i] = sat16(d->sw[i] + s->sw[i]); break;
    case IOP_PADDUSB: for (unsigned i = 0; i < nb; i++) r.b[i] = satu8(d->b[i] + s->b[i]); break;
    case IOP_PADDUSW: for (unsigned i = 0; i < nw; i++) r.w[i] = satu16(d->w[i] + s->w[i]); break;
    case IOP_PSUBSB: for (unsigned i = 0; i < nb; i++) r.sb[i] = sat8(d->sb[i] - s->sb[i]); break;
    case IOP_PSUBSW: for (unsigned i = 0; i < nw; i++) r.sw[i] = sat16(d->sw[i] - s->sw[i]); break;
    case IOP_PSUBUSB: for (unsigned i = 0; i < nb; i++) r.b[i] = satu8(d->b[i] - s->b[i]); break;
    case IOP_PSUBUSW: for (unsigned i = 0; i < nw; i++) r.w[i] = satu16(d->w[i] - s->w[i]); break;
    case IOP_PCMPEQB: for (unsigned i = 0; i < nb; i++) r.b[i] = d->b[i] == s->b[i] ? 0xff : 0; break;
    case IOP_PCMPEQW: for (unsigned i = 0; i < nw; i++) r.w[i] = d->w[i] == s->w[i] ? 0xffff : 0; break;
    case IOP_PCMPEQD: for (unsigned i = 0; i < nd; i++) r.l[i] = d->l[i] == s->l[i] ? ~0u : 0; break;
    case IOP_PCMPGTB: for (unsigned i = 0; i < nb; i++) r.b[i] = d->sb[i] > s->sb[i] ? 0xff : 0; break;
    case IOP_PCMPGTW: for (unsigned i = 0; i < nw; i++) r.w[i] = d->sw[i] > s->sw[i] ? 0xffff : 0; break;
    case IOP_PCMPGTD: for (unsigned i = 0; i < nd; i++) r.l[i] = d->sl[i] > s->sl[i] ? ~0u : 0; break;
    case IOP_PMULLW: for (unsigned i = 0; i < nw; i++) r.w[i] = (uint16_t)(d->w[i] * s->w[i]); break;
    case IOP_PMULHW:
        for (unsigned i = 0; i < nw; i++) r.w[i] = (uint16_t)(((int32_t)d->sw[i] * s->sw[i]) >> 16);
        break;
    case IOP_PMULHUW:
        for (unsigned i = 0; i < nw; i++) r.w[i] = (uint16_t)(((uint32_t)d->w[i] * s->w[i]) >> 16);
        break;
    case IOP_PMULUDQ:
        for (unsigned i = 0; i < nq; i++) r.q[i] = (uint64_t)d->l[2 * i] * s->l[2 * i];
        break;
    case IOP_PMADDWD:
        /* the only overflow, 0x8000 * 0x8000 * 2, wraps to 0x80000000 */
        for (unsigned i = 0; i < nd; i++) {
            r.l[i] = (uint32_t)((int32_t)d->sw[2 * i] * s->sw[2 * i]) +
                     (uint32_t)((int32_t)d->sw[2 * i + 1] * s->sw[2 * i + 1]);
        }
        break;
    case IOP_PMINUB: for (unsigned i = 0; i < nb; i++) r.b[i] = d->b[i] < s->b[i] ? d->b[i] : s->b[i]; break;
    case IOP_PMAXUB: for (unsigned i = 0; i < nb; i++) r.b[i] = d->b[i] > s->b[i] ? d->b[i] : s->b[i]; break;
    case IOP_PMINSW: for (unsigned i = 0; i < nw; i++) r.sw[i] = d->sw[i] < s->sw[i] ? d->sw[i] : s->sw[i]; break;
    case IOP_PMAXSW: for (unsigned i = 0; i < nw; i++) r.sw[i] = d->sw[i] > s->sw[i] ? d->sw[i] : s->sw[i]; break;
    case IOP_PAVGB: for (unsigned i = 0; i < nb; i++) r.b[i] = (uint8_t)((d->b[i] + s->b[i] + 1) >> 1); break;
    case IOP_PAVGW: for (unsigned i = 0; i < nw; i++) r.w[i] = (uint16_t)((d->w[i] + s->w[i] + 1) >> 1); break;
    case IOP_PSADBW:
        for (unsigned q = 0; q < nq; q++) {
            unsigned sum = 0;
            for (unsigned i = 0; i < 8; i++) {
                int x = d->b[q * 8 + i] - s->b[q * 8 + i];
                sum += x < 0 ? -x : x;
            }
            r.q[q] = sum;
        }
        break;
    case IOP_PAND: for (unsigned i = 0; i < nq; i++) r.q[i] = d->q[i] & s->q[i]; break;
    case IOP_PANDN: for (unsigned i = 0; i < nq; i++) r.q[i] = ~d->q[i] & s->q[i]; break;
    case IOP_POR: for (unsigned i = 0; i < nq; i++) r.q[i] = d->q[i] | s->q[i]; break;
    case IOP_PXOR: for (unsigned i = 0; i < nq; i++) r.q[i] = d->q[i] ^ s->q[i]; break;
    case IOP_PUNPCKLBW: case IOP_PUNPCKHBW: {
        unsigned h = op == IOP_PUNPCKHBW ? nb / 2 : 0;
        for (unsigned i = 0; i < nb / 2; i++) {
            r.b[2 * i] = d->b[h + i];
            r.b[2 * i + 1] = s->b[h + i];
        }
        break;
    }
    case IOP_PUNPCKLWD: case IOP_PUNPCKHWD: {
        unsigned h = op == IOP_PUNPCKHWD ? nw / 2 : 0;
        for (unsigned i = 0; i < nw / 2; i++) {
            r.w[2 * i] = d->w[h + i];
            r.w[2 * i + 1] = s->w[h + i];
        }
        break;
    }
    case IOP_PUNPCKLDQ: case IOP_PUNPCKHDQ: {
        unsigned h = op == IOP_PUNPCKHDQ ? nd / 2 : 0;
        for (unsigned i = 0; i < nd / 2; i++) {
            r.l[2 * i] = d->l[h + i];
            r.l[2 * i + 1] = s->l[h + i];
        }
        break;
    }
    case IOP_PUNPCKLQDQ: r.q[0] = d->q[0]; r.q[1] = s->q[0]; break;
    case IOP_PUNPCKHQDQ: r.q[0] = d->q[1]; r.q[1] = s->q[1]; break;
    case IOP_PACKSSWB:
        for (unsigned i = 0; i < nw; i++) {
            r.sb[i] = sat8(d->sw[i]);
            r.sb[nw + i] = sat8(s->sw[i]);
        }
        break;
    case IOP_PACKUSWB:
        for (unsigned i = 0; i < nw; i++) {
            r.b[i] = satu8(d->sw[i]);
            r.b[nw + i] = satu8(s->sw[i]);
        }
        break;
    case IOP_PACKSSDW:
        for (unsigned i = 0; i < nd; i++) {
            r.sw[i] = sat16(d->sl[i]);
            r.sw[nd + i] = sat16(s->sl[i]);
        }
        break;
    case IOP_PSRLW: case IOP_PSRLD: case IOP_PSRLQ: case IOP_PSRAW: case IOP_PSRAD:
    case IOP_PSLLW: case IOP_PSLLD: case IOP_PSLLQ:
        shift(op, &r, s->q[0], n);
        break;
    /* ---- SSSE3 ---- */
    case IOP_PSHUFB:
        for (unsigned i = 0; i < nb; i++) {
            r.b[i] = (s->b[i] & 0x80) ? 0 : d->b[s->b[i] & (nb - 1)];
        }
        break;
    case IOP_PHADDW: case IOP_PHSUBW: case IOP_PHADDSW: case IOP_PHSUBSW:
        for (unsigned i = 0; i < nw / 2; i++) {
            int a = d->sw[2 * i], b = d->sw[2 * i + 1];
            int x = s->sw[2 * i], y = s->sw[2 * i + 1];
            int u, v;
            if (op == IOP_PHADDW || op == IOP_PHADDSW) {
                u = a + b;
                v = x + y;
            } else {
                u = a - b;
                v = x - y;
            }
            if (op == IOP_PHADDSW || op == IOP_PHSUBSW) {
                u = sat16(u);
                v = sat16(v);
            }
            r.w[i] = (uint16_t)u;
            r.w[nw / 2 + i] = (uint16_t)v;
        }
        break;
    case IOP_PHADDD: case IOP_PHSUBD:
        for (unsigned i = 0; i < nd / 2; i++) {
            if (op == IOP_PHADDD) {
                r.l[i] = d->l[2 * i] + d->l[2 * i + 1];
                r.l[nd / 2 + i] = s->l[2 * i] + s->l[2 * i + 1];
            } else {
                r.l[i] = d->l[2 * i] - d->l[2 * i + 1];
                r.l[nd / 2 + i] = s->l[2 * i] - s->l[2 * i + 1];
            }
        }
        break;
    case IOP_PMADDUBSW:
        for (unsigned i = 0; i < nw; i++) {
            r.sw[i] = sat16(d->b[2 * i] * s->sb[2 * i] + d->b[2 * i + 1] * s->sb[2 * i + 1]);
        }
        break;
    case IOP_PSIGNB:
        for (unsigned i = 0; i < nb; i++) {
            r.sb[i] = s->sb[i] < 0 ? (int8_t)-d->sb[i] : s->sb[i] ? d->sb[i] : 0;
        }
        break;
    case IOP_PSIGNW:
        for (unsigned i = 0; i < nw; i++) {
            r.sw[i] = s->sw[i] < 0 ? (int16_t)-d->sw[i] : s->sw[i] ? d->sw[i] : 0;
        }
        break;
    case IOP_PSIGND:
        for (unsigned i = 0; i < nd; i++) {
            r.l[i] = s->sl[i] < 0 ? -d->l[i] : s->sl[i] ? d->l[i] : 0;
        }
        break;
    case IOP_PMULHRSW:
        for (unsigned i = 0; i < nw; i++) {
            r.w[i] = (uint16_t)((((int32_t)d->sw[i] * s->sw[i] >> 14) + 1) >> 1);
        }
        break;
    case IOP_PABSB: for (unsigned i = 0; i < nb; i++) r.b[i] = s->sb[i] < 0 ? -s->sb[i] : s->sb[i]; break;
    case IOP_PABSW: for (unsigned i = 0; i < nw; i++) r.w[i] = s->sw[i] < 0 ? -s->sw[i] : s->sw[i]; break;
    case IOP_PABSD: for (unsigned i = 0; i < nd; i++) r.l[i] = s->sl[i] < 0 ? -(uint32_t)s->sl[i] : (uint32_t)s->sl[i]; break;
    }
    *d = r;
}

void sse_h_int(SseCtx *c)
{
    XMMReg d, s;
    sse_src(c, &s);
    sse_dst_get(c, &d);
    sse_int_op(c->arg, &d, &s, c->mmx ? 8 : 16);
    sse_dst_set(c, &d);
}

/* 0F 71/72/73 (arg = element size): /2 PSRL, /4 PSRA, /6 PSLL; 66 0F 73
 * /3 PSRLDQ and /7 PSLLDQ shift the whole register by bytes.  The
 * destination is the r/m register. */
static const int8_t shift_imm_ops[3][8] = {
    { -1, -1, IOP_PSRLW, -1, IOP_PSRAW, -1, IOP_PSLLW, -1 },
    { -1, -1, IOP_PSRLD, -1, IOP_PSRAD, -1, IOP_PSLLD, -1 },
    { -1, -1, IOP_PSRLQ, -1, -1, -1, IOP_PSLLQ, -1 },
};

/* Whether the ModRM.reg of a 0F 71/72/73 form names an instruction: an
 * undefined one is #UD before #NM and #MF, which need a defined opcode. */
bool sse_shift_imm_defined(unsigned elem_size, bool mmx, unsigned sub)
{
    if (elem_size == 8 && !mmx && (sub == 3 || sub == 7)) {
        return true;
    }
    return shift_imm_ops[elem_size == 2 ? 0 : elem_size == 4 ? 1 : 2][sub & 7] >= 0;
}

void sse_h_shift_imm(SseCtx *c)
{
    const int8_t (*ops)[8] = shift_imm_ops;
    unsigned sub = (c->insn->modrm >> 3) & 7;
    unsigned n = c->mmx ? 8 : 16;
    XMMReg d;

    if (c->mmx) {
        memset(&d, 0, sizeof(d));
        d.q[0] = mmx_get(c->env, c->rm);
    } else {
        sse_rm_get(c, &d);
    }
    if (c->arg == 8 && !c->mmx && (sub == 3 || sub == 7)) {
        unsigned k = c->imm > 16 ? 16 : c->imm;
        XMMReg r;
        memset(&r, 0, sizeof(r));
        for (unsigned i = 0; i < 16; i++) {
            if (sub == 3 && i + k < 16) {
                r.b[i] = d.b[i + k];
            } else if (sub == 7 && i >= k) {
                r.b[i] = d.b[i - k];
            }
        }
        d = r;
    } else {
        int op = ops[c->arg == 2 ? 0 : c->arg == 4 ? 1 : 2][sub];
        if (op < 0) {
            cpu_raise_exception(c->env, EXCP_UD);
        }
        shift(op, &d, c->imm, n);
    }
    if (c->mmx) {
        mmx_set(c->env, c->rm, d.q[0]);
    } else {
        /* VEX: the destination is VEX.vvvv (VPSRLW xmm1(vvvv), xmm2, imm8) */
        sse_lane_set(c, c->vex ? c->v1 : c->rm, c->lane, &d);
    }
}

/* 0F 70: PSHUFW (arg 0, MMX), PSHUFD (1), PSHUFHW (2), PSHUFLW (3). */
void sse_h_pshuf(SseCtx *c)
{
    XMMReg s, r;
    unsigned imm = c->imm;
    sse_src(c, &s);
    r = s;
    switch (c->arg) {
    case 0:
        memset(&r, 0, sizeof(r));
        for (int i = 0; i < 4; i++) r.w[i] = s.w[(imm >> (2 * i)) & 3];
        break;
    case 1:
        for (int i = 0; i < 4; i++) r.l[i] = s.l[(imm >> (2 * i)) & 3];
        break;
    case 2:
        for (int i = 0; i < 4; i++) r.w[4 + i] = s.w[4 + ((imm >> (2 * i)) & 3)];
        break;
    case 3:
        for (int i = 0; i < 4; i++) r.w[i] = s.w[(imm >> (2 * i)) & 3];
        break;
    }
    sse_dst_set(c, &r);
}

/* PALIGNR (0F 3A 0F): (dst:src) >> (imm8 * 8), low n bytes. */
void sse_h_palignr(SseCtx *c)
{
    XMMReg d, s, r;
    uint8_t cat[64] = { 0 };
    unsigned n = c->mmx ? 8 : 16;
    sse_src(c, &s);
    sse_dst_get(c, &d);
    memcpy(cat, s.b, n);
    memcpy(cat + n, d.b, n);
    memset(&r, 0, sizeof(r));
    for (unsigned i = 0; i < n; i++) {
        unsigned k = i + c->imm;
        r.b[i] = k < 2 * n ? cat[k] : 0;
    }
    sse_dst_set(c, &r);
}
