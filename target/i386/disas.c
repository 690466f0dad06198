/*
 * target/i386/disas.c - capstone wrapper for instruction logging.
 *
 * Design: one capstone handle per CPU mode, opened lazily on first use and
 * kept for the life of the process.  A capstone handle is not safe for
 * concurrent use, and several vCPU threads may log at once, so every use
 * is serialised by one mutex (logging is slow anyway).
 */
#include <capstone/capstone.h>
#include <pthread.h>
#include <string.h>

#include "target/i386/disas.h"

static pthread_mutex_t disas_lock = PTHREAD_MUTEX_INITIALIZER;
static csh disas_handle[3];
static bool disas_open[3];
static bool disas_failed[3];

/* Called with disas_lock held. */
static bool disas_get(CpuMode mode, csh *h)
{
    int i = mode == MODE_16 ? 0 : mode == MODE_32 ? 1 : 2;
    if (!disas_open[i] && !disas_failed[i]) {
        cs_mode cm = mode == MODE_16 ? CS_MODE_16 : mode == MODE_32 ? CS_MODE_32 : CS_MODE_64;
        if (cs_open(CS_ARCH_X86, cm, &disas_handle[i]) == CS_ERR_OK) {
            disas_open[i] = true;
        } else {
            disas_failed[i] = true;
        }
    }
    *h = disas_handle[i];
    return disas_open[i];
}

static int disas_one_locked(csh h, uint64_t addr, const uint8_t *buf, unsigned len,
                            char *out, size_t outlen)
{
    cs_insn *ci = NULL;
    int n = 0;
    if (len > 15) {
        len = 15;
    }
    if (cs_disasm(h, buf, len, addr, 1, &ci) == 1) {
        if (ci->op_str[0]) {
            snprintf(out, outlen, "%s %s", ci->mnemonic, ci->op_str);
        } else {
            snprintf(out, outlen, "%s", ci->mnemonic);
        }
        n = ci->size;
    } else if (outlen) {
        snprintf(out, outlen, "(bad)");
    }
    if (ci) {
        cs_free(ci, 1);
    }
    return n;
}

int disas_insn(CpuMode mode, uint64_t addr, const uint8_t *buf, unsigned len,
               char *out, size_t outlen)
{
    csh h;
    int n = 0;
    pthread_mutex_lock(&disas_lock);
    if (disas_get(mode, &h)) {
        n = disas_one_locked(h, addr, buf, len, out, outlen);
    } else if (outlen) {
        snprintf(out, outlen, "(no disassembler)");
    }
    pthread_mutex_unlock(&disas_lock);
    return n;
}

void disas_block_log(FILE *f, CpuMode mode, uint64_t pc, const uint8_t *buf, unsigned len)
{
    char text[160];
    unsigned off = 0;
    while (off < len) {
        int n = disas_insn(mode, pc + off, buf + off, len - off, text, sizeof(text));
        if (n <= 0) {
            fprintf(f, "0x%016llx:  %s\n", (unsigned long long)(pc + off), text);
            break;
        }
        fprintf(f, "0x%016llx:  %s\n", (unsigned long long)(pc + off), text);
        off += n;
    }
}
