/* hello-veilid-cli: the example's second program, as Veilid ships veilid-cli beside veilid-server. */
#include <stdio.h>
#include <string.h>

#ifndef HELLO_VERSION
#define HELLO_VERSION "0.0.0-dev"
#endif

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("hello-veilid-cli %s\n", HELLO_VERSION);
        return 0;
    }
    printf("hello-veilid-cli: %d argument(s)\n", argc - 1);
    return 0;
}
