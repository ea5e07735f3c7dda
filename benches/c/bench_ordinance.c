/* benches/c/bench_ordinance.c — the cost of the C ABI, measured (never
 * asserted): ord_evaluate_json per call, with and without the trace, and
 * ord_evaluate_many_json per record, beside a hand-written C function doing
 * the same work on a parsed input (the floor).
 *
 *   cargo build --release -p ordinance-ffi
 *   gcc -O2 -std=c11 -Iinclude benches/c/bench_ordinance.c -Ltarget/release -lordinance -o /tmp/bench_ordinance
 *   LD_LIBRARY_PATH=target/release /tmp/bench_ordinance rules
 *
 * docs/performance.md records what it printed. */
#define _POSIX_C_SOURCE 199309L
#include "ordinance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* inspection_frequency by hand: visits per year of a class. */
static int visits_floor(char class_letter) {
    switch (class_letter) {
    case 'A':
        return 4;
    case 'B':
    case 'C':
        return 8;
    default:
        return 12;
    }
}

static volatile int sink;

int main(int argc, char **argv) {
    const char *rules = argc > 1 ? argv[1] : "rules";
    const int calls = argc > 2 ? atoi(argv[2]) : 200000;
    OrdEngine *engine = NULL;
    if (ord_engine_load_dir(rules, &engine) != ORD_STATUS_OK) {
        fprintf(stderr, "cannot load %s: %s\n", rules, ord_last_error_message());
        return 1;
    }
    const char *rule = "energy_safety.inspection_frequency";
    const char *classes[] = {"{\"class\":\"A\"}", "{\"class\":\"B\"}", "{\"class\":\"C\"}", "{\"class\":\"D\"}"};
    const char *options[] = {"{\"as_of\":\"2024-06-30\",\"trace\":false}", "{\"as_of\":\"2024-06-30\",\"trace\":true}"};

    double t0 = now_ns();
    for (int i = 0; i < calls; i++) {
        sink += visits_floor("ABCD"[i % 4]);
    }
    double floor_ns = (now_ns() - t0) / calls;

    for (int traced = 0; traced < 2; traced++) {
        t0 = now_ns();
        for (int i = 0; i < calls; i++) {
            char *out = NULL;
            if (ord_evaluate_json(engine, rule, classes[i % 4], options[traced], &out) != ORD_STATUS_OK) {
                fprintf(stderr, "evaluation failed: %s\n", ord_last_error_message());
                return 1;
            }
            ord_string_free(out);
        }
        double per = (now_ns() - t0) / calls;
        printf("ord_evaluate_json, trace %-3s        %10.1f ns/call   floor %6.1f ns\n", traced ? "on" : "off", per,
               floor_ns);
    }

    /* a batch of 10,000 records in one call */
    enum { RECORDS = 10000 };
    size_t cap = RECORDS * 16 + 16, len = 0;
    char *batch = malloc(cap);
    if (batch == NULL) {
        return 1;
    }
    batch[len++] = '[';
    for (int i = 0; i < RECORDS; i++) {
        len += (size_t)snprintf(batch + len, cap - len, "%s%s", i ? "," : "", classes[i % 4]);
    }
    batch[len++] = ']';
    batch[len] = '\0';
    const int rounds = calls / RECORDS > 0 ? calls / RECORDS : 1;
    t0 = now_ns();
    for (int r = 0; r < rounds; r++) {
        char *out = NULL;
        if (ord_evaluate_many_json(engine, rule, batch, options[0], &out) != ORD_STATUS_OK) {
            fprintf(stderr, "batch failed: %s\n", ord_last_error_message());
            return 1;
        }
        ord_string_free(out);
    }
    printf("ord_evaluate_many_json, per record  %10.1f ns/record floor %6.1f ns\n",
           (now_ns() - t0) / ((double)rounds * RECORDS), floor_ns);
    free(batch);
    ord_engine_free(engine);
    return 0;
}
