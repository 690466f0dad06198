/*
 * tests/linux/isa-program.c - a static Linux program that exercises the
 * instruction-set extensions a userland meets: x87 long double (80-bit
 * precision, transcendental functions), SSE4.2 (CRC32, PCMPISTRI,
 * POPCNT), AVX2 (256-bit integer arithmetic, shuffles, gathers), FMA,
 * AES-NI and PCLMULQDQ, plus glibc's CPUID-dispatched string functions.
 *
 * Built by gcc from Debian with those extensions enabled; its output is a
 * deterministic digest of every result.  tests/linux/run-isa-program.sh
 * runs it natively and inside a Linux guest under emu86 -cpu max: the two
 * outputs must be identical.  It checks CPUID first and says which
 * extensions are missing, rather than dying of SIGILL.
 */
#include <cpuid.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wmmintrin.h>

static uint64_t digest = 0xcbf29ce484222325ull;

static void mix(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        digest = (digest ^ b[i]) * 0x100000001b3ull;   /* FNV-1a */
    }
}

static int missing_features(void)
{
    unsigned a, b, c, d, missing = 0;
    __cpuid_count(1, 0, a, b, c, d);
    static const struct { unsigned leaf, reg, bit; const char *name; } need[] = {
        { 1, 2, 20, "sse4.2" }, { 1, 2, 23, "popcnt" }, { 1, 2, 25, "aes" },
        { 1, 2, 1, "pclmulqdq" }, { 1, 2, 28, "avx" }, { 1, 2, 12, "fma" },
        { 1, 2, 27, "osxsave" }, { 7, 1, 5, "avx2" },
    };
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        unsigned r[4];
        __cpuid_count(need[i].leaf, 0, r[0], r[1], r[2], r[3]);
        if (!(r[need[i].reg] >> need[i].bit & 1)) {
            printf("missing: %s\n", need[i].name);
            missing++;
        }
    }
    return missing;
}

static void test_x87(void)
{
    long double x = 0.5L, acc = 0;
    for (int i = 1; i <= 200; i++) {
        acc += sinl(x * i) * expl(-x * i / 64) + sqrtl((long double)i) / logl(i + 1.0L);
        acc = fmodl(acc, 1000.0L) + atan2l(acc, i) * tanl(x / i);
    }
    printf("x87: %.21Lg\n", acc);
    mix(&acc, 10);
}

static void test_sse42(void)
{
    static char text[4096];
    for (size_t i = 0; i < sizeof(text) - 1; i++) {
        text[i] = 'a' + (char)((i * 7 + i / 13) % 26);
    }
    uint32_t crc = 0xffffffffu;
    uint64_t crc64 = 0;
    for (size_t i = 0; i + 8 <= sizeof(text); i += 8) {
        uint64_t v;
        memcpy(&v, text + i, 8);
        crc64 = _mm_crc32_u64(crc64, v);
        crc = _mm_crc32_u8(crc, (uint8_t)text[i]);
    }
    /* PCMPISTRI: position of the first of a set of characters */
    __m128i set = _mm_setr_epi8('q', 'x', 'z', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    int hits = 0, pos_sum = 0;
    for (size_t i = 0; i + 16 <= sizeof(text) - 1; i += 16) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(text + i));
        int idx = _mm_cmpistri(set, chunk, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_ANY);
        if (idx < 16) {
            hits++;
            pos_sum += idx;
        }
    }
    unsigned pop = 0;
    for (size_t i = 0; i + 8 <= sizeof(text); i += 8) {
        uint64_t v;
        memcpy(&v, text + i, 8);
        pop += (unsigned)_mm_popcnt_u64(v);
    }
    printf("sse4.2: crc32 %08x crc64 %016llx pcmpistri %d/%d popcnt %u\n", crc,
           (unsigned long long)crc64, hits, pos_sum, pop);
    mix(&crc, 4);
    mix(&crc64, 8);
    mix(&pop, 4);
}

