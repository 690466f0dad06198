/*
 * target/i386/sha.c - the SHA extensions (SHA1RNDS4, SHA1NEXTE, SHA1MSG1,
 * SHA1MSG2, SHA256RNDS2, SHA256MSG1, SHA256MSG2) in portable C.
 *
 * Design: each handler is the Operation section of its SDM Vol.2 page,
 * with the SHA-1 and SHA-256 functions and constants of FIPS 180-4
 * (4.1.1 f_t, 4.1.2 Ch/Maj/Sigma/sigma, 4.2.1 K_t for SHA-1).  Registers
 * are four dwords; the SDM numbers them from the top (SRC[127:96] is the
 * first word A / W0), so l[3] is read first.  SHA256RNDS2 takes its two
 * message+constant words from XMM0 implicitly.  The unit tests compare
 * every instruction and every SHA1RNDS4 imm8 with the host's SHA-NI.
 *
 * Exceptions are the legacy-SSE ones (sse.c): m128 must be 16-byte
 * aligned on Intel (SDM Table 2-21 "Type 4") but not on AMD, where the
 * host runs misaligned operands, so sse_execute() relaxes it for AMD
 * models; the gate is CPUID.(7,0):EBX.SHA[29] (FT_SHA).  Only the NP
 * forms exist: 66/F2/F3 are #UD (holes).
 */
#include "target/i386/sse.h"

static inline uint32_t rol32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static inline uint32_t ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

/* ---- SHA-1 ---- */

/* f_t of FIPS 180-4 4.1.1 by round group (imm8[1:0] of SHA1RNDS4). */
static uint32_t sha1_f(unsigned t, uint32_t b, uint32_t c, uint32_t d)
{
    switch (t) {
    case 0: return (b & c) ^ (~b & d);            /* Ch */
    case 2: return (b & c) ^ (b & d) ^ (c & d);   /* Maj */
    default: return b ^ c ^ d;                    /* Parity */
    }
}

/* SHA1RNDS4 xmm1, xmm2/m128, imm8 (NP 0F 3A CC): four rounds; xmm1 holds
 * A..D, the source W0+E, W1, W2, W3. */
void sse_h_sha1rnds4(SseCtx *c)
{
    static const uint32_t k[4] = { 0x5a827999u, 0x6ed9eba1u, 0x8f1bbcdcu, 0xca62c1d6u };
    XMMReg d, s;
    xmm_get(c->env, c->reg, &d);
    sse_src(c, &s);
    unsigned t = c->imm & 3;
    uint32_t a = d.l[3], b = d.l[2], cc = d.l[1], dd = d.l[0], e = 0;
    uint32_t w[4] = { s.l[3], s.l[2], s.l[1], s.l[0] };
    for (unsigned i = 0; i < 4; i++) {
        /* round 0: W0 already has E added (SHA1NEXTE), E_0 counts as 0 */
        uint32_t na = sha1_f(t, b, cc, dd) + rol32(a, 5) + w[i] + e + k[t];
        e = dd;
        dd = cc;
        cc = rol32(b, 30);
        b = a;
        a = na;
    }
    d.l[3] = a;
    d.l[2] = b;
    d.l[1] = cc;
    d.l[0] = dd;
    xmm_set(c->env, c->reg, &d);
}

/* SHA1NEXTE xmm1, xmm2/m128 (NP 0F 38 C8): E of the next four rounds
 * (A of the previous state rotated by 30) added to the source's W0. */
void sse_h_sha1nexte(SseCtx *c)
{
    XMMReg d, s;
    xmm_get(c->env, c->reg, &d);
    sse_src(c, &s);
    s.l[3] += rol32(d.l[3], 30);
    xmm_set(c->env, c->reg, &s);
}

/* SHA1MSG1 xmm1, xmm2/m128 (NP 0F 38 C9): the XORs of W[t-16], W[t-14]. */
void sse_h_sha1msg1(SseCtx *c)
{
    XMMReg d, s, r;
    xmm_get(c->env, c->reg, &d);
    sse_src(c, &s);
    uint32_t w0 = d.l[3], w1 = d.l[2], w2 = d.l[1], w3 = d.l[0], w4 = s.l[3], w5 = s.l[2];
    r.l[3] = w2 ^ w0;
    r.l[2] = w3 ^ w1;
    r.l[1] = w4 ^ w2;
    r.l[0] = w5 ^ w3;
    xmm_set(c->env, c->reg, &r);
}

