/*
 * accel/accel.c - choosing the accelerator by name.
 *
 * Design: both AccelOps tables always exist (KVM's reports "not available"
 * where /dev/kvm is missing), so selection is a runtime question, never a
 * build option.  "auto" prefers KVM only when it is both usable and
 * preferred (hardware virtualization present), and silently falls back to
 * TCG otherwise; an explicit "-accel kvm" that cannot work is an error,
 * because the user asked for speed they would not get.
 */
#include <stdio.h>
#include <string.h>

#include "accel/accel.h"

const AccelOps *current_accel;

const AccelOps *accel_select(const char *name, char *why, size_t len)
{
    char reason[256] = "";

    if (!strcmp(name, "tcg")) {
        return &accel_tcg_ops;
    }
    if (!strcmp(name, "kvm")) {
        if (accel_kvm_ops.available &&
            accel_kvm_ops.available(reason, sizeof(reason))) {
            return &accel_kvm_ops;
        }
        snprintf(why, len, "-accel kvm: KVM is not available: %s",
                 reason[0] ? reason : "unknown reason");
        return NULL;
    }
    if (!strcmp(name, "auto")) {
        if (accel_kvm_ops.preferred && accel_kvm_ops.preferred() &&
            accel_kvm_ops.available &&
            accel_kvm_ops.available(reason, sizeof(reason))) {
            return &accel_kvm_ops;
        }
        return &accel_tcg_ops;
    }
    snprintf(why, len, "-accel %s: invalid accelerator", name);
    return NULL;
}