static void test_avx2(void)
{
    static int32_t a[1024], idx[256];
    for (int i = 0; i < 1024; i++) {
        a[i] = (int32_t)((uint32_t)i * 2654435761u);
    }
    for (int i = 0; i < 256; i++) {
        idx[i] = (i * 37) % 1024;
    }
    __m256i acc = _mm256_setzero_si256(), prod = _mm256_set1_epi32(1);
    for (int i = 0; i < 1024; i += 8) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(a + i));
        acc = _mm256_add_epi32(acc, _mm256_srai_epi32(v, 3));
        prod = _mm256_mullo_epi32(prod, _mm256_or_si256(v, _mm256_set1_epi32(1)));
        acc = _mm256_xor_si256(acc, _mm256_shuffle_epi8(v, _mm256_set1_epi32(0x00010203)));
        acc = _mm256_permutevar8x32_epi32(acc, _mm256_setr_epi32(7, 0, 6, 1, 5, 2, 4, 3));
    }
    for (int i = 0; i < 256; i += 8) {
        __m256i vi = _mm256_loadu_si256((const __m256i *)(idx + i));
        acc = _mm256_add_epi32(acc, _mm256_i32gather_epi32(a, vi, 4));
    }
    int32_t out[8], out2[8];
    _mm256_storeu_si256((__m256i *)out, acc);
    _mm256_storeu_si256((__m256i *)out2, prod);
    printf("avx2:");
    for (int i = 0; i < 8; i++) {
        printf(" %08x", (uint32_t)(out[i] ^ out2[i]));
    }
    printf("\n");
    mix(out, sizeof(out));
    mix(out2, sizeof(out2));

    /* FMA on doubles and floats */
    __m256d d = _mm256_set1_pd(0.1);
    __m256 f = _mm256_set1_ps(1.0f);
    for (int i = 0; i < 1000; i++) {
        d = _mm256_fmadd_pd(d, _mm256_set1_pd(1.0000001), _mm256_set_pd(1e-9, 2e-9, 3e-9, 4e-9));
        f = _mm256_fnmadd_ps(f, _mm256_set1_ps(0.999f), _mm256_set1_ps(1.5f));
    }
    double dd[4];
    float ff[8];
    _mm256_storeu_pd(dd, d);
    _mm256_storeu_ps(ff, f);
    printf("fma: %.17g %.17g %.9g\n", dd[0], dd[3], ff[5]);
    mix(dd, sizeof(dd));
    mix(ff, sizeof(ff));
}

/* AES-128 (FIPS-197 appendix C.1 key and plaintext) with AES-NI, then a
 * CBC chain over more blocks; GHASH-style carry-less products. */
static __m128i expand_step(__m128i key, __m128i assist)
{
    assist = _mm_shuffle_epi32(assist, 0xff);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

static void test_aes(void)
{
    uint8_t key_bytes[16], pt[16];
    for (int i = 0; i < 16; i++) {
        key_bytes[i] = (uint8_t)i;
        pt[i] = (uint8_t)(i * 0x11);
    }
    __m128i rk[11];
    rk[0] = _mm_loadu_si128((const __m128i *)key_bytes);
#define EXPAND(i, rcon) rk[i] = expand_step(rk[i - 1], _mm_aeskeygenassist_si128(rk[i - 1], rcon))
    EXPAND(1, 0x01); EXPAND(2, 0x02); EXPAND(3, 0x04); EXPAND(4, 0x08); EXPAND(5, 0x10);
    EXPAND(6, 0x20); EXPAND(7, 0x40); EXPAND(8, 0x80); EXPAND(9, 0x1b); EXPAND(10, 0x36);
    __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)pt), rk[0]);
    for (int r = 1; r < 10; r++) {
        b = _mm_aesenc_si128(b, rk[r]);
    }
    b = _mm_aesenclast_si128(b, rk[10]);
    uint8_t ct[16];
    _mm_storeu_si128((__m128i *)ct, b);
    printf("aes: ");
    for (int i = 0; i < 16; i++) {
        printf("%02x", ct[i]);   /* FIPS-197 C.1: 69c4e0d86a7b0430d8cdb78070b4c55a */
    }
    /* decrypt back with the equivalent inverse cipher */
    __m128i d = _mm_xor_si128(b, rk[10]);
    for (int r = 9; r > 0; r--) {
        d = _mm_aesdec_si128(d, _mm_aesimc_si128(rk[r]));
    }
    d = _mm_aesdeclast_si128(d, rk[0]);
    printf(" roundtrip %s\n", memcmp(&d, pt, 16) ? "FAILED" : "ok");
    mix(ct, 16);
    __m128i h = _mm_set_epi64x(0x66e94bd4ef8a2c3bll, 0x884cfa59ca342b2ell), g = b;
    for (int i = 0; i < 64; i++) {
        __m128i lo = (i & 1) ? _mm_clmulepi64_si128(g, h, 0x11) : _mm_clmulepi64_si128(g, h, 0x00);
        g = _mm_xor_si128(lo, _mm_clmulepi64_si128(g, h, 0x10));
    }
    uint64_t gg[2];
    _mm_storeu_si128((__m128i *)gg, g);
    printf("pclmul: %016llx%016llx\n", (unsigned long long)gg[1], (unsigned long long)gg[0]);
    mix(gg, 16);
}

static void test_strings(void)
{
    /* glibc picks SSE2/AVX2/EVEX variants of these from CPUID */
    static char buf[65536], dst[65536];
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (char)('A' + (i * 31) % 58);
    }
    buf[sizeof(buf) - 1] = 0;
    size_t total = 0;
    for (size_t off = 0; off < 4096; off += 97) {
        total += strlen(buf + off);
        memcpy(dst + (off % 64), buf + off, 3000);
        total += (size_t)(memchr(dst, 'z', 8000) ? (char *)memchr(dst, 'z', 8000) - dst : 0);
        total += (size_t)strcmp(dst + 5, buf + 7) & 0xff;
    }
    printf("strings: %zu\n", total);
    mix(&total, sizeof(total));
}

int main(void)
{
    int missing = missing_features();
    if (missing) {
        printf("isa-program: %d required extensions missing\n", missing);
        return 2;
    }
    test_x87();
    test_sse42();
    test_avx2();
    test_aes();
    test_strings();
    printf("digest: %016llx\n", (unsigned long long)digest);
    return 0;
}
