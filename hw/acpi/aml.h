/*
 * hw/acpi/aml.h - a small builder for ACPI Machine Language (the bytecode
 * of the DSDT), ACPI 6.x chapter 20 (grammar) and 6.4 (resource data).
 *
 * Design: every term is a growable byte string (Aml).  Constructors make a
 * term from values; containers (aml_scope, aml_device, aml_method,
 * aml_package, resource templates) take ownership of their already built
 * body and wrap it with its opcode and PkgLength, which must count the
 * finished body.  aml_append(parent, child) moves child's bytes into parent
 * and frees child, so a table is written inside-out the way it reads:
 *
 *     Aml *dev = aml_new();
 *     aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0B00")));
 *     aml_append(scope_body, aml_device("RTC", dev));
 *
 * Allocation failure is sticky (Aml.oom) and propagates through append, so
 * callers check once at the end.
 */
#ifndef HW_ACPI_AML_H
#define HW_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Aml {
    uint8_t *buf;
    size_t len, cap;
    bool oom;
} Aml;

Aml *aml_new(void);
void aml_free(Aml *a);
/* Appends child's bytes to parent and frees child. */
void aml_append(Aml *parent, Aml *child);

/* Data objects */
Aml *aml_int(uint64_t v);                 /* ZeroOp/OneOp/OnesOp/Byte../QWordConst */
Aml *aml_string(const char *s);           /* StringPrefix ... NUL */
Aml *aml_eisaid(const char *id);          /* "PNP0A03" -> compressed DWord */
Aml *aml_package(Aml *elements, unsigned count); /* PackageOp, takes elements */
/* A NameString by itself (a reference in a package or expression). */
Aml *aml_name(const char *path);

/* Named objects and containers */
Aml *aml_name_decl(const char *name, Aml *value);  /* Name(name, value) */
Aml *aml_scope(const char *name, Aml *body);
Aml *aml_device(const char *name, Aml *body);
Aml *aml_method(const char *name, unsigned nargs, bool serialized, Aml *body);
Aml *aml_return(Aml *value);

/* Resource templates (6.4): aml_resource_template(list) wraps a list of
 * descriptors with the End Tag into a Buffer object. */
Aml *aml_resource_template(Aml *descriptors);
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);  /* 16-bit decode */
Aml *aml_irq_noflags(unsigned irq);
Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool writable);
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_word_io(uint16_t min, uint16_t max);
Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable);
Aml *aml_qword_memory(uint64_t min, uint64_t max, bool cacheable);

#endif
