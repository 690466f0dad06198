/* system/main.c - placeholder entry point; replaced by the real option
 * parser and machine start-up (system/ helper). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-version")) {
            printf("emu86 version 0.1.0\n");
            return 0;
        }
    }
    fprintf(stderr, "emu86: not yet able to run a machine\n");
    return 1;
}
