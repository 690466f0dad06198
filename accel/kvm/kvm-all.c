/*
 * accel/kvm/kvm-all.c - the KVM accelerator: VM and vCPU life cycle, the
 * KVM_RUN loop and its exits, kicks.
 *
 * Design (references are to the KVM API documentation,
 * Documentation/virt/kvm/api.rst):
 *  - The interrupt controller is ours (userspace irqchip: no
 *    KVM_CREATE_IRQCHIP), so external interrupts are injected with
 *    KVM_INTERRUPT when run->ready_for_interrupt_injection and run->if_flag
 *    say the guest can take one, and otherwise we ask KVM for an exit when
 *    it can (run->request_interrupt_window, KVM_EXIT_IRQ_WINDOW_OPEN).
 *  - HLT exits to us (KVM_EXIT_HLT) because there is no in-kernel LAPIC; the
 *    generic vCPU loop then sleeps until an interrupt arrives.
 *  - Port I/O and MMIO exits are dispatched to the Machine's address spaces
 *    under the BQL, exactly like the TCG interpreter does.
 *  - A kick sets run->immediate_exit and sends KVM_KICK_SIGNAL to the vCPU
 *    thread (api.rst, "immediate_exit"): if the thread is inside KVM_RUN the
 *    signal makes it return EINTR, if it is about to enter, immediate_exit
 *    makes KVM_RUN return EINTR at once, so no kick is ever lost and no
 *    KVM_SET_SIGNAL_MASK juggling is needed.
 *  - NMIs (CPU_INTERRUPT_NMI) are queued with KVM_NMI.
 *  - Application processors wait for SIPI in the generic loop
 *    (system/cpus.c, docs/smp.md), which never calls vcpu_run for them:
 *    KVM cannot hold a vCPU in wait-for-SIPI without its in-kernel LAPIC
 *    (KVM_SET_MP_STATE).  INIT/SIPI requests make vcpu_run return so the
 *    generic loop can apply them; the SIPI start state reaches KVM through
 *    put_state (KVM_SET_REGS/SREGS) in the vCPU's thread.
 *  - A triple fault (KVM_EXIT_SHUTDOWN) or a machine reset request marks
 *    the vCPU so the put_state that follows the generic reset also resets
 *    the state CPUX86State does not hold (kvm-regs.c).
 *  - Limits: A20 masking is not applied (KVM has no A20 gate: the line is
 *    always on); memory slots are registered once, at init.
 *  - Pending I/O is only completed by the next KVM_RUN (api.rst: "for
 *    KVM_EXIT_IO, KVM_EXIT_MMIO ... the corresponding operations are
 *    complete (and guest state is consistent) only after userspace has
 *    re-entered the kernel with KVM_RUN"), so before vcpu_run returns to the
 *    generic loop after such an exit it re-enters once with immediate_exit
 *    set; get_state then sees the finished instruction.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accel/accel.h"
#include "accel/kvm/kvm-int.h"
#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

/* A realtime signal so it cannot clash with SIGUSR1/2 users; its handler
 * does nothing: its only purpose is to interrupt KVM_RUN. */
#define KVM_KICK_SIGNAL (SIGRTMIN + 2)

KvmState kvm_state = { .sys_fd = -1, .vm_fd = -1 };

/* One line on stderr through error_report() ("emu86: kvm: ..."). */
void kvm_report(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    error_report("kvm: %s", buf);
}

/* ioctl that retries on EINTR (only for calls that are not KVM_RUN). */
static int kvm_ioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do {
        r = ioctl(fd, req, arg);
    } while (r < 0 && errno == EINTR);
    return r;
}

int kvm_vcpu_ioctl_checked(KvmVcpu *kv, unsigned long req, void *arg,
                           const char *what)
{
    int r = kvm_ioctl(kv->fd, req, arg);
    if (r < 0) {
        kvm_report("%s failed on vCPU %d: %s", what,
                   kv->cpu ? kv->cpu->index : -1, strerror(errno));
    }
    return r;
}

