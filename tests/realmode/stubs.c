/*
 * tests/realmode/stubs.c - weak stand-ins for services that live in
 * system/main.c or the I/O thread, which the runner does not link: the
 * machine code calls them when a vCPU asks for shutdown or reset.  Weak, so
 * the real ones win once they move into a library object.
 */
__attribute__((weak)) void main_loop_wakeup(void)
{
    /* no main loop: run286 polls the machine state after every run */
}
