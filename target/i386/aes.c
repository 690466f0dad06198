/*
 * target/i386/aes.c - AES-NI (AESENC, AESENCLAST, AESDEC, AESDECLAST,
 * AESIMC, AESKEYGENASSIST) and PCLMULQDQ, the AES-GCM pair, in portable C.
 *
 * Design: one AES round on a 16-byte state held exactly as the XMM
 * register holds it: byte i of the register is state byte s[r][c] with
 * r = i % 4 and c = i / 4 (FIPS-197 3.4, the column-major input order the
 * SDM's AESENC pseudo-code uses).  The S-box and its inverse are computed
 * once from their definition (FIPS-197 5.1.1: multiplicative inverse in
 * GF(2^8) modulo x^8 + x^4 + x^3 + x + 1, then the affine transformation),
 * so no table is copied from anywhere; the unit tests compare every
 * instruction with the host's own AES-NI.  Host intrinsics are not used:
 * the results must not depend on the host having AES-NI.
 *
 * Exceptions follow the legacy-SSE rules of sse.c (CR0.EM/TS, CR4.OSFXSR,
 * 16-byte alignment of m128: SDM Vol.2 Table 2-21 "Type 4"), checked by
 * sse_execute() before a handler runs; the feature gates (CPUID.1:ECX.AES
 * [25], .PCLMULQDQ[1]) are the table entries' FT_* (sse.c).  The VEX forms
 * (avx.c) use the same handlers with VEX.vvvv as first source; VEX.256 of
 * the four rounds (VAES) and of PCLMULQDQ (VPCLMULQDQ) is one call per
 * 128-bit lane (SseCtx.lane), each lane computed exactly as the 128-bit
 * instruction with the same imm8.
 */
#include <pthread.h>

#include "target/i386/sse.h"

static uint8_t sbox[256], inv_sbox[256];
static pthread_once_t sbox_once = PTHREAD_ONCE_INIT;

/* Multiplication in GF(2^8) modulo the AES polynomial 0x11b (FIPS-197 4.2). */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    uint8_t p = 0;
    while (b) {
        if (b & 1) {
            p ^= a;
        }
        a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return p;
}

static uint8_t rotl8(uint8_t x, unsigned n)
{
    return (uint8_t)((x << n) | (x >> (8 - n)));
}

static void sbox_init(void)
{
    for (unsigned x = 0; x < 256; x++) {
        /* inverse: x^254 (x^255 = 1 for x != 0); 0 maps to 0 */
        uint8_t inv = 0;
        if (x) {
            uint8_t p = (uint8_t)x;
            inv = 1;
            for (unsigned e = 254; e; e >>= 1) {
                if (e & 1) {
                    inv = gf_mul(inv, p);
                }
                p = gf_mul(p, p);
            }
        }
        /* affine transformation (FIPS-197 equation 5.1) */
        uint8_t s = inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63;
        sbox[x] = s;
        inv_sbox[s] = (uint8_t)x;
    }
}

static void tables(void)
{
    pthread_once(&sbox_once, sbox_init);
}

/* ShiftRows: row r rotates left by r columns (FIPS-197 5.1.2); inverse:
 * right by r (5.3.1). */
static void shift_rows(uint8_t s[16], bool inv)
{
    uint8_t t[16];
    for (unsigned c = 0; c < 4; c++) {
        for (unsigned r = 0; r < 4; r++) {
            unsigned from = inv ? (c + 4 - r) % 4 : (c + r) % 4;
            t[r + 4 * c] = s[r + 4 * from];
        }
    }
    memcpy(s, t, 16);
}

static void sub_bytes(uint8_t s[16], bool inv)
{
    for (unsigned i = 0; i < 16; i++) {
        s[i] = inv ? inv_sbox[s[i]] : sbox[s[i]];
    }
}

/* MixColumns: each column times a(x) = {03}x^3 + {01}x^2 + {01}x + {02}
 * (FIPS-197 5.1.3); inverse: a^-1(x) = {0b}x^3 + {0d}x^2 + {09}x + {0e}
 * (5.3.3). */