/* ---- availability ---- */

static int kvm_open_dev(char *why, size_t len)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO) {
            snprintf(why, len, "/dev/kvm does not exist (KVM module not "
                     "loaded, or no hardware virtualization)");
        } else if (e == EACCES || e == EPERM) {
            snprintf(why, len, "no permission to open /dev/kvm (%s): add the "
                     "user to the kvm group", strerror(e));
        } else {
            snprintf(why, len, "cannot open /dev/kvm: %s", strerror(e));
        }
        return -1;
    }
    int ver = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (ver < 0) {
        snprintf(why, len, "/dev/kvm is not a KVM device (KVM_GET_API_VERSION: %s)",
                 strerror(errno));
        close(fd);
        return -1;
    }
    if (ver != KVM_API_VERSION) {
        /* api.rst: "Applications should refuse to run if KVM_GET_API_VERSION
         * returns a value other than 12." */
        snprintf(why, len, "KVM API version %d, expected %d", ver, KVM_API_VERSION);
        close(fd);
        return -1;
    }
    static const struct { int cap; const char *name; } required[] = {
        { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
        { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
        { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (ioctl(fd, KVM_CHECK_EXTENSION, required[i].cap) <= 0) {
            snprintf(why, len, "host KVM lacks %s", required[i].name);
            close(fd);
            return -1;
        }
    }
    return fd;
}

static bool kvm_available(char *why, size_t len)
{
    int fd = kvm_open_dev(why, len);
    if (fd < 0) {
        return false;
    }
    close(fd);
    return true;
}

/* `-accel auto` picks KVM only when the host CPU itself has VMX or SVM: a
 * nested KVM without them emulates real mode and much else in software and
 * is slower and less complete than our interpreter. */
static bool kvm_preferred(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) {
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    while (!found && getline(&line, &cap, f) > 0) {
        if (strncmp(line, "flags", 5) != 0) {
            continue;
        }
        for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
            if (!strcmp(tok, "vmx") || !strcmp(tok, "svm")) {
                found = true;
                break;
            }
        }
    }
    free(line);
    fclose(f);
    return found;
}

/* ---- VM ---- */

static void kvm_kick_handler(int sig)
{
    (void)sig; /* only there to interrupt KVM_RUN */
}

static bool range_in_use(const Machine *m, uint64_t base, uint64_t size)
{
    for (int i = 0; i < m->mem.nr_slots; i++) {
        const RamSlot *s = &m->mem.slots[i];
        if (base < s->gpa + s->size && s->gpa < base + size) {
            return true;
        }
    }
    /* "... or any mmio address" (api.rst KVM_SET_TSS_ADDR) */
    for (int i = 0; i < m->mem.mmio.nr_regions; i++) {
        const Region *r = &m->mem.mmio.regions[i];
        if (base < r->base + r->len && r->base < base + size) {
            return true;
        }
    }
    return false;
}

/* Four free pages below 4 GiB for the VMX real-mode TSS and identity map:
 * the conventional spot under a 256 KiB BIOS, else the highest free one. */
static uint64_t kvm_pick_tss_addr(const Machine *m)
{
    uint64_t need = KVM_TSS_SIZE + KVM_IDMAP_SIZE;
    uint64_t a = KVM_TSS_ADDR_DEFAULT - KVM_IDMAP_SIZE;
    for (; a >= 0x100000; a -= 0x1000) {
        if (!range_in_use(m, a, need)) {
            return a + KVM_IDMAP_SIZE;
        }
    }
    return 0;
}

static int kvm_set_slot(KvmState *s, int id, const RamSlot *slot, char *err, size_t len)
{
    struct kvm_userspace_memory_region r = {
        .slot = id,
        .flags = slot->readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = slot->gpa,
        .memory_size = slot->size,
        .userspace_addr = (uintptr_t)slot->host,
    };
    if (kvm_ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        snprintf(err, len, "kvm: KVM_SET_USER_MEMORY_REGION for %s "
                 "(0x%llx+0x%llx) failed: %s", slot->name ? slot->name : "slot",
                 (unsigned long long)slot->gpa, (unsigned long long)slot->size,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static void kvm_close_all(KvmState *s)
{
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
    }
    if (s->sys_fd >= 0) {
        close(s->sys_fd);
    }
    *s = (KvmState){ .sys_fd = -1, .vm_fd = -1 };
}

static int kvm_init(Machine *m, char *err, size_t len)
{
    KvmState *s = &kvm_state;
    char why[256];

    if (s->vm_fd >= 0) {
        snprintf(err, len, "kvm: a VM already exists in this process");
        return -1;
    }
    s->sys_fd = kvm_open_dev(why, sizeof(why));
    if (s->sys_fd < 0) {
        snprintf(err, len, "kvm: %s", why);
        return -1;
    }
    s->machine = m;
    s->readonly_mem = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
    s->mce_banks = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MCE);
    s->immediate_exit = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) > 0;
    s->vcpu_events = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_EVENTS) > 0;
    s->debugregs = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS) > 0;
    s->xcrs = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
    s->xsave = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
    s->vcpu_mmap_size = ioctl(s->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (s->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
        snprintf(err, len, "kvm: KVM_GET_VCPU_MMAP_SIZE returned %d", s->vcpu_mmap_size);
        goto fail;
    }
    if (!s->immediate_exit) {
        /* Without it a kick racing with entry can be delayed until the next
         * exit; still correct, only slower to react. */
        kvm_report("host KVM lacks KVM_CAP_IMMEDIATE_EXIT: kicks may be delayed");
    }

    do {
        s->vm_fd = ioctl(s->sys_fd, KVM_CREATE_VM, 0);
    } while (s->vm_fd < 0 && errno == EINTR);
    if (s->vm_fd < 0) {
        snprintf(err, len, "kvm: KVM_CREATE_VM failed: %s", strerror(errno));
        goto fail;
    }

    /* api.rst KVM_SET_TSS_ADDR: "a three-page region in the first 4GB of
     * the guest physical address space ... must not conflict with any
     * memory slot or any mmio address"; KVM_SET_IDENTITY_MAP_ADDR: one page,
     * set before any vCPU is created. */
    s->tss_addr = kvm_pick_tss_addr(m);
    if (!s->tss_addr) {
        snprintf(err, len, "kvm: no free guest-physical room below 4 GiB for the "
                 "VMX TSS and identity map");
        goto fail;
    }
    if (kvm_ioctl(s->vm_fd, KVM_SET_TSS_ADDR, (void *)(uintptr_t)s->tss_addr) < 0) {
        snprintf(err, len, "kvm: KVM_SET_TSS_ADDR failed: %s", strerror(errno));
        goto fail;
    }
    if (ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
        uint64_t idmap = s->tss_addr - KVM_IDMAP_SIZE;
        if (kvm_ioctl(s->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0) {
            snprintf(err, len, "kvm: KVM_SET_IDENTITY_MAP_ADDR failed: %s",
                     strerror(errno));
            goto fail;
        }
    }

    /* Guest memory: every RamSlot becomes a KVM memory slot.  ROM uses
     * KVM_MEM_READONLY (guest writes exit as KVM_EXIT_MMIO writes, which we
     * drop); without that capability ROM is left out of KVM entirely and
     * served through MMIO exits, so it still cannot be written (but code
     * cannot run from it). */
    int max_slots = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    if (max_slots <= 0) {
        max_slots = 32; /* api.rst: absent capability means "at least 32" */
    }
    for (int i = 0; i < m->mem.nr_slots; i++) {
        const RamSlot *slot = &m->mem.slots[i];
        if ((slot->gpa | slot->size | (uintptr_t)slot->host) & 0xfff) {
            snprintf(err, len, "kvm: memory slot %s (0x%llx+0x%llx) is not "
                     "page aligned", slot->name ? slot->name : "?",
                     (unsigned long long)slot->gpa, (unsigned long long)slot->size);
            goto fail;
        }
        if (i >= max_slots || i >= (int)(sizeof(s->slot_in_kvm) / sizeof(s->slot_in_kvm[0]))) {
            snprintf(err, len, "kvm: too many memory slots (%d)", m->mem.nr_slots);
            goto fail;
        }
        if (slot->readonly && !s->readonly_mem) {
            s->slot_in_kvm[i] = false;
            continue;
        }
        if (kvm_set_slot(s, i, slot, err, len) < 0) {
            goto fail;
        }
        s->slot_in_kvm[i] = true;
    }

    kvm_arch_init_msr_list(s);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kvm_kick_handler;
    sigemptyset(&sa.sa_mask);
    /* KVM_RUN returns a plain -EINTR on a pending signal, which SA_RESTART
     * does not restart; SA_RESTART only spares the other system calls a
     * vCPU thread makes (a device writing to a chardev, ...) from EINTR. */
    sa.sa_flags = SA_RESTART;
    if (sigaction(KVM_KICK_SIGNAL, &sa, NULL) < 0) {
        snprintf(err, len, "kvm: cannot install the kick signal handler: %s",
                 strerror(errno));
        goto fail;
    }
    return 0;

fail:
    kvm_close_all(s);
    return -1;
}

static void kvm_destroy(Machine *m)
{
    if (kvm_state.machine == m || !m) {
        kvm_close_all(&kvm_state);
    }
}

/* ---- vCPUs ---- */

static void kvm_vcpu_free(KvmVcpu *kv)
{
    if (kv->run && kv->run != MAP_FAILED) {
        munmap(kv->run, kv->run_size);
    }
    if (kv->fd >= 0) {
        close(kv->fd);
    }
    free(kv);
}

static int kvm_vcpu_init(X86CPU *cpu, char *err, size_t len)
{
    KvmState *s = &kvm_state;
    if (s->vm_fd < 0) {
        snprintf(err, len, "kvm: vcpu_init before init");
        return -1;
    }
    KvmVcpu *kv = calloc(1, sizeof(*kv));
    if (!kv) {
        snprintf(err, len, "kvm: out of memory");
        return -1;
    }
    kv->fd = -1;
    kv->cpu = cpu;
    if (!cpu->machine) {
        cpu->machine = s->machine;
    }

    do {
        kv->fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, (unsigned long)cpu->index);
    } while (kv->fd < 0 && errno == EINTR);
    if (kv->fd < 0) {
        snprintf(err, len, "kvm: KVM_CREATE_VCPU %d failed: %s", cpu->index,
                 strerror(errno));
        goto fail;
    }
    kv->run_size = s->vcpu_mmap_size;
    kv->run = mmap(NULL, kv->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, kv->fd, 0);
    if (kv->run == MAP_FAILED) {
        kv->run = NULL;
        snprintf(err, len, "kvm: mmap of the kvm_run area failed: %s", strerror(errno));
        goto fail;
    }
    if (kvm_cpuid_setup(kv, err, len) < 0) {
        goto fail;
    }
    kvm_mce_setup(kv);
    cpu->accel_state = kv;
    /* A guard for callers other than the generic loop (which keeps the
     * real wait-for-SIPI state): an AP does not run before some state
     * was put for it (SIPI, reset), see kvm_put_state. */
    kv->wait_for_sipi = cpu->index != 0;
    /* The generic code has run cpu_x86_reset(): hand that state to KVM. */
    if (kvm_arch_put_state(cpu) < 0) {
        snprintf(err, len, "kvm: KVM refused the initial register state of vCPU %d",
                 cpu->index);
        cpu->accel_state = NULL;
        goto fail;
    }
    return 0;

fail:
    cpu->accel_state = NULL;
    kvm_vcpu_free(kv);
    return -1;
}

