/*
 * hw/timer/hpet.h - what other code needs to know of the HPET
 * (hw/timer/hpet.c): where it sits and how it identifies itself, for the
 * ACPI HPET table and the DSDT's \_SB.HPET (hw/i386/acpi_build.c).
 */
#ifndef HW_TIMER_HPET_H
#define HW_TIMER_HPET_H

#define HPET_BASE       0xfed00000u
#define HPET_LEN        0x400u          /* 1 KiB register block */
#define HPET_NUM_TIMERS 3
/* General Capabilities and ID, bits 31:0 (HPET 1.0a 2.3.4): vendor 8086,
 * LEG_RT_CAP, COUNT_SIZE_CAP (64-bit), NUM_TIM_CAP = 2 (3 timers),
 * revision 1.  The ACPI HPET table repeats it as the Event Timer Block ID. */
#define HPET_CAP_ID_LO  0x8086a201u
#define HPET_PERIOD_FS  10000000u       /* 10 ns: 100 MHz, as QEMU */
/* Minimum periodic tick the model keeps without coalescing (hpet.c
 * HPET_MIN_PERIODIC_NS), in counter ticks: the ACPI table says it. */
#define HPET_MIN_TICK   5000u

#endif
