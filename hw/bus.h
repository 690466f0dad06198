/*
 * hw/bus.h - the machine's two address spaces (memory and I/O ports), guest
 * RAM/ROM slots and IRQ lines.
 *
 * Design: devices see only MemoryOps callbacks with offsets relative to their
 * region, and IRQ lines they raise or lower.  They never know which
 * accelerator runs the CPUs: the TCG interpreter and the KVM exit handler both
 * call as_read()/as_write() on the same AddressSpace objects.
 *
 * Locking: every call into a device (as_read/as_write, irq_set, timer
 * callbacks) happens with the big machine lock held (bql_lock()).
 */
#ifndef HW_BUS_H
#define HW_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Callbacks of one region.  offset is relative to the region's base; size is
 * 1, 2, 4 or 8.  The bus splits accesses wider than max_size (or narrower
 * than min_size is widened? no: narrower ones are passed as is when
 * min_size is 0 or <= size) into several little-endian pieces, so a device
 * only declares what its registers accept. */
typedef struct MemoryOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    unsigned min_size; /* 0 means 1 */
    unsigned max_size; /* 0 means 8 */
} MemoryOps;

typedef struct Region {
    uint64_t base;
    uint64_t len;
    const MemoryOps *ops;
    void *opaque;
    const char *name;
} Region;

/* One address space: a sorted, non-overlapping list of regions.  Accesses
 * that hit no region read as all ones and discard writes (like an ISA bus
 * with nothing decoding the address). */
typedef struct AddressSpace {
    const char *name;
    Region *regions;
    int nr_regions;
    int cap_regions;
} AddressSpace;

void as_init(AddressSpace *as, const char *name);
void as_destroy(AddressSpace *as);
/* Returns false (and maps nothing) when [base, base+len) overlaps an existing
 * region or is empty. */
bool as_map(AddressSpace *as, uint64_t base, uint64_t len, const MemoryOps *ops,
            void *opaque, const char *name);
void as_unmap(AddressSpace *as, uint64_t base);
const Region *as_find(const AddressSpace *as, uint64_t addr);
/* size: 1, 2, 4 or 8.  Returns true if some region decoded the address. */
bool as_read(AddressSpace *as, uint64_t addr, unsigned size, uint64_t *value);
bool as_write(AddressSpace *as, uint64_t addr, unsigned size, uint64_t value);

/* Guest physical memory backed by host memory (RAM and ROM).  Both accels
 * use these slots: KVM registers each as a memory slot, TCG's TLB maps
 * guest pages straight to slot->host + offset. */
typedef struct RamSlot {
    uint64_t gpa;
    uint64_t size;
    uint8_t *host;
    bool readonly;   /* ROM: writes are ignored (TCG) / exit as MMIO (KVM) */
    const char *name;
} RamSlot;

#define MAX_RAM_SLOTS 8

/* Self-modifying code support.  TCG marks each guest-physical 4 KiB page
 * that holds decoded blocks (pages[gpa >> 12] != 0); every write to such a
 * page, by a CPU store or by phys_write(), calls write() afterwards so the
 * blocks on it are dropped.  pages covers [0, nr_pages << 12); NULL when no
 * TCG runs (KVM tracks guest code itself). */
typedef struct CodeWatch {
    uint8_t *pages;
    uint64_t nr_pages;
    void (*write)(void *opaque, uint64_t gpa, uint64_t len);
    void *opaque;
} CodeWatch;

static inline bool code_watch_hit(const CodeWatch *cw, uint64_t gpa)
{
    return cw->pages && (gpa >> 12) < cw->nr_pages && cw->pages[gpa >> 12];
}

typedef struct PhysMemory {
    RamSlot slots[MAX_RAM_SLOTS];
    int nr_slots;
    AddressSpace mmio;   /* everything that is not a RamSlot */
    CodeWatch code_watch;
} PhysMemory;

bool phys_add_slot(PhysMemory *pm, uint64_t gpa, uint64_t size, uint8_t *host,
                   bool readonly, const char *name);
/* Slot containing gpa, or NULL (then the address is MMIO or unassigned). */
const RamSlot *phys_find_slot(const PhysMemory *pm, uint64_t gpa);
/* Host pointer for [gpa, gpa+len) if it lies entirely in one slot (and the
 * slot is writable when write is true), else NULL. */
uint8_t *phys_host_ptr(const PhysMemory *pm, uint64_t gpa, uint64_t len, bool write);
/* Byte-wise slow path for any physical access (RAM, ROM, MMIO): used by
 * loaders, DMA-style device access and the CPU's MMIO path. */
void phys_read(PhysMemory *pm, uint64_t gpa, void *buf, uint64_t len);
void phys_write(PhysMemory *pm, uint64_t gpa, const void *buf, uint64_t len);

/* ---- IRQ lines ---- */
typedef void (*IrqHandler)(void *opaque, int n, int level);
typedef struct IrqLine {
    IrqHandler handler;
    void *opaque;
    int n;
} IrqLine;

static inline void irq_set(IrqLine *irq, int level)
{
    if (irq && irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}
static inline void irq_raise(IrqLine *irq) { irq_set(irq, 1); }
static inline void irq_lower(IrqLine *irq) { irq_set(irq, 0); }
static inline void irq_pulse(IrqLine *irq) { irq_set(irq, 1); irq_set(irq, 0); }

#endif
