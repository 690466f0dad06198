/* bench/compare/native.c - the "native" column of the comparison: the
 * very same workload functions the guests run (workloads.asm assembled
 * as an ELF64 object), called on the host and timed here.
 *
 *   native WORKLOAD SIZE BUFLOG2   prints "checksum HEX", "tsc N",
 *                                  "seconds S" (the call alone)
 *   native --tsc-hz                prints the host TSC frequency, measured
 *                                  against CLOCK_MONOTONIC; the driver
 *                                  turns KVM/QEMU guests' RDTSC deltas
 *                                  into seconds with it (the guest TSC
 *                                  ticks at the host rate there).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

typedef uint64_t (*wl_fn)(uint64_t size, void *buf, uint64_t buflog2);
extern uint64_t wl_int(uint64_t, void *, uint64_t);
extern uint64_t wl_mem(uint64_t, void *, uint64_t);
extern uint64_t wl_branchy(uint64_t, void *, uint64_t);
extern uint64_t wl_string(uint64_t, void *, uint64_t);
extern uint64_t wl_x87(uint64_t, void *, uint64_t);
extern uint64_t wl_sse(uint64_t, void *, uint64_t);

static const struct { const char *name; wl_fn fn; } workloads[] = {
    { "int", wl_int }, { "mem", wl_mem }, { "branchy", wl_branchy },
    { "string", wl_string }, { "x87", wl_x87 }, { "sse", wl_sse },
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--tsc-hz")) {
        /* 200 ms is long enough for ~1e-4 precision and short enough to
         * run on every invocation of the driver. */
        double t0 = now();
        uint64_t c0 = rdtsc();
        while (now() - t0 < 0.2) {
        }
        uint64_t c1 = rdtsc();
        double t1 = now();
        printf("%.0f\n", (c1 - c0) / (t1 - t0));
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: %s WORKLOAD SIZE BUFLOG2 | --tsc-hz\n", argv[0]);
        return 2;
    }
    wl_fn fn = NULL;
    for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
        if (!strcmp(argv[1], workloads[i].name)) {
            fn = workloads[i].fn;
        }
    }
    if (!fn) {
        fprintf(stderr, "native: unknown workload %s\n", argv[1]);
        return 2;
    }
    uint64_t size = strtoull(argv[2], NULL, 0);
    uint64_t buflog2 = strtoull(argv[3], NULL, 0);
    /* Fresh anonymous memory, like the guest's never-touched RAM: the
     * first touch faults in both worlds. */
    size_t len = (size_t)1 << buflog2;
    void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("native: mmap");
        return 1;
    }
    double t0 = now();
    uint64_t c0 = rdtsc();
    uint64_t sum = fn(size, buf, buflog2);
    uint64_t c1 = rdtsc();
    double t1 = now();
    printf("checksum %016llx\ntsc %llu\nseconds %.6f\n", (unsigned long long)sum,
           (unsigned long long)(c1 - c0), t1 - t0);
    return 0;
}