static void kvm_vcpu_destroy(X86CPU *cpu)
{
    KvmVcpu *kv = cpu->accel_state;
    if (!kv) {
        return;
    }
    cpu->accel_state = NULL;
    kvm_vcpu_free(kv);
}

static void kvm_kick(X86CPU *cpu)
{
    KvmVcpu *kv = cpu->accel_state;
    if (!kv || !kv->run) {
        return;
    }
    /* The caller published its request (interrupt_request, machine flags)
     * before kicking; the seq_cst store orders it before immediate_exit, so
     * the vCPU that sees immediate_exit also sees the request. */
    __atomic_store_n(&kv->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&kv->thread_known, __ATOMIC_ACQUIRE) &&
        !pthread_equal(kv->thread, pthread_self())) {
        pthread_kill(kv->thread, KVM_KICK_SIGNAL);
    }
}

static bool kvm_stop_requested(X86CPU *cpu)
{
    Machine *m = cpu->machine;
    /* INIT/SIPI are applied by the generic loop (SDM Vol.3 9.1, 10.6.1) */
    return (__atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST) &
            (CPU_INTERRUPT_EXIT | CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) ||
           (m && (__atomic_load_n(&m->shutdown_requested, __ATOMIC_ACQUIRE) ||
            __atomic_load_n(&m->reset_requested, __ATOMIC_ACQUIRE)));
}

