/*
 * target/i386/mmu.c - linear-to-physical translation (paging) and the CPU's
 * loads and stores.
 *
 * Design:
 *  - mmu_walk() implements the four paging modes of SDM Vol.3 chapter 4
 *    (none, 32-bit with PSE 4 MiB pages, PAE with 2 MiB pages and NX,
 *    4-level with 1 GiB/2 MiB pages), the access-rights rules of 4.6
 *    (U/S, R/W with CR0.WP, NX with EFER.NXE, SMEP, SMAP) and the A/D
 *    updates of 4.8.  Reserved bits (4.7) above MAXPHYADDR (40), NX without
 *    NXE and large-page alignment bits fault with PF_ERR_RSVD.  A/D bits are
 *    set only when the translation succeeds, with an atomic OR so another
 *    vCPU's concurrent update is not lost.
 *  - A software TLB caches successful translations: 256 direct-mapped
 *    entries per (user/supervisor, read/write/exec).  Each entry keeps the
 *    guest-physical page and, for RAM, the host address of the page, so the
 *    fast path of a load or store is a tag compare plus a host access.  ROM
 *    pages have no host pointer in the write table and MMIO pages in none,
 *    so those accesses take the slow path (writes to ROM are dropped, MMIO
 *    goes to as_read/as_write under the BQL).  Entries are only created for
 *    accesses that were allowed, so a write entry implies D is already set.
 *    Supervisor entries for user pages are not cached while CR4.SMAP is on
 *    (the answer depends on EFLAGS.AC).  The TLB is flushed on CR3 writes,
 *    paging-related CR0/CR4/EFER changes and INVLPG (one page, or every
 *    cached piece of a large page); entries for global pages (G with
 *    CR4.PGE) survive CR3 writes, as on hardware.
 *  - PAE PDPTEs are read during the walk instead of being latched on the
 *    CR3 load (a guest cannot tell unless it edits live PDPTEs without
 *    reloading CR3, which the SDM leaves undefined anyway).
 *  - Stores to RAM check the TCG code watch on every store (cheap: one
 *    byte array lookup) and call its write() callback after storing.
 *  - An access that crosses a page translates both pages before reading
 *    or writing any byte, so a #PF on the second page leaves memory intact.
 *  - cpu_cmpxchg() (CMPXCHG8B/16B) is one host `lock cmpxchg` /
 *    `lock cmpxchg16b` on the host pointer when the operand is in RAM
 *    within one page, so it stays atomic against another vCPU (a KVM
 *    vCPU thread, or a future multi-threaded TCG) and against devices.
 *    Operands in MMIO/ROM or split across pages take a locked byte-wise
 *    path: atomic against other such paths only, as no host instruction
 *    covers two unrelated host pages.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/seg.h"

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define PAGE_MASK (~(uint64_t)0xfff)
#define TLB_INVALID 1u   /* odd: never equal to a page-aligned address */

typedef struct TlbEntry {
    uint64_t tag;    /* linear page address, TLB_INVALID if empty */
    uint64_t gpa;    /* guest-physical page address */
    uint8_t *host;   /* host address of the page, NULL: slow path */
} TlbEntry;

struct MMUTlb {
    TlbEntry e[2][3][TLB_SIZE]; /* [is_user][ACC_*][index] */
    PhysMemory *pm;             /* env->cpu->machine->mem, one load away */
    bool has_large;             /* some entry came from a 2M/4M/1G page */
    uint8_t page_shift[2][3][TLB_SIZE]; /* log2 of the page size, 0 = 4 KiB */
    uint8_t global[2][3][TLB_SIZE]; /* entry maps a global page (G, CR4.PGE) */
    uint64_t a20_mask;          /* env->a20_mask when the entries were made */
};

/* Paging-structure entry bits (SDM Vol.3 4.3-4.5) */
#define PG_P    (1ull << 0)
#define PG_RW   (1ull << 1)
#define PG_US   (1ull << 2)
#define PG_A    (1ull << 5)
#define PG_D    (1ull << 6)
#define PG_PS   (1ull << 7)
#define PG_G    (1ull << 8)
#define PG_NX   (1ull << 63)
#define PHYS_BITS 40
#define PHYS_RSVD (((1ull << 52) - 1) & ~((1ull << PHYS_BITS) - 1)) /* 51:40 */
#define ADDR_MASK (((1ull << PHYS_BITS) - 1) & PAGE_MASK)