/* SHA1MSG2 xmm1, xmm2/m128 (NP 0F 38 CA): W16..W19 (FIPS 180-4 6.1.2
 * step 1), W19 depending on W16 computed here. */
void sse_h_sha1msg2(SseCtx *c)
{
    XMMReg d, s, r;
    xmm_get(c->env, c->reg, &d);
    sse_src(c, &s);
    uint32_t w13 = s.l[2], w14 = s.l[1], w15 = s.l[0];
    uint32_t w16 = rol32(d.l[3] ^ w13, 1);
    uint32_t w17 = rol32(d.l[2] ^ w14, 1);
    uint32_t w18 = rol32(d.l[1] ^ w15, 1);
    uint32_t w19 = rol32(d.l[0] ^ w16, 1);
    r.l[3] = w16;
    r.l[2] = w17;
    r.l[1] = w18;
    r.l[0] = w19;
    xmm_set(c->env, c->reg, &r);
}

/* ---- SHA-256 (FIPS 180-4 4.1.2) ---- */

static uint32_t big_sigma0(uint32_t x) { return ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22); }
static uint32_t big_sigma1(uint32_t x) { return ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25); }
static uint32_t small_sigma0(uint32_t x) { return ror32(x, 7) ^ ror32(x, 18) ^ (x >> 3); }
static uint32_t small_sigma1(uint32_t x) { return ror32(x, 17) ^ ror32(x, 19) ^ (x >> 10); }

/* SHA256RNDS2 xmm1, xmm2/m128, <XMM0> (NP 0F 38 CB): two rounds.  xmm1
 * holds C, D, G, H (high to low), the source A, B, E, F, XMM0[63:0] the
 * two W+K words; the result is the new A, B, E, F. */
void sse_h_sha256rnds2(SseCtx *c)
{
    XMMReg d, s, wk;
    xmm_get(c->env, c->reg, &d);
    sse_src(c, &s);
    xmm_get(c->env, 0, &wk);
    uint32_t a = s.l[3], b = s.l[2], cc = d.l[3], dd = d.l[2];
    uint32_t e = s.l[1], f = s.l[0], g = d.l[1], h = d.l[0];
    for (unsigned i = 0; i < 2; i++) {
        uint32_t t1 = ((e & f) ^ (~e & g)) + big_sigma1(e) + wk.l[i] + h;
        uint32_t t2 = ((a & b) ^ (a & cc) ^ (b & cc)) + big_sigma0(a);
        h = g;
        g = f;
        f = e;
        e = dd + t1;
        dd = cc;
        cc = b;
        b = a;
        a = t1 + t2;
    }
    d.l[3] = a;
    d.l[2] = b;
    d.l[1] = e;
    d.l[0] = f;
    xmm_set(c->env, c->reg, &d);
}

/* SHA256MSG1 xmm1, xmm2/m128 (NP 0F 38 CC): W[t-16] + sigma0(W[t-15]). */
void sse_h_sha256msg1(SseCtx *c)
{
    XMMReg d, s, r;
    xmm_get(c->env, c->reg, &d);
    sse_src(c, &s);
    uint32_t w4 = s.l[0];
    r.l[3] = d.l[3] + small_sigma0(w4);
    r.l[2] = d.l[2] + small_sigma0(d.l[3]);
    r.l[1] = d.l[1] + small_sigma0(d.l[2]);
    r.l[0] = d.l[0] + small_sigma0(d.l[1]);
    xmm_set(c->env, c->reg, &r);
}

/* SHA256MSG2 xmm1, xmm2/m128 (NP 0F 38 CD): adds sigma1(W[t-2]) to
 * finish W16..W19, the last two depending on the first two. */
void sse_h_sha256msg2(SseCtx *c)
{
    XMMReg d, s, r;
    xmm_get(c->env, c->reg, &d);
    sse_src(c, &s);
    uint32_t w14 = s.l[2], w15 = s.l[3];
    uint32_t w16 = d.l[0] + small_sigma1(w14);
    uint32_t w17 = d.l[1] + small_sigma1(w15);
    uint32_t w18 = d.l[2] + small_sigma1(w16);
    uint32_t w19 = d.l[3] + small_sigma1(w17);
    r.l[3] = w19;
    r.l[2] = w18;
    r.l[1] = w17;
    r.l[0] = w16;
    xmm_set(c->env, c->reg, &r);
}
