/* hello-veilid: the small native program tagship's example releases. */
#include <stdio.h>
#include <string.h>

#ifndef HELLO_VERSION
#define HELLO_VERSION "0.0.0-dev"
#endif

const char *greeting(void) { return "hello from veilid"; }

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("hello-veilid %s\n", HELLO_VERSION);
        return 0;
    }
    printf("%s\n", greeting());
    return 0;
}