static inline PhysMemory *cpu_pm(CPUX86State *env)
{
    return &env->cpu->machine->mem;
}

static struct MMUTlb *tlb_alloc(CPUX86State *env)
{
    struct MMUTlb *t = malloc(sizeof(*t));
    if (!t) {
        fatal("out of memory allocating the software TLB");
    }
    env->tlb = t;
    t->pm = &env->cpu->machine->mem;
    mmu_tlb_flush(env);
    return t;
}

static inline TlbEntry *tlb_entry(CPUX86State *env, bool user, int access, uint64_t la)
{
    struct MMUTlb *t = env->tlb;
    if (__builtin_expect(t == NULL, 0)) {
        t = tlb_alloc(env);
    }
    return &t->e[user][access][(la >> 12) & (TLB_SIZE - 1)];
}

void mmu_tlb_flush(CPUX86State *env)
{
    struct MMUTlb *t = env->tlb;
    if (!t) {
        return;
    }
    for (int u = 0; u < 2; u++) {
        for (int a = 0; a < 3; a++) {
            for (unsigned i = 0; i < TLB_SIZE; i++) {
                t->e[u][a][i].tag = TLB_INVALID;
                t->e[u][a][i].host = NULL;
            }
        }
    }
    memset(t->global, 0, sizeof(t->global));
    memset(t->page_shift, 0, sizeof(t->page_shift));
    t->has_large = false;
    t->a20_mask = env->a20_mask;
}

/* MOV to CR3 / task switch: entries for global pages survive when
 * CR4.PGE = 1 (SDM Vol.3 4.10.2.4). */
void mmu_tlb_flush_nonglobal(CPUX86State *env)
{
    struct MMUTlb *t = env->tlb;
    if (!t || !(env->cr[4] & CR4_PGE)) {
        mmu_tlb_flush(env);
        return;
    }
    for (int u = 0; u < 2; u++) {
        for (int a = 0; a < 3; a++) {
            for (unsigned i = 0; i < TLB_SIZE; i++) {
                if (!t->global[u][a][i]) {
                    t->e[u][a][i].tag = TLB_INVALID;
                    t->e[u][a][i].host = NULL;
                }
            }
        }
    }
}

void mmu_tlb_check_a20(CPUX86State *env)
{
    if (env->tlb && env->tlb->a20_mask != env->a20_mask) {
        mmu_tlb_flush(env);
    }
}

void mmu_tlb_flush_page(CPUX86State *env, uint64_t linear)
{
    struct MMUTlb *t = env->tlb;
    if (!t) {
        return;
    }
    /* A large page may be cached as several 4 KiB entries: INVLPG of any
     * address in it must drop all of them (SDM Vol.3 4.10.4.1), so when
     * large pages are cached, scan for entries of the same large page. */
    unsigned i = (linear >> 12) & (TLB_SIZE - 1);
    for (int u = 0; u < 2; u++) {
        for (int a = 0; a < 3; a++) {
            t->e[u][a][i].tag = TLB_INVALID;
            t->e[u][a][i].host = NULL;
            if (!t->has_large) {
                continue;
            }
            for (unsigned j = 0; j < TLB_SIZE; j++) {
                unsigned sh = t->page_shift[u][a][j];
                if (sh && (t->e[u][a][j].tag >> sh) == (linear >> sh)) {
                    t->e[u][a][j].tag = TLB_INVALID;
                    t->e[u][a][j].host = NULL;
                }
            }
        }
    }
}

/* ---- physical accesses ---- */