static void mix_columns(uint8_t s[16], bool inv)
{
    static const uint8_t fwd[4] = { 2, 3, 1, 1 }, bwd[4] = { 14, 11, 13, 9 };
    const uint8_t *m = inv ? bwd : fwd;
    for (unsigned c = 0; c < 4; c++) {
        uint8_t *col = &s[4 * c], t[4];
        for (unsigned r = 0; r < 4; r++) {
            t[r] = gf_mul(col[0], m[(4 - r) % 4]) ^ gf_mul(col[1], m[(5 - r) % 4]) ^
                   gf_mul(col[2], m[(6 - r) % 4]) ^ gf_mul(col[3], m[(7 - r) % 4]);
        }
        memcpy(col, t, 4);
    }
}

enum { AES_ENC, AES_ENCLAST, AES_DEC, AES_DECLAST };

/* AESENC xmm1, xmm2/m128 (66 0F 38 DC..DF, arg = AES_*): one round on
 * xmm1 with the round key xmm2/m128 (SDM AESENC/AESDEC Operation). */
void sse_h_aes_round(SseCtx *c)
{
    XMMReg st, key;
    tables();
    sse_dst_get(c, &st);          /* VEX: the vvvv source */
    sse_src(c, &key);
    bool dec = c->arg == AES_DEC || c->arg == AES_DECLAST;
    bool last = c->arg == AES_ENCLAST || c->arg == AES_DECLAST;
    shift_rows(st.b, dec);
    sub_bytes(st.b, dec);
    if (!last) {
        mix_columns(st.b, dec);
    }
    st.q[0] ^= key.q[0];
    st.q[1] ^= key.q[1];
    sse_dst_set(c, &st);
}

/* AESIMC xmm1, xmm2/m128 (66 0F 38 DB): InvMixColumns of the source, to
 * turn encryption round keys into those of the equivalent inverse cipher
 * (FIPS-197 5.3.5). */
void sse_h_aesimc(SseCtx *c)
{
    XMMReg s;
    sse_src(c, &s);
    mix_columns(s.b, true);
    sse_dst_set(c, &s);
}

static uint32_t sub_word(uint32_t w)
{
    return (uint32_t)sbox[w & 0xff] | (uint32_t)sbox[(w >> 8) & 0xff] << 8 |
           (uint32_t)sbox[(w >> 16) & 0xff] << 16 | (uint32_t)sbox[w >> 24] << 24;
}

/* RotWord([a0,a1,a2,a3]) = [a1,a2,a3,a0] (FIPS-197 5.2), a0 the low byte. */
static uint32_t rot_word(uint32_t w)
{
    return (w >> 8) | (w << 24);
}

/* AESKEYGENASSIST xmm1, xmm2/m128, imm8 (66 0F 3A DF): SubWord and
 * RotWord of source dwords 1 and 3, the imm8 as RCON (SDM Operation). */
void sse_h_aeskeygen(SseCtx *c)
{
    XMMReg s, d;
    tables();
    sse_src(c, &s);
    uint32_t rcon = c->imm, x1 = sub_word(s.l[1]), x3 = sub_word(s.l[3]);
    d.l[0] = x1;
    d.l[1] = rot_word(x1) ^ rcon;
    d.l[2] = x3;
    d.l[3] = rot_word(x3) ^ rcon;
    sse_dst_set(c, &d);
}

/* Carry-less product of two 64-bit polynomials over GF(2): 128 bits. */
static void clmul64(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    uint64_t l = 0, h = 0;
    for (unsigned i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            l ^= a << i;
            h ^= i ? a >> (64 - i) : 0;
        }
    }
    *lo = l;
    *hi = h;
}

/* PCLMULQDQ xmm1, xmm2/m128, imm8 (66 0F 3A 44): imm8[0] picks the
 * quadword of xmm1, imm8[4] that of the source; other bits are ignored
 * (SDM PCLMULQDQ Operation). */
void sse_h_pclmul(SseCtx *c)
{
    XMMReg d, s;
    sse_dst_get(c, &d);
    sse_src(c, &s);
    uint64_t a = d.q[c->imm & 1], b = s.q[(c->imm >> 4) & 1];
    clmul64(a, b, &d.q[0], &d.q[1]);
    sse_dst_set(c, &d);
}
