/*
 * hw/core/bus.c - address spaces (memory-mapped I/O and port I/O) and the
 * guest RAM/ROM slots.
 *
 * Regions are kept sorted by base so lookups are a binary search; a machine
 * has a few dozen at most.  Access-size adaptation lives here, not in
 * devices: a 4-byte access to a device that takes bytes becomes four byte
 * accesses (little-endian), and a byte access to a 4-byte-only register
 * becomes a read-modify of the containing dword, as a real bus would.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/bus.h"

void as_init(AddressSpace *as, const char *name)
{
    memset(as, 0, sizeof(*as));
    as->name = name;
}

void as_destroy(AddressSpace *as)
{
    free(as->regions);
    as->regions = NULL;
    as->nr_regions = as->cap_regions = 0;
}

bool as_map(AddressSpace *as, uint64_t base, uint64_t len, const MemoryOps *ops,
            void *opaque, const char *name)
{
    if (len == 0 || base + len - 1 < base) {
        return false;
    }
    int pos = 0;
    while (pos < as->nr_regions && as->regions[pos].base < base) {
        pos++;
    }
    /* overlap with the previous or the next region? */
    if (pos > 0) {
        const Region *prev = &as->regions[pos - 1];
        if (prev->base + prev->len > base) {
            return false;
        }
    }
    if (pos < as->nr_regions && as->regions[pos].base < base + len) {
        return false;
    }
    if (as->nr_regions == as->cap_regions) {
        int cap = as->cap_regions ? as->cap_regions * 2 : 16;
        Region *r = realloc(as->regions, cap * sizeof(*r));
        if (!r) {
            return false;
        }
        as->regions = r;
        as->cap_regions = cap;
    }
    memmove(&as->regions[pos + 1], &as->regions[pos],
            (as->nr_regions - pos) * sizeof(Region));
    as->regions[pos] = (Region){ base, len, ops, opaque, name };
    as->nr_regions++;
    return true;
}

void as_unmap(AddressSpace *as, uint64_t base)
{
    for (int i = 0; i < as->nr_regions; i++) {
        if (as->regions[i].base == base) {
            memmove(&as->regions[i], &as->regions[i + 1],
                    (as->nr_regions - i - 1) * sizeof(Region));
            as->nr_regions--;
            return;
        }
    }
}

const Region *as_find(const AddressSpace *as, uint64_t addr)
{
    int lo = 0, hi = as->nr_regions - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const Region *r = &as->regions[mid];
        if (addr < r->base) {
            hi = mid - 1;
        } else if (addr - r->base >= r->len) {
            lo = mid + 1;
        } else {
            return r;
        }
    }
    return NULL;
}

static unsigned ops_min(const MemoryOps *ops) { return ops->min_size ? ops->min_size : 1; }
static unsigned ops_max(const MemoryOps *ops) { return ops->max_size ? ops->max_size : 8; }

/* One access that lies inside region r. */
static uint64_t region_read(const Region *r, uint64_t off, unsigned size)
{
    const MemoryOps *ops = r->ops;
    if (!ops->read) {
        return ~0ull >> (64 - size * 8);
    }
    unsigned mx = ops_max(ops), mn = ops_min(ops);
    if (size > mx) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i += mx) {
            v |= region_read(r, off + i, mx) << (i * 8);
        }
        return v;
    }
    if (size < mn) {
        uint64_t aligned = off & ~(uint64_t)(mn - 1);
        uint64_t v = ops->read(r->opaque, aligned, mn);
        return (v >> ((off - aligned) * 8)) & (~0ull >> (64 - size * 8));
    }
    uint64_t v = ops->read(r->opaque, off, size);
    return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static void region_write(const Region *r, uint64_t off, unsigned size, uint64_t value)
{
    const MemoryOps *ops = r->ops;
    if (!ops->write) {
        return;
    }
    unsigned mx = ops_max(ops), mn = ops_min(ops);
    if (size > mx) {
        for (unsigned i = 0; i < size; i += mx) {
            region_write(r, off + i, mx, value >> (i * 8));
        }
        return;
    }
    if (size < mn) {
        uint64_t aligned = off & ~(uint64_t)(mn - 1);
        unsigned shift = (off - aligned) * 8;
        uint64_t mask = (~0ull >> (64 - size * 8)) << shift;
        uint64_t old = ops->read ? ops->read(r->opaque, aligned, mn) : 0;
        ops->write(r->opaque, aligned, (old & ~mask) | ((value << shift) & mask), mn);
        return;
    }
    ops->write(r->opaque, off, size == 8 ? value : value & ((1ull << (size * 8)) - 1), size);
}