static inline uint64_t ldn_le(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void stn_le(uint8_t *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static uint64_t phys_ld(CPUX86State *env, uint64_t gpa, unsigned size)
{
    PhysMemory *pm = cpu_pm(env);
    uint8_t *p = phys_host_ptr(pm, gpa, size, false);
    if (p) {
        return ldn_le(p, size);
    }
    uint64_t v = 0;
    bql_lock();
    if (!phys_find_slot(pm, gpa) && !phys_find_slot(pm, gpa + size - 1)) {
        as_read(&pm->mmio, gpa, size, &v);
    } else {
        uint8_t buf[8] = {0};
        phys_read(pm, gpa, buf, size);
        v = ldn_le(buf, size);
    }
    bql_unlock();
    return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static void phys_st(CPUX86State *env, uint64_t gpa, unsigned size, uint64_t v)
{
    PhysMemory *pm = cpu_pm(env);
    uint8_t *p = phys_host_ptr(pm, gpa, size, true);
    if (p) {
        stn_le(p, v, size);
        if (code_watch_hit(&pm->code_watch, gpa) ||
            code_watch_hit(&pm->code_watch, gpa + size - 1)) {
            pm->code_watch.write(pm->code_watch.opaque, gpa, size);
        }
        return;
    }
    const RamSlot *s = phys_find_slot(pm, gpa);
    const RamSlot *s2 = phys_find_slot(pm, gpa + size - 1);
    if (s && s == s2 && s->readonly) {
        return;  /* ROM: writes are ignored */
    }
    if (!s && !s2) {
        bql_lock();
        as_write(&pm->mmio, gpa, size, v);
        bql_unlock();
        return;
    }
    for (unsigned i = 0; i < size; i++) {  /* straddles RAM/ROM/MMIO */
        phys_st(env, gpa + i, 1, v >> (8 * i));
    }
}

/* Paging-structure entries are read and updated like any physical memory;
 * A/D updates use an atomic OR when the entry is in RAM. */
static uint64_t pte_read(CPUX86State *env, uint64_t gpa, unsigned size)
{
    return phys_ld(env, gpa & env->a20_mask, size);
}

static void pte_set_bits(CPUX86State *env, uint64_t gpa, uint64_t bits, unsigned size)
{
    PhysMemory *pm = cpu_pm(env);
    gpa &= env->a20_mask;
    uint8_t *p = phys_host_ptr(pm, gpa, size, true);
    if (p && ((uintptr_t)p & (size - 1)) == 0) {
        if (size == 8) {
            __atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_SEQ_CST);
        } else {
            __atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_SEQ_CST);
        }
        if (code_watch_hit(&pm->code_watch, gpa)) {
            pm->code_watch.write(pm->code_watch.opaque, gpa, size);
        }
        return;
    }
    phys_st(env, gpa, size, pte_read(env, gpa, size) | bits);
}

/* ---- the page walk ---- */

typedef struct WalkResult {
    uint64_t gpa;       /* physical address of la */
    uint8_t page_shift; /* 21, 22 or 30 for a large page, else 0 */
    bool global;        /* G set in the leaf and CR4.PGE */
    bool user_page;     /* U/S = 1 at every level */
    bool cacheable;     /* may be put in the TLB */
} WalkResult;

#define WALK_OK 0xffffffffu

/* Returns WALK_OK or a #PF error code.  implicit: a supervisor access made
 * by the processor itself (descriptor tables, TSS, IDT delivery stack). */
static uint32_t mmu_walk(CPUX86State *env, uint64_t la, int access, bool is_user,
                         bool implicit, WalkResult *res)
{
    uint64_t cr0 = env->cr[0], cr4 = env->cr[4];
    res->cacheable = true;
    res->user_page = true;
    res->page_shift = 0;
    res->global = false;
    if (!(cr0 & CR0_PG)) {
        res->gpa = la & 0xffffffffu & env->a20_mask;
        return WALK_OK;
    }

    uint32_t err = (access == ACC_WRITE ? PF_ERR_W : 0) | (is_user ? PF_ERR_U : 0);
    bool pae = (cr4 & CR4_PAE) != 0;
    bool nxe = pae && (env->efer & EFER_NXE);
    if (access == ACC_EXEC && (nxe || (cr4 & CR4_SMEP))) {
        err |= PF_ERR_I;
    }

    uint64_t entry_gpa[4];
    unsigned entry_size = pae ? 8 : 4;
    int nr_entries = 0;
    bool rw = true, us = true, nx = false;
    uint64_t phys, page_size, leaf;

    if (!pae) {
        /* 32-bit paging (SDM Vol.3 4.3) */
        uint64_t pde_gpa = (env->cr[3] & 0xfffff000u) + ((la >> 22) & 0x3ff) * 4;
        uint64_t pde = pte_read(env, pde_gpa, 4);
        if (!(pde & PG_P)) {
            return err;
        }
        entry_gpa[nr_entries++] = pde_gpa;
        rw = pde & PG_RW;
        us = pde & PG_US;
        if ((pde & PG_PS) && (cr4 & CR4_PSE)) {
            /* 4 MiB page; PSE-36 bits 20:13 are physical bits 39:32 and
             * bit 21 is reserved with MAXPHYADDR 40. */
            if (pde & (1u << 21)) {
                return err | PF_ERR_P | PF_ERR_RSVD;
            }
            phys = (pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32);
            leaf = pde;
            page_size = 4u << 20;
        } else {
            uint64_t pte_gpa = (pde & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4;
            uint64_t pte = pte_read(env, pte_gpa, 4);
            if (!(pte & PG_P)) {
                return err;
            }
            entry_gpa[nr_entries++] = pte_gpa;
            rw = rw && (pte & PG_RW);
            us = us && (pte & PG_US);
            phys = pte & 0xfffff000u;
            leaf = pte;
            page_size = 4096;
        }
    } else {
        uint64_t rsvd = PHYS_RSVD | (nxe ? 0 : PG_NX);
        uint64_t table;
        int shift;
        if (env->efer & EFER_LMA) {
            /* 4-level paging (SDM Vol.3 4.5) */
            table = env->cr[3] & ADDR_MASK;
            shift = 39;
        } else {
            /* PAE paging (SDM Vol.3 4.4): PDPTE bits 2:1, 8:5 and 63 are
             * reserved; the PDPTE has no rights and no accessed flag. */
            uint64_t pdpte_gpa = (env->cr[3] & 0xffffffe0u) + ((la >> 30) & 3) * 8;
            uint64_t pdpte = pte_read(env, pdpte_gpa, 8);
            if (!(pdpte & PG_P)) {
                return err;
            }
            if (pdpte & (PHYS_RSVD | PG_NX | 0x1e6)) {
                return err | PF_ERR_P | PF_ERR_RSVD;
            }
            table = pdpte & ADDR_MASK;
            shift = 21;
        }
        for (;;) {
            uint64_t egpa = table + ((la >> shift) & 0x1ff) * 8;
            uint64_t e = pte_read(env, egpa, 8);
            if (!(e & PG_P)) {
                return err;
            }
            if ((e & rsvd) || (shift == 39 && (e & PG_PS))) {
                return err | PF_ERR_P | PF_ERR_RSVD;
            }
            entry_gpa[nr_entries++] = egpa;
            rw = rw && (e & PG_RW);
            us = us && (e & PG_US);
            nx = nx || (nxe && (e & PG_NX));
            if (shift == 12) {
                phys = e & ADDR_MASK;
                leaf = e;
                page_size = 4096;
                break;
            }
            if (e & PG_PS) {
                /* 1 GiB or 2 MiB page: bits shift-1..13 must be zero (bit
                 * 12 is PAT) */
                uint64_t align = ((1ull << shift) - 1) & ~0x1fffull;
                if (e & align) {
                    return err | PF_ERR_P | PF_ERR_RSVD;
                }
                phys = e & ADDR_MASK & ~((1ull << shift) - 1);
                leaf = e;
                page_size = 1ull << shift;
                break;
            }
            table = e & ADDR_MASK;
            shift -= 9;
        }
    }

    /* Access rights (SDM Vol.3 4.6) */
    if (is_user) {
        if (!us || (access == ACC_WRITE && !rw)) {
            return err | PF_ERR_P;
        }
    } else {
        if (access == ACC_WRITE && !rw && (cr0 & CR0_WP)) {
            return err | PF_ERR_P;
        }
        if (us && access == ACC_EXEC && (cr4 & CR4_SMEP)) {
            return err | PF_ERR_P;
        }
        if (us && access != ACC_EXEC && (cr4 & CR4_SMAP)) {
            if (implicit || !(env->eflags & AC_MASK)) {
                return err | PF_ERR_P;
            }
            res->cacheable = false;
        }
    }
    if (access == ACC_EXEC && nx) {
        return err | PF_ERR_P;
    }

    /* Accessed flags on every entry used, dirty on the leaf for writes */
    for (int i = 0; i < nr_entries; i++) {
        uint64_t bits = PG_A;
        if (i == nr_entries - 1 && access == ACC_WRITE) {
            bits |= PG_D;
        }
        uint64_t cur = pte_read(env, entry_gpa[i], entry_size);
        if ((cur & bits) != bits) {
            pte_set_bits(env, entry_gpa[i], bits, entry_size);
        }
    }
    res->user_page = us;
    res->page_shift = page_size > 4096 ? (uint8_t)__builtin_ctzll(page_size) : 0;
    res->global = (cr4 & CR4_PGE) && (leaf & PG_G);
    res->gpa = (phys | (la & (page_size - 1))) & env->a20_mask;
    return WALK_OK;
}

static uint64_t translate(CPUX86State *env, uint64_t la, int access, bool is_user,
                          bool implicit)
{
    WalkResult r;
    uint32_t err = mmu_walk(env, la, access, is_user, implicit, &r);
    if (err != WALK_OK) {
        env->cr[2] = la;
        cpu_raise_exception_err(env, EXCP_PF, err);
    }
    if (r.cacheable) {
        TlbEntry *e = tlb_entry(env, is_user, access, la);
        uint64_t gpa_page = r.gpa & PAGE_MASK;
        e->tag = la & PAGE_MASK;
        e->gpa = gpa_page;
        e->host = phys_host_ptr(cpu_pm(env), gpa_page, 4096, access == ACC_WRITE);
        if (env->dr_data_bp && access != ACC_EXEC &&
            cpu_page_has_data_breakpoint(env, la & PAGE_MASK)) {
            e->host = NULL;     /* every access to the page takes the slow path */
        }
        unsigned idx = (la >> 12) & (TLB_SIZE - 1);
        if (r.page_shift) {
            env->tlb->has_large = true;
        }
        env->tlb->page_shift[is_user][access][idx] = r.page_shift;
        env->tlb->global[is_user][access][idx] = r.global;
    }
    return r.gpa;
}

uint64_t mmu_translate(CPUX86State *env, uint64_t linear, int access, bool is_user)
{
    TlbEntry *e = tlb_entry(env, is_user, access, linear);
    if (e->tag == (linear & PAGE_MASK)) {
        return e->gpa | (linear & 0xfff);
    }
    return translate(env, linear, access, is_user, !is_user && env->cpl == 3);
}

/* Linear addresses wrap at 4 GiB outside IA-32e mode. */
static inline uint64_t la_add(const CPUX86State *env, uint64_t la, uint64_t n)
{
    la += n;
    return env->long_mode ? la : (la & 0xffffffffu);
}

static uint64_t ld_slow(CPUX86State *env, uint64_t la, unsigned size, int access,
                        bool is_user, bool implicit)
{
    unsigned off = la & 0xfff;
    if (env->dr_data_bp && access != ACC_EXEC) {
        cpu_data_breakpoint_check(env, la, size, false);
    }
    if (off + size <= 4096) {
        TlbEntry *e = tlb_entry(env, is_user, access, la);
        uint64_t gpa = e->tag == (la & PAGE_MASK) ? (e->gpa | off)
                       : translate(env, la, access, is_user, implicit);
        return phys_ld(env, gpa, size);
    }
    unsigned n1 = 4096 - off;
    uint64_t la2 = la_add(env, la, n1);
    uint64_t g1 = translate(env, la, access, is_user, implicit);
    uint64_t g2 = translate(env, la2, access, is_user, implicit);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t gpa = i < n1 ? g1 + i : g2 + (i - n1);
        v |= phys_ld(env, gpa, 1) << (8 * i);
    }
    return v;
}

static void st_slow(CPUX86State *env, uint64_t la, unsigned size, uint64_t v,
                    bool is_user, bool implicit)
{
    unsigned off = la & 0xfff;
    if (env->dr_data_bp) {
        cpu_data_breakpoint_check(env, la, size, true);
    }
    if (off + size <= 4096) {
        TlbEntry *e = tlb_entry(env, is_user, ACC_WRITE, la);
        uint64_t gpa = e->tag == (la & PAGE_MASK) ? (e->gpa | off)
                       : translate(env, la, ACC_WRITE, is_user, implicit);
        phys_st(env, gpa, size, v);
        return;
    }
    unsigned n1 = 4096 - off;
    uint64_t la2 = la_add(env, la, n1);
    /* both pages are checked before anything is written */
    uint64_t g1 = translate(env, la, ACC_WRITE, is_user, implicit);
    uint64_t g2 = translate(env, la2, ACC_WRITE, is_user, implicit);
    for (unsigned i = 0; i < size; i++) {
        uint64_t gpa = i < n1 ? g1 + i : g2 + (i - n1);
        phys_st(env, gpa, 1, v >> (8 * i));
    }
}

static inline uint64_t ld_fast(CPUX86State *env, uint64_t la, unsigned size, int access,
                               bool is_user, bool implicit)
{
    TlbEntry *e = tlb_entry(env, is_user, access, la);
    unsigned off = la & 0xfff;
    if (__builtin_expect(e->tag == (la & PAGE_MASK) && e->host && off <= 4096 - size, 1)) {
        return ldn_le(e->host + off, size);
    }
    return ld_slow(env, la, size, access, is_user, implicit);
}

static inline void st_fast(CPUX86State *env, uint64_t la, unsigned size, uint64_t v,
                           bool is_user, bool implicit)
{
    TlbEntry *e = tlb_entry(env, is_user, ACC_WRITE, la);
    unsigned off = la & 0xfff;
    if (__builtin_expect(e->tag == (la & PAGE_MASK) && e->host && off <= 4096 - size, 1)) {
        stn_le(e->host + off, v, size);
        const CodeWatch *cw = &env->tlb->pm->code_watch;
        uint64_t gpa = e->gpa | off;
        if (__builtin_expect(cw->pages != NULL, 0) && code_watch_hit(cw, gpa)) {
            cw->write(cw->opaque, gpa, size);
        }
        return;
    }
    st_slow(env, la, size, v, is_user, implicit);
}

uint64_t mmu_ld(CPUX86State *env, uint64_t la, unsigned size, bool is_user)
{
    return ld_fast(env, la, size, ACC_READ, is_user, !is_user && env->cpl == 3);
}

void mmu_st(CPUX86State *env, uint64_t la, unsigned size, uint64_t v, bool is_user)
{
    st_fast(env, la, size, v, is_user, !is_user && env->cpl == 3);
}

#define USER(env) ((env)->cpl == 3)

uint8_t cpu_ldub(CPUX86State *env, uint64_t la) { return ld_fast(env, la, 1, ACC_READ, USER(env), false); }
uint16_t cpu_lduw(CPUX86State *env, uint64_t la) { return ld_fast(env, la, 2, ACC_READ, USER(env), false); }
uint32_t cpu_ldl(CPUX86State *env, uint64_t la) { return ld_fast(env, la, 4, ACC_READ, USER(env), false); }
uint64_t cpu_ldq(CPUX86State *env, uint64_t la) { return ld_fast(env, la, 8, ACC_READ, USER(env), false); }
void cpu_stb(CPUX86State *env, uint64_t la, uint8_t v) { st_fast(env, la, 1, v, USER(env), false); }
void cpu_stw(CPUX86State *env, uint64_t la, uint16_t v) { st_fast(env, la, 2, v, USER(env), false); }
void cpu_stl(CPUX86State *env, uint64_t la, uint32_t v) { st_fast(env, la, 4, v, USER(env), false); }
void cpu_stq(CPUX86State *env, uint64_t la, uint64_t v) { st_fast(env, la, 8, v, USER(env), false); }

uint8_t cpu_ldub_kernel(CPUX86State *env, uint64_t la) { return ld_fast(env, la, 1, ACC_READ, false, true); }
uint16_t cpu_lduw_kernel(CPUX86State *env, uint64_t la) { return ld_fast(env, la, 2, ACC_READ, false, true); }
uint32_t cpu_ldl_kernel(CPUX86State *env, uint64_t la) { return ld_fast(env, la, 4, ACC_READ, false, true); }
uint64_t cpu_ldq_kernel(CPUX86State *env, uint64_t la) { return ld_fast(env, la, 8, ACC_READ, false, true); }
void cpu_stb_kernel(CPUX86State *env, uint64_t la, uint8_t v) { st_fast(env, la, 1, v, false, true); }
void cpu_stw_kernel(CPUX86State *env, uint64_t la, uint16_t v) { st_fast(env, la, 2, v, false, true); }
void cpu_stl_kernel(CPUX86State *env, uint64_t la, uint32_t v) { st_fast(env, la, 4, v, false, true); }
void cpu_stq_kernel(CPUX86State *env, uint64_t la, uint64_t v) { st_fast(env, la, 8, v, false, true); }

/* ---- compare-and-exchange (CMPXCHG8B / CMPXCHG16B) ---- */

/* x86-64 hosts only (as sse_host.c): the host's own locked instructions;
 * lock cmpxchg is atomic at any alignment, lock cmpxchg16b needs 16. */
static bool host_cas8(void *p, uint64_t *expected, uint64_t nv)
{
    bool ok;
    asm volatile("lock cmpxchgq %[nv], %[m]"
                 : "=@ccz"(ok), [m] "+m"(*(volatile uint64_t *)p), "+a"(*expected)
                 : [nv] "r"(nv) : "memory");
    return ok;
}

static bool host_cas16(void *p, uint64_t expected[2], const uint64_t nv[2])
{
    bool ok;
    uint64_t lo = expected[0], hi = expected[1];
    asm volatile("lock cmpxchg16b %[m]"
                 : "=@ccz"(ok), [m] "+m"(*(volatile unsigned __int128 *)p), "+a"(lo), "+d"(hi)
                 : "b"(nv[0]), "c"(nv[1]) : "memory");
    expected[0] = lo;
    expected[1] = hi;
    return ok;
}

/* Serialises the non-RAM / page-split path between vCPU threads. */
static pthread_mutex_t cmpxchg_lock = PTHREAD_MUTEX_INITIALIZER;

bool cpu_cmpxchg(CPUX86State *env, uint64_t la, unsigned size, uint64_t cmp[2],
                 const uint64_t nv[2])
{
    bool user = USER(env);
    unsigned off = la & 0xfff;
    uint64_t g1 = mmu_translate(env, la, ACC_WRITE, user), g2 = g1;
    unsigned n1 = size;
    if (off + size <= 4096) {
        PhysMemory *pm = cpu_pm(env);
        uint8_t *p = phys_host_ptr(pm, g1, size, true);
        if (p && (size == 8 || ((uintptr_t)p & 15) == 0)) {
            bool ok = size == 8 ? host_cas8(p, &cmp[0], nv[0]) : host_cas16(p, cmp, nv);
            if (ok && (code_watch_hit(&pm->code_watch, g1) ||
                       code_watch_hit(&pm->code_watch, g1 + size - 1))) {
                pm->code_watch.write(pm->code_watch.opaque, g1, size);
            }
            return ok;
        }
    } else {
        n1 = 4096 - off;
        g2 = mmu_translate(env, la_add(env, la, n1), ACC_WRITE, user);
    }
    /* Both pages are translated: nothing below can fault. */
    uint8_t old[16], neu[16];
    memcpy(neu, nv, size);
    pthread_mutex_lock(&cmpxchg_lock);
    for (unsigned i = 0; i < size; i++) {
        old[i] = (uint8_t)phys_ld(env, i < n1 ? g1 + i : g2 + (i - n1), 1);
    }
    bool eq = !memcmp(old, cmp, size);
    /* the destination is written back on failure too (SDM CMPXCHG8B) */
    for (unsigned i = 0; i < size; i++) {
        phys_st(env, i < n1 ? g1 + i : g2 + (i - n1), 1, eq ? neu[i] : old[i]);
    }
    pthread_mutex_unlock(&cmpxchg_lock);
    memcpy(cmp, old, size);
    return eq;
}

uint8_t cpu_fetch_byte(CPUX86State *env, uint64_t la)
{
    return ld_fast(env, la, 1, ACC_EXEC, USER(env), false);
}
