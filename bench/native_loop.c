/* bench/native_loop.c - the loop of bench/loop.asm run natively on the
 * host, to put the emulators' speed beside the real CPU's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    uint32_t iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
    uint32_t eax = 0x12345678, edx = 0, ecx = iters;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    __asm__ volatile("1:\n\t"
                     "addl %%ecx, %%eax\n\t"
                     "xorl %%eax, %%edx\n\t"
                     "roll $3, %%edx\n\t"
                     "decl %%ecx\n\t"
                     "jnz 1b\n\t"
                     : "+a"(eax), "+d"(edx), "+c"(ecx));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%08x %.6f\n", edx, s);
    return 0;
}