bool as_read(AddressSpace *as, uint64_t addr, unsigned size, uint64_t *value)
{
    const Region *r = as_find(as, addr);
    if (r && addr - r->base + size <= r->len) {
        *value = region_read(r, addr - r->base, size);
        return true;
    }
    if (!r && size == 1) {
        *value = 0xff;
        return false;
    }
    /* Straddles a region boundary or hits nothing: go byte by byte. */
    uint64_t v = 0;
    bool any = false;
    for (unsigned i = 0; i < size; i++) {
        const Region *b = as_find(as, addr + i);
        uint64_t byte = 0xff;
        if (b) {
            byte = region_read(b, addr + i - b->base, 1);
            any = true;
        }
        v |= byte << (i * 8);
    }
    *value = v;
    return any;
}

bool as_write(AddressSpace *as, uint64_t addr, unsigned size, uint64_t value)
{
    const Region *r = as_find(as, addr);
    if (r && addr - r->base + size <= r->len) {
        region_write(r, addr - r->base, size, value);
        return true;
    }
    bool any = false;
    for (unsigned i = 0; i < size; i++) {
        const Region *b = as_find(as, addr + i);
        if (b) {
            region_write(b, addr + i - b->base, 1, value >> (i * 8));
            any = true;
        }
    }
    return any;
}

/* ---- RAM / ROM slots ---- */

bool phys_add_slot(PhysMemory *pm, uint64_t gpa, uint64_t size, uint8_t *host,
                   bool readonly, const char *name)
{
    if (pm->nr_slots == MAX_RAM_SLOTS || size == 0 || gpa + size - 1 < gpa) {
        return false;
    }
    for (int i = 0; i < pm->nr_slots; i++) {
        const RamSlot *s = &pm->slots[i];
        if (gpa < s->gpa + s->size && s->gpa < gpa + size) {
            return false;
        }
    }
    pm->slots[pm->nr_slots++] = (RamSlot){ gpa, size, host, readonly, name };
    return true;
}

const RamSlot *phys_find_slot(const PhysMemory *pm, uint64_t gpa)
{
    for (int i = 0; i < pm->nr_slots; i++) {
        const RamSlot *s = &pm->slots[i];
        if (gpa - s->gpa < s->size) {
            return s;
        }
    }
    return NULL;
}

uint8_t *phys_host_ptr(const PhysMemory *pm, uint64_t gpa, uint64_t len, bool write)
{
    const RamSlot *s = phys_find_slot(pm, gpa);
    if (!s || (write && s->readonly) || len > s->size - (gpa - s->gpa)) {
        return NULL;
    }
    return s->host + (gpa - s->gpa);
}

void phys_read(PhysMemory *pm, uint64_t gpa, void *buf, uint64_t len)
{
    uint8_t *out = buf;
    while (len > 0) {
        const RamSlot *s = phys_find_slot(pm, gpa);
        if (s) {
            uint64_t n = s->size - (gpa - s->gpa);
            if (n > len) {
                n = len;
            }
            memcpy(out, s->host + (gpa - s->gpa), n);
            out += n; gpa += n; len -= n;
        } else {
            uint64_t v;
            as_read(&pm->mmio, gpa, 1, &v);
            *out++ = (uint8_t)v;
            gpa++; len--;
        }
    }
}

void phys_write(PhysMemory *pm, uint64_t gpa, const void *buf, uint64_t len)
{
    const uint8_t *in = buf;
    while (len > 0) {
        const RamSlot *s = phys_find_slot(pm, gpa);
        if (s) {
            uint64_t n = s->size - (gpa - s->gpa);
            if (n > len) {
                n = len;
            }
            if (!s->readonly) {
                memcpy(s->host + (gpa - s->gpa), in, n);
                for (uint64_t p = gpa & ~0xfffull; p < gpa + n; p += 0x1000) {
                    if (code_watch_hit(&pm->code_watch, p)) {
                        pm->code_watch.write(pm->code_watch.opaque, gpa, n);
                        break;
                    }
                }
            }
            in += n; gpa += n; len -= n;
        } else {
            as_write(&pm->mmio, gpa, 1, *in++);
            gpa++; len--;
        }
    }
}
