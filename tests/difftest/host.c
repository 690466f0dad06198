/*
 * tests/difftest/host.c - the native side: a persistent forked child fed
 * through a shared mailbox; a trampoline loads the state and jumps to the
 * code, and a signal handler on an alternate stack captures the result.
 */

#include <asm/prctl.h>
#include <sys/syscall.h>

#include "tests/difftest/difftest.h"

/* Bytes of a sequence at `start` that fit in the code page (the rest
 * would be on the unmapped page after it). */
size_t code_room(uint64_t start, size_t len)
{
    uint64_t room = CODE_ADDR + CODE_SIZE - start;
    return len < room ? len : (size_t)room;
}

/* ------------------------------------------------------------------ */
/* native side: persistent child, shared mailbox */


Mailbox *mbox;
static pid_t child_pid = -1;
static int to_child = -1, from_child = -1;

/* Child-side state (the child is a fork of this process). */
static sigjmp_buf child_jb;
/* Pop order of the trampoline: flags, rax..rdi (no rsp), r8..r15, rsp */
static uint64_t tramp_block[18];
__attribute__((used, visibility("hidden"))) uint64_t difftest_tramp_entry;

/* rdi = the pop block, rsi = a standard-format XSAVE image (x87 clean,
 * the job's XMM/YMM registers and MXCSR; XSTATE_BV = 7) restored with
 * XRSTOR for x87, SSE and AVX state */
void difftest_enter(uint64_t *block, void *xsimage);
asm(".text\n"
    ".globl difftest_enter\n"
    ".type difftest_enter, @function\n"
    "difftest_enter:\n"
    "  mov $7, %eax\n  xor %edx, %edx\n"
    "  xrstor64 (%rsi)\n"
    "  mov %rdi, %rsp\n"
    "  popfq\n"
    "  pop %rax\n  pop %rcx\n  pop %rdx\n  pop %rbx\n"
    "  pop %rbp\n  pop %rsi\n  pop %rdi\n"
    "  pop %r8\n  pop %r9\n  pop %r10\n  pop %r11\n"
    "  pop %r12\n  pop %r13\n  pop %r14\n  pop %r15\n"
    "  pop %rsp\n"
    "  jmp *difftest_tramp_entry(%rip)\n"
    ".size difftest_enter, .-difftest_enter\n");

static void child_signal(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    greg_t *g = uc->uc_mcontext.gregs;
    HostResult *r = &mbox->res;
    static const int map[16] = {
        REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
        REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
    };
    r->signo = sig;
    r->si_code = si->si_code;
    for (int i = 0; i < 16; i++) {
        r->regs[i] = (uint64_t)g[map[i]];
    }
    r->rip = (uint64_t)g[REG_RIP];
    r->flags = (uint64_t)g[REG_EFL];
    r->trapno = (uint64_t)g[REG_TRAPNO];
    r->err = (uint64_t)g[REG_ERR];
    r->cr2 = (uint64_t)g[REG_CR2];
    if (uc->uc_mcontext.fpregs) {
        const struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
        r->mxcsr = fp->mxcsr;
        memcpy(r->xmm, fp->_xmm, sizeof(r->xmm));
        /* the signal frame is an XSAVE image (standard format): YMM
         * bits 255:128 at 576 when XSTATE_BV[2] says they are not in
         * their initial configuration (zero) */
        const uint8_t *xs = (const uint8_t *)fp;
        uint32_t magic;
        uint64_t xstate_bv;
        memcpy(&magic, xs + 464, 4);
        memcpy(&xstate_bv, xs + 512, 8);
        if (magic == 0x46505853u && (xstate_bv & 4)) {     /* FP_XSTATE_MAGIC1 */
            memcpy(r->ymmh, xs + 576, sizeof(r->ymmh));
        } else {
            memset(r->ymmh, 0, sizeof(r->ymmh));
        }
        r->fcw = fp->cwd;
        r->fsw = fp->swd;
        r->ftw = (uint8_t)fp->ftw;
        for (int i = 0; i < 8; i++) {
            memcpy(r->st[i], &fp->_st[i], 10);   /* stack order */
        }
    }
    memcpy(r->data, (void *)DATA_ADDR, DATA_SIZE);
    siglongjmp(child_jb, 1);
}