/* Re-enter once with immediate_exit so KVM finishes the instruction whose
 * I/O we just served (see the design note). */
static void kvm_complete_pending_io(KvmVcpu *kv)
{
    if (!kvm_state.immediate_exit) {
        return;
    }
    __atomic_store_n(&kv->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    int r = ioctl(kv->fd, KVM_RUN, 0);
    if (r < 0 && errno != EINTR && errno != EAGAIN) {
        kvm_report("KVM_RUN (completing I/O) failed: %s", strerror(errno));
    }
    __atomic_store_n(&kv->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}

static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void store_le(uint8_t *p, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = v >> (8 * i);
    }
}

/* KVM_EXIT_IO: run->io.count accesses of run->io.size bytes each, data
 * packed at run + run->io.data_offset (string I/O with REP gives count>1). */
static bool kvm_handle_io(KvmVcpu *kv, Machine *m)
{
    struct kvm_run *run = kv->run;
    unsigned size = run->io.size;
    uint32_t count = run->io.count;
    uint64_t off = run->io.data_offset;

    if ((size != 1 && size != 2 && size != 4) ||
        off > kv->run_size || (uint64_t)count * size > kv->run_size - off) {
        kvm_report("malformed KVM_EXIT_IO (port 0x%x size %u count %u)",
                   run->io.port, size, count);
        return false;
    }
    uint8_t *p = (uint8_t *)run + off;
    bool out = run->io.direction == KVM_EXIT_IO_OUT;
    bql_lock();
    uint64_t mask = (1ull << (8 * size)) - 1;
    for (uint32_t i = 0; i < count; i++, p += size) {
        uint64_t v;
        /* Same -d ioport lines as the interpreter (target/i386/ioport.c). */
        if (out) {
            v = load_le(p, size);
            log_mask_printf(LOG_IOPORT, "ioport write %04x/%u <- %0*llx\n", run->io.port,
                            size, (int)size * 2, (unsigned long long)v);
            as_write(&m->io, run->io.port, size, v);
        } else {
            v = ~0ull;
            as_read(&m->io, run->io.port, size, &v);
            v &= mask;
            log_mask_printf(LOG_IOPORT, "ioport read  %04x/%u -> %0*llx\n", run->io.port,
                            size, (int)size * 2, (unsigned long long)v);
            store_le(p, size, v);
        }
    }
    bql_unlock();
    return true;
}

/* KVM_EXIT_MMIO: up to 8 bytes at run->mmio.phys_addr.  Split into
 * power-of-two pieces (the bus takes 1/2/4/8); pieces hitting a RamSlot are
 * ROM: writes ignored, reads served from the image (ROM not in KVM). */
static bool kvm_handle_mmio(KvmVcpu *kv, Machine *m)
{
    struct kvm_run *run = kv->run;
    uint64_t gpa = run->mmio.phys_addr;
    unsigned len = run->mmio.len;
    bool is_write = run->mmio.is_write;

    if (len == 0 || len > 8) {
        kvm_report("malformed KVM_EXIT_MMIO (addr 0x%llx len %u)",
                   (unsigned long long)gpa, len);
        return false;
    }
    bql_lock();
    for (unsigned off = 0; off < len;) {
        unsigned rem = len - off, n = rem >= 8 ? 8 : rem >= 4 ? 4 : rem >= 2 ? 2 : 1;
        uint64_t a = gpa + off;
        const RamSlot *slot = phys_find_slot(&m->mem, a);
        if (slot) {
            n = 1; /* rare: byte-wise keeps slot boundaries exact */
            if (!is_write) {
                run->mmio.data[off] = slot->host[a - slot->gpa];
            } else {
                log_mask_printf(LOG_GUEST_ERROR, "kvm: write to ROM %s at 0x%llx ignored\n",
                                slot->name ? slot->name : "?", (unsigned long long)a);
            }
        } else if (is_write) {
            as_write(&m->mem.mmio, a, n, load_le(run->mmio.data + off, n));
        } else {
            uint64_t v = ~0ull;
            as_read(&m->mem.mmio, a, n, &v);
            store_le(run->mmio.data + off, n, v);
        }
        off += n;
    }
    bql_unlock();
    return true;
}

static const char *kvm_internal_suberror_name(uint32_t sub)
{
    switch (sub) {
    case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
    case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV: return "exit while delivering an event";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
    default: return "unknown";
    }
}

static void kvm_report_internal_error(KvmVcpu *kv)
{
    struct kvm_run *run = kv->run;
    struct kvm_regs regs;
    char rip[32] = "?";
    if (ioctl(kv->fd, KVM_GET_REGS, &regs) == 0) {
        snprintf(rip, sizeof(rip), "0x%llx", (unsigned long long)regs.rip);
    }
    char bytes[96] = "";
    uint32_t sub = run->internal.suberror;
    /* api.rst: for KVM_INTERNAL_ERROR_EMULATION, when flags has
     * KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES the overlaid
     * emulation_failure struct carries the instruction bytes. */
    if (sub == KVM_INTERNAL_ERROR_EMULATION && run->emulation_failure.ndata >= 3 &&
        (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
        unsigned n = run->emulation_failure.insn_size;
        if (n > sizeof(run->emulation_failure.insn_bytes)) {
            n = sizeof(run->emulation_failure.insn_bytes);
        }
        size_t pos = snprintf(bytes, sizeof(bytes), ", instruction bytes:");
        for (unsigned i = 0; i < n && pos < sizeof(bytes); i++) {
            pos += snprintf(bytes + pos, sizeof(bytes) - pos, " %02x",
                            run->emulation_failure.insn_bytes[i]);
        }
    } else if (run->internal.ndata > 0) {
        /* Other suberrors: raw data words (exit reason, info fields). */
        unsigned n = run->internal.ndata;
        if (n > 4) {
            n = 4;
        }
        size_t pos = snprintf(bytes, sizeof(bytes), ", data:");
        for (unsigned i = 0; i < n && pos < sizeof(bytes); i++) {
            pos += snprintf(bytes + pos, sizeof(bytes) - pos, " 0x%llx",
                            (unsigned long long)run->internal.data[i]);
        }
    }
    kvm_report("KVM_EXIT_INTERNAL_ERROR suberror %u (%s) at RIP=%s%s", sub,
               kvm_internal_suberror_name(sub), rip, bytes);
}

/* Inject a pending external interrupt if the guest can take it now, else
 * ask KVM to exit as soon as it can (api.rst: request_interrupt_window,
 * ready_for_interrupt_injection, if_flag, KVM_INTERRUPT). */
static int kvm_inject_pending(KvmVcpu *kv, X86CPU *cpu)
{
    struct kvm_run *run = kv->run;
    Machine *m = cpu->machine;

    /* api.rst KVM_NMI: queues an NMI, well defined without an in-kernel
     * irqchip; KVM delivers it when NMIs are not blocked. */
    if (__atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST) & CPU_INTERRUPT_NMI) {
        __atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_NMI, __ATOMIC_SEQ_CST);
        if (kvm_vcpu_ioctl_checked(kv, KVM_NMI, NULL, "KVM_NMI") < 0) {
            return -1;
        }
        log_mask_printf(LOG_INT, "kvm: cpu %d: NMI injected\n", cpu->index);
    }
    if (!(__atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST) & CPU_INTERRUPT_HARD)) {
        run->request_interrupt_window = 0;
        return 0;
    }
    ApicState *apic = m ? apic_find(m, cpu->index) : NULL;
    if (kv->run_flags_valid && run->ready_for_interrupt_injection && run->if_flag &&
        m && (apic || m->intr_ack)) {
        /* INTA: through the CPU's local APIC when the machine has them
         * (it forwards ExtINT to the 8259), else straight to the 8259 */
        bql_lock();
        int vector = apic ? apic_intr_ack(apic) : m->intr_ack(m->intc);
        bql_unlock();
        if (vector >= 0 && vector < 256) {
            struct kvm_interrupt irq = { .irq = (uint32_t)vector };
            if (kvm_vcpu_ioctl_checked(kv, KVM_INTERRUPT, &irq, "KVM_INTERRUPT") < 0) {
                return -1;
            }
            if (log_enabled(LOG_INT)) {
                struct kvm_regs regs;
                unsigned long long rip = ioctl(kv->fd, KVM_GET_REGS, &regs) == 0 ? regs.rip : 0;
                log_printf("kvm: cpu %d: v=%02x external interrupt injected at RIP=%016llx\n",
                           cpu->index, vector, rip);
            }
        }
        /* The INTA may leave INTR high (another IRQ pending): come back
         * when the guest can take the next one.  A controller that answered
         * "nothing" is not asked again until its line changes (no spin). */
        run->request_interrupt_window = vector >= 0 &&
            (__atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST) & CPU_INTERRUPT_HARD) != 0;
    } else {
        run->request_interrupt_window = 1;
    }
    return 0;
}

