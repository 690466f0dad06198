/*
 * tests/unit/ops-weak-stubs.h - what tests/unit/ops-weak-stubs.c offers
 * the handler tests: the flat stub memory and I/O recorders, in use only
 * while the real mmu.c / seg.c are not linked (stub_mem_active()).
 */
#ifndef TESTS_UNIT_OPS_WEAK_STUBS_H
#define TESTS_UNIT_OPS_WEAK_STUBS_H

#include <stdbool.h>
#include <stdint.h>

extern uint8_t stub_mem[65536];
extern uint64_t stub_io_last_port, stub_io_last_value;
extern unsigned stub_io_last_size, stub_io_writes, stub_io_reads;
extern int stub_last_interrupt;

/* True when the stub cpu_ldub (flat stub_mem) is the one linked in. */
bool stub_mem_active(void);

#endif