static void child_main(void)
{
    static uint8_t altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = child_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        sigaction(sigs[i], &sa, NULL);
    }
    void *d = mmap((void *)DATA_ADDR, DATA_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *c = mmap((void *)CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (d != (void *)DATA_ADDR || c != (void *)CODE_ADDR) {
        _exit(3);
    }
    uint16_t s;
    asm volatile("mov %%cs, %0" : "=r"(s)); mbox->res.sel_cs = s;
    asm volatile("mov %%ss, %0" : "=r"(s)); mbox->res.sel_ss = s;
    asm volatile("mov %%ds, %0" : "=r"(s)); mbox->res.sel_ds = s;
    asm volatile("mov %%es, %0" : "=r"(s)); mbox->res.sel_es = s;
    asm volatile("mov %%fs, %0" : "=r"(s)); mbox->res.sel_fs = s;
    asm volatile("mov %%gs, %0" : "=r"(s)); mbox->res.sel_gs = s;
    /* the x87/SSE image every job starts from: after FNINIT, registers
     * zero (as emu86's fpu_init_state(env, true)) */
    static uint8_t fximg[832] __attribute__((aligned(64)));
    asm volatile("fninit\n\tfxsave64 %0" : "=m"(*(uint8_t (*)[512])fximg));
    memset(fximg + 32, 0, 128);  /* ST0-ST7 / MM0-MM7 */
    memset(fximg + 512, 0, 64);  /* XSAVE header: XSTATE_BV = x87 | SSE | AVX */
    fximg[512] = 7;
    /* WRGSBASE in a sequence would change the runner's GS base for every
     * later job (RDGSBASE then reads garbage): restored before each job.
     * (WRFSBASE moves the TLS; the handler then dies and the runner is
     * restarted, which restores FS.) */
    unsigned long gs0 = 0;
    if (syscall(SYS_arch_prctl, ARCH_GET_GS, &gs0)) {
        gs0 = 0;
    }
    char ch = 'r';
    if (write(1, &ch, 1) != 1) {
        _exit(4);
    }
    for (;;) {
        if (read(0, &ch, 1) != 1) {
            _exit(0);
        }
        syscall(SYS_arch_prctl, ARCH_SET_GS, gs0);
        HostJob *j = &mbox->job;
        memcpy((void *)DATA_ADDR, j->data, DATA_SIZE);
        /* fill the page with int3 as emu86 does, then place the code */
        memset((void *)CODE_ADDR, 0xcc, CODE_SIZE);
        memcpy((void *)j->entry, j->code, code_room(j->entry, j->code_len + 1));
        tramp_block[0] = j->flags;
        int k = 1;
        for (int i = 0; i < 16; i++) {
            if (i != R_ESP) {
                tramp_block[k++] = j->regs[i];
            }
        }
        tramp_block[k] = j->regs[R_ESP];
        difftest_tramp_entry = j->entry;
        memcpy(fximg + 0, &j->fcw, 2);
        memcpy(fximg + 2, &j->fsw, 2);
        fximg[4] = j->ftw;
        memcpy(fximg + 24, &j->mxcsr, 4);
        for (int i = 0; i < 8; i++) {
            memset(fximg + 32 + 16 * i, 0, 16);
            memcpy(fximg + 32 + 16 * i, j->st[i], 10);
        }
        memcpy(fximg + 160, j->xmm, sizeof(j->xmm));
        memcpy(fximg + 576, j->ymmh, sizeof(j->ymmh));
        if (sigsetjmp(child_jb, 1) == 0) {
            difftest_enter(tramp_block, fximg);
        }
        if (write(1, &ch, 1) != 1) {
            _exit(4);
        }
    }
}

void host_stop(void)
{
    if (child_pid > 0) {
        close(to_child);
        close(from_child);
        kill(child_pid, SIGKILL);
        waitpid(child_pid, NULL, 0);
        child_pid = -1;
    }
}

bool host_start(void)
{
    int p1[2], p2[2];
    if (pipe(p1) || pipe(p2)) {
        return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        dup2(p1[0], 0);
        dup2(p2[1], 1);
        close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
        child_main();
        _exit(0);
    }
    close(p1[0]);
    close(p2[1]);
    to_child = p1[1];
    from_child = p2[0];
    child_pid = pid;
    char ch;
    if (read(from_child, &ch, 1) != 1) {
        host_stop();
        return false;
    }
    return true;
}


int host_run(const Seq *s)
{
    if (child_pid < 0 && !host_start()) {
        fprintf(stderr, "difftest: cannot start the host runner\n");
        exit(2);
    }
    HostJob *j = &mbox->job;
    memcpy(j->code, s->code, s->code_len + 1);
    j->code_len = s->code_len;
    j->entry = s->start;
    memcpy(j->regs, s->regs, sizeof(j->regs));
    j->flags = s->flags;
    memcpy(j->xmm, s->xmm, sizeof(j->xmm));
    memcpy(j->ymmh, s->ymmh, sizeof(j->ymmh));
    j->mxcsr = s->mxcsr;
    j->fcw = s->fcw;
    j->fsw = s->fsw;
    j->ftw = s->ftw;
    memcpy(j->st, s->st, sizeof(j->st));
    memcpy(j->data, s->data, DATA_SIZE);
    memset(&mbox->res.signo, 0, offsetof(HostResult, data));
    char ch = 'g';
    if (write(to_child, &ch, 1) != 1) {
        host_stop();
        return HOST_DIED;
    }
    struct pollfd pfd = { .fd = from_child, .events = POLLIN };
    int r = poll(&pfd, 1, 2000);
    if (r <= 0) {
        host_stop();
        return HOST_TIMEOUT;
    }
    if (read(from_child, &ch, 1) != 1) {
        host_stop();
        return HOST_DIED;
    }
    return HOST_OK;
}