static VcpuExit kvm_vcpu_run(X86CPU *cpu)
{
    KvmVcpu *kv = cpu->accel_state;
    if (!kv) {
        kvm_report("vcpu_run on a vCPU without KVM state");
        return VCPU_EXIT_FATAL;
    }
    Machine *m = cpu->machine;
    struct kvm_run *run = kv->run;

    if (!kv->thread_known) {
        kv->thread = pthread_self();
        __atomic_store_n(&kv->thread_known, 1, __ATOMIC_RELEASE);
        /* The vCPU thread may have been created with signals blocked. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, KVM_KICK_SIGNAL);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
    cpu->env.halted = false;

    bool io_pending = false; /* last exit's I/O not yet completed by KVM */
    for (;;) {
        if (kv->wait_for_sipi) {
            cpu->env.halted = true;
            return VCPU_EXIT_HALT;
        }
        if (kvm_stop_requested(cpu)) {
            if (io_pending) {
                kvm_complete_pending_io(kv);
            }
            if (m && __atomic_load_n(&m->reset_requested, __ATOMIC_ACQUIRE)) {
                kv->reset_pending = true;
            }
            return VCPU_EXIT_REQUEST;
        }
        if (kvm_inject_pending(kv, cpu) < 0) {
            return VCPU_EXIT_FATAL;
        }

        int r = ioctl(kv->fd, KVM_RUN, 0);
        int err = errno;
        kv->run_flags_valid = true;
        io_pending = false;
        if (r < 0) {
            if (err == EINTR || err == EAGAIN) {
                /* A kick: clear it, then look at what was asked. */
                __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
                continue;
            }
            kvm_report("KVM_RUN failed on vCPU %d: %s", cpu->index, strerror(err));
            return VCPU_EXIT_FATAL;
        }

        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            if (!kvm_handle_io(kv, m)) {
                return VCPU_EXIT_FATAL;
            }
            io_pending = true;
            break;
        case KVM_EXIT_MMIO:
            if (!kvm_handle_mmio(kv, m)) {
                return VCPU_EXIT_FATAL;
            }
            io_pending = true;
            break;
        case KVM_EXIT_IRQ_WINDOW_OPEN:
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_HLT:
            /* RIP is already past HLT.  If an interrupt is deliverable now,
             * just inject it instead of a round trip through the generic
             * loop's sleep. */
            {
                int req = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST);
                if (((req & CPU_INTERRUPT_HARD) && run->if_flag) || (req & CPU_INTERRUPT_NMI)) {
                    break;
                }
            }
            /* Keep the architectural view the generic loop consults. */
            cpu_set_eflags(&cpu->env, run->if_flag ? IF_MASK : 0, IF_MASK);
            if (kvm_stop_requested(cpu)) {
                return VCPU_EXIT_REQUEST;
            }
            cpu->env.halted = true;
            return VCPU_EXIT_HALT;
        case KVM_EXIT_SHUTDOWN:
            /* Triple fault (SDM Vol.3 6.15, "Interrupt 8"): the PC resets. */
            log_mask_printf(LOG_INT, "kvm: cpu %d: triple fault\n", cpu->index);
            kv->reset_pending = true;
            bql_lock();
            machine_request_reset(m, "triple fault");
            bql_unlock();
            return VCPU_EXIT_REQUEST;
        case KVM_EXIT_SYSTEM_EVENT:
            if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
                bql_lock();
                machine_request_reset(m, "KVM system event");
                bql_unlock();
                return VCPU_EXIT_REQUEST;
            }
            if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
                bql_lock();
                machine_request_shutdown(m, 0);
                bql_unlock();
                return VCPU_EXIT_REQUEST;
            }
            kvm_report("KVM_EXIT_SYSTEM_EVENT type %u on vCPU %d",
                       run->system_event.type, cpu->index);
            return VCPU_EXIT_FATAL;
        case KVM_EXIT_INTERNAL_ERROR:
            kvm_report_internal_error(kv);
            return VCPU_EXIT_FATAL;
        case KVM_EXIT_FAIL_ENTRY:
            kvm_report("KVM_EXIT_FAIL_ENTRY on vCPU %d: hardware entry failure "
                       "reason 0x%llx (invalid guest state)", cpu->index,
                       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
            return VCPU_EXIT_FATAL;
        case KVM_EXIT_UNKNOWN:
            kvm_report("KVM_EXIT_UNKNOWN on vCPU %d: hardware exit reason 0x%llx",
                       cpu->index, (unsigned long long)run->hw.hardware_exit_reason);
            return VCPU_EXIT_FATAL;
        default:
            kvm_report("unexpected KVM exit reason %u on vCPU %d", run->exit_reason,
                       cpu->index);
            return VCPU_EXIT_FATAL;
        }
        /* The loop head returns VCPU_EXIT_REQUEST if that exit changed the
         * machine's run state (reset/shutdown port, ...). */
    }
}

static void kvm_get_state(X86CPU *cpu)
{
    if (cpu->accel_state) {
        kvm_arch_get_state(cpu);
    }
}

static void kvm_put_state(X86CPU *cpu)
{
    KvmVcpu *kv = cpu->accel_state;
    if (kv) {
        kvm_arch_put_state(cpu);
        /* The generic loop decided this state (SIPI start, INIT, reset)
         * and only calls vcpu_run once the CPU may run. */
        kv->wait_for_sipi = false;
    }
}

const AccelOps accel_kvm_ops = {
    .name = "kvm",
    .available = kvm_available,
    .preferred = kvm_preferred,
    .init = kvm_init,
    .vcpu_init = kvm_vcpu_init,
    .vcpu_run = kvm_vcpu_run,
    .kick = kvm_kick,
    .get_state = kvm_get_state,
    .put_state = kvm_put_state,
    .vcpu_destroy = kvm_vcpu_destroy,
    .destroy = kvm_destroy,
};
