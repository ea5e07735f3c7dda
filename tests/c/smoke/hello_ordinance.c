/*
 * hello_ordinance.c — the smallest program against an installed
 * libordinance, built with `pkg-config --cflags --libs ordinance` by
 * tests/c/run.sh after `make install`. It is also the example of
 * docs/c-abi.md.
 *
 * Usage: hello_ordinance RULES_DIR
 */
#include <ordinance.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s RULES_DIR\n", argv[0]);
        return 2;
    }
    if (ord_abi_version() != ORD_ABI_VERSION) {
        fprintf(stderr, "libordinance ABI %u, header ABI %u\n", ord_abi_version(), (unsigned)ORD_ABI_VERSION);
        return 1;
    }

    OrdEngine *engine = NULL;
    if (ord_engine_load_dir(argv[1], &engine) != ORD_STATUS_OK) {
        fprintf(stderr, "cannot load rules: %s\n", ord_last_error_message());
        return 1;
    }

    int rc = 0;
    char *decision = NULL;
    OrdStatus st = ord_evaluate_json(engine, "energy_safety.inspection_frequency", "{\"class\":\"D\"}",
                                     "{\"as_of\":\"2024-06-30\",\"trace\":false}", &decision);
    if (st == ORD_STATUS_OK && strstr(decision, "\"visits_per_year\":12") != NULL) {
        printf("class D: %s\n", decision);
    } else {
        fprintf(stderr, "class D: status %d: %s\n", (int)st, ord_last_error_message());
        rc = 1;
    }
    ord_string_free(decision);

    decision = NULL;
    st = ord_evaluate_json(engine, "energy_safety.inspection_frequency", "{\"class\":\"E\"}", NULL, &decision);
    if (st == ORD_STATUS_INPUT_ERROR && decision == NULL) {
        printf("class E: status %d: %s\n", (int)st, ord_last_error_message());
        printf("class E: %s\n", ord_last_error_json());
    } else {
        fprintf(stderr, "class E: expected an input error, got status %d\n", (int)st);
        rc = 1;
    }

    st = ord_evaluate_json(NULL, "energy_safety.inspection_frequency", "{\"class\":\"D\"}", NULL, &decision);
    if (st == ORD_STATUS_NULL_ARGUMENT) {
        printf("NULL engine: status %d: %s\n", (int)st, ord_last_error_message());
    } else {
        fprintf(stderr, "NULL engine: expected a NULL-argument status, got %d\n", (int)st);
        rc = 1;
    }

    ord_engine_free(engine);
    return rc;
}
