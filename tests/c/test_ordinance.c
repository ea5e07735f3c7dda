/*
 * test_ordinance.c — exercises every export of libordinance through
 * include/ordinance.h: the happy paths, every error path (NULL arguments,
 * invalid UTF-8, malformed JSON, unknown rule, missing input, bad enum
 * value, validity, evaluation and limit errors, a broken pack), reloads
 * that fail and keep the old rules or succeed after a pack is edited in a
 * temporary copy of the rules directory, and 8 threads evaluating while
 * another reloads.
 *
 * Usage: test_ordinance RULES_DIR
 * Prints one line per failed check and a closing "c: N passed, M failed";
 * exits 1 if any check failed. tests/c/run.sh builds and runs it, plainly
 * and under valgrind.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE

#include "ordinance.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *RULE_FREQ = "energy_safety.inspection_frequency";
static const char *RULE_TEAM = "energy_safety.inspection_team_valid";
static const char *AS_OF = "{\"as_of\":\"2024-06-30\",\"trace\":false}";

static int passed;
static int failed;

static void check(int ok, const char *file, int line, const char *fmt, ...) {
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

#define CHECK(cond, ...) check((cond) != 0, __FILE__, __LINE__, __VA_ARGS__)

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* The status, the message and the error JSON of a failed call, checked
 * together: out must be NULL, the status as expected, the JSON must carry
 * the expected code, and the message and JSON the given fragments. */
static void expect_error(const char *what, OrdStatus got, OrdStatus want, const char *out, const char *code,
                         const char *message_part, const char *json_part) {
    const char *msg = ord_last_error_message();
    const char *json = ord_last_error_json();
    char code_field[64];
    snprintf(code_field, sizeof code_field, "\"code\":\"%s\"", code);
    CHECK(got == want, "%s: status %d, want %d (%s)", what, (int)got, (int)want, msg);
    CHECK(out == NULL, "%s: out-parameter not NULL on failure", what);
    CHECK(msg != NULL && msg[0] != '\0', "%s: empty error message", what);
    CHECK(contains(json, code_field), "%s: error JSON lacks %s: %s", what, code_field, json);
    if (message_part != NULL) {
        CHECK(contains(msg, message_part), "%s: message lacks `%s`: %s", what, message_part, msg);
    }
    if (json_part != NULL) {
        CHECK(contains(json, json_part), "%s: error JSON lacks `%s`: %s", what, json_part, json);
    }
}

static void expect_no_error(const char *what) {
    CHECK(strcmp(ord_last_error_message(), "") == 0, "%s: message not cleared: %s", what, ord_last_error_message());
    CHECK(strcmp(ord_last_error_json(), "null") == 0, "%s: JSON not cleared: %s", what, ord_last_error_json());
}

/* ---- files: a temporary copy of the rules directory ---------------------- */

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            char *bigger = realloc(buf, cap + 1);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
    }
    return buf;
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, f) == len;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int copy_tree(const char *from, const char *to) {
    DIR *d = opendir(from);
    if (d == NULL) {
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char src[4096], dst[4096];
        snprintf(src, sizeof src, "%s/%s", from, e->d_name);
        snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
        struct stat st;
        if (stat(src, &st) != 0) {
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            rc = (mkdir(dst, 0700) == 0 || errno == EEXIST) ? copy_tree(src, dst) : -1;
        } else if (S_ISREG(st.st_mode)) {
            char *text = read_file(src);
            rc = text != NULL ? write_file(dst, text) : -1;
            free(text);
        }
    }
    closedir(d);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path) {
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh copy of the rules directory; returns the pack's path inside it
 * (written into pack, of size n) and its original text. */
static char *make_rules_copy(const char *rules, char *dir_template, char *pack, size_t n) {
    if (mkdtemp(dir_template) == NULL || copy_tree(rules, dir_template) != 0) {
        return NULL;
    }
    snprintf(pack, n, "%s/energy_safety.yaml", dir_template);
    return read_file(pack);
}

/* The pack with `inspectors_per_visit` set to `value` (the plan says 3). */
static char *with_inspectors_per_visit(const char *original, int value) {
    const char *key = strstr(original, "inspectors_per_visit:");
    const char *v = key != NULL ? strstr(key, "value: 3") : NULL;
    if (v == NULL) {
        return NULL;
    }
    size_t at = (size_t)(v - original) + strlen("value: ");
    char *edited = malloc(strlen(original) + 1);
    if (edited == NULL) {
        return NULL;
    }
    strcpy(edited, original);
    edited[at] = (char)('0' + value);
    return edited;
}

static int count_lines(const char *text) {
    int n = 0;
    for (const char *p = text; *p; p++) {
        n += *p == '\n';
    }
    return n;
}

/* ---- the tests ------------------------------------------------------------ */

static void test_versions(void) {
    const char *v = ord_version();
    CHECK(v != NULL && v[0] >= '0' && v[0] <= '9' && strchr(v, '.') != NULL, "ord_version: %s", v ? v : "(null)");
    CHECK(ord_abi_version() == ORD_ABI_VERSION, "ord_abi_version %u != header %u", ord_abi_version(),
          (unsigned)ORD_ABI_VERSION);
}

static void test_evaluate(OrdEngine *engine) {
    char *out = NULL;
    OrdStatus st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"D\"}", NULL, &out);
    CHECK(st == ORD_STATUS_OK, "evaluate class D: status %d: %s", (int)st, ord_last_error_message());
    CHECK(contains(out, "\"visits_per_year\":12"), "class D visits: %s", out);
    CHECK(contains(out, "\"mode\":\"patrol\""), "class D mode: %s", out);
    CHECK(contains(out, "\"rule\":\"energy_safety.inspection_frequency\""), "decision names its rule: %s", out);
    CHECK(contains(out, "\"trace\":[{"), "trace on by default: %s", out);
    CHECK(contains(out, "\"ruleset\":\""), "decision names the ruleset: %s", out);
    CHECK(contains(out, "\"as_of_reason\":"), "decision says why its date: %s", out);
    expect_no_error("evaluate class D");

    /* The ruleset the decision names is the engine's. */
    char *ruleset = NULL;
    st = ord_engine_ruleset(engine, &ruleset);
    CHECK(st == ORD_STATUS_OK && ruleset != NULL && strlen(ruleset) > 0, "ord_engine_ruleset: %d", (int)st);
    if (ruleset != NULL) {
        char field[128];
        snprintf(field, sizeof field, "\"ruleset\":\"%s\"", ruleset);
        CHECK(contains(out, field), "decision ruleset %s: %s", ruleset, out);
    }
    ord_string_free(ruleset);
    ord_string_free(out);

    out = NULL;
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"B\"}", AS_OF, &out);
    CHECK(st == ORD_STATUS_OK, "evaluate with options: %s", ord_last_error_message());
    CHECK(contains(out, "\"visits_per_year\":8") && contains(out, "\"as_of\":\"2024-06-30\"") &&
              contains(out, "\"as_of_reason\":\"given\"") && contains(out, "\"trace\":[]"),
          "class B as of 2024-06-30 without trace: %s", out);
    ord_string_free(out);

    out = NULL;
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"A\"}", "", &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"visits_per_year\":4"), "empty options mean defaults: %s", out);
    ord_string_free(out);

    /* Exact numbers: a date input and integer outputs come back exactly. */
    out = NULL;
    st = ord_evaluate_json(engine, "energy_safety.monthly_plan_on_time", "{\"plan_for\":\"2024-04-01\",\"prepared_on\":\"2024-03-26\"}", AS_OF, &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"on_time\":true") && contains(out, "\"due\":\"2024-03-26\""),
          "26th is on time (inclusive): %s", out);
    ord_string_free(out);
}

static void test_evaluate_errors(OrdEngine *engine) {
    char *out = (char *)"sentinel";
    OrdStatus st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"E\"}", NULL, &out);
    expect_error("bad enum value", st, ORD_STATUS_INPUT_ERROR, out, "input", "A, B, C, D",
                 "\"allowed\":[\"A\",\"B\",\"C\",\"D\"]");
    CHECK(contains(ord_last_error_json(), "\"field\":\"class\""), "bad enum names its field: %s",
          ord_last_error_json());
    CHECK(contains(ord_last_error_json(), "\"rule\":\"energy_safety.inspection_frequency\""),
          "bad enum names its rule: %s", ord_last_error_json());

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{}", NULL, &out);
    expect_error("missing input", st, ORD_STATUS_INPUT_ERROR, out, "input", "missing input `class`", NULL);

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "[1,2]", NULL, &out);
    expect_error("input not an object", st, ORD_STATUS_INPUT_ERROR, out, "input", NULL, NULL);

    /* a key given twice is refused by name, not silently the last one */
    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"A\",\"class\":\"E\"}", NULL, &out);
    expect_error("duplicate key", st, ORD_STATUS_INVALID_JSON, out, "invalid_json", "the key `class` appears twice",
                 NULL);

    /* JSON nested past the limit is a limit, and says so */
    {
        size_t depth = 100000;
        char *deep = malloc(2 * depth + 16);
        if (deep != NULL) {
            strcpy(deep, "{\"class\":");
            size_t at = strlen(deep);
            memset(deep + at, '[', depth);
            memset(deep + at + depth, ']', depth);
            strcpy(deep + at + 2 * depth, "}");
            out = (char *)"sentinel";
            st = ord_evaluate_json(engine, RULE_FREQ, deep, NULL, &out);
            expect_error("deep JSON", st, ORD_STATUS_LIMIT_EXCEEDED, out, "limit", "nests more than 128", NULL);
            free(deep);
        }
    }

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, "energy_safety.inspection_frequenc", "{\"class\":\"A\"}", NULL, &out);
    expect_error("unknown rule", st, ORD_STATUS_UNKNOWN_RULE, out, "unknown_rule", "unknown rule",
                 "inspection_frequency`?");

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":", NULL, &out);
    expect_error("malformed input JSON", st, ORD_STATUS_INVALID_JSON, out, "invalid_json", "not valid JSON", NULL);

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"A\"}", "{as_of: 2024}", &out);
    expect_error("malformed options JSON", st, ORD_STATUS_INVALID_JSON, out, "invalid_json", "not valid JSON", NULL);

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"A\"}", "{\"colour\":\"red\"}", &out);
    expect_error("unknown option", st, ORD_STATUS_INPUT_ERROR, out, "input", "`colour`", NULL);

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"A\"}", "{\"as_of\":\"2024-02-30\"}", &out);
    expect_error("impossible as-of date", st, ORD_STATUS_INPUT_ERROR, out, "input", "as_of`", "as_of\"");

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"A\"}", "{\"as_of\":\"2023-06-30\"}", &out);
    expect_error("as-of outside validity", st, ORD_STATUS_VALIDITY_ERROR, out, "validity", "2024-01-01 to 2024-12-31",
                 NULL);

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, "energy_safety.year_calendar", "{\"year\":100000}", AS_OF, &out);
    expect_error("evaluation error", st, ORD_STATUS_EVALUATION_ERROR, out, "evaluation", "100000", NULL);

    /* Numbers have no ceiling: (2^63 - 1)^2 comes back exact, as a JSON
     * string since it is beyond a JSON integer's safe range; the size budget
     * (max_digits) turns growth past it into a limit error. */
    const char *huge = "{\"days_in_year\":9223372036854775807,\"weekend_days\":0,\"holidays\":0,"
                       "\"officers\":9223372036854775807}";
    out = NULL;
    st = ord_evaluate_json(engine, "energy_safety.statutory_workdays", huge, AS_OF, &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"total\":\"85070591730234615847396907784232501249\""),
          "no ceiling on exact numbers: %s", out);
    ord_string_free(out);
    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, "energy_safety.statutory_workdays", huge,
                           "{\"as_of\":\"2024-06-30\",\"max_digits\":30}", &out);
    expect_error("size budget", st, ORD_STATUS_LIMIT_EXCEEDED, out, "limit", "digits", NULL);

    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, "energy_safety.year_calendar", "{\"year\":2024}",
                           "{\"as_of\":\"2024-06-30\",\"max_steps\":10}", &out);
    expect_error("step limit", st, ORD_STATUS_LIMIT_EXCEEDED, out, "limit", "steps", NULL);

    /* The last error is per call: a success clears it. */
    out = NULL;
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"C\"}", AS_OF, &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"visits_per_year\":8"), "class C after errors: %s", out);
    expect_no_error("success after errors");
    ord_string_free(out);
}

static void test_null_and_utf8(OrdEngine *engine, const char *rules) {
    char *out = NULL;
    OrdEngine *e = (OrdEngine *)&out; /* a non-NULL sentinel, never dereferenced */
    OrdStatus st;

    st = ord_engine_load_dir(NULL, &e);
    expect_error("load_dir(NULL dir)", st, ORD_STATUS_NULL_ARGUMENT, (const char *)e, "null_argument", "`dir`",
                 "\"argument\":\"dir\"");
    st = ord_engine_load_dir(rules, NULL);
    expect_error("load_dir(NULL out)", st, ORD_STATUS_NULL_ARGUMENT, NULL, "null_argument", "`out`", NULL);

    out = (char *)"sentinel";
    st = ord_evaluate_json(NULL, RULE_FREQ, "{\"class\":\"D\"}", NULL, &out);
    expect_error("evaluate(NULL engine)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`engine`",
                 "\"argument\":\"engine\"");
    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, NULL, "{\"class\":\"D\"}", NULL, &out);
    expect_error("evaluate(NULL rule)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`rule_id`", NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, NULL, NULL, &out);
    expect_error("evaluate(NULL input)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`input_json`", NULL);
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"D\"}", NULL, NULL);
    expect_error("evaluate(NULL out)", st, ORD_STATUS_NULL_ARGUMENT, NULL, "null_argument", "`out_json`", NULL);

    out = (char *)"sentinel";
    st = ord_evaluate_many_json(NULL, RULE_FREQ, "[]", NULL, &out);
    expect_error("evaluate_many(NULL engine)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`engine`", NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_many_json(engine, NULL, "[]", NULL, &out);
    expect_error("evaluate_many(NULL rule)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`rule_id`", NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_many_json(engine, RULE_FREQ, NULL, NULL, &out);
    expect_error("evaluate_many(NULL inputs)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`inputs_json`",
                 NULL);
    st = ord_evaluate_many_json(engine, RULE_FREQ, "[]", NULL, NULL);
    expect_error("evaluate_many(NULL out)", st, ORD_STATUS_NULL_ARGUMENT, NULL, "null_argument", "`out_json`", NULL);

    out = (char *)"sentinel";
    st = ord_engine_ruleset(NULL, &out);
    expect_error("ruleset(NULL engine)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`engine`", NULL);
    st = ord_engine_ruleset(engine, NULL);
    expect_error("ruleset(NULL out)", st, ORD_STATUS_NULL_ARGUMENT, NULL, "null_argument", "`out`", NULL);
    out = (char *)"sentinel";
    st = ord_engine_rules_json(NULL, &out);
    expect_error("rules_json(NULL engine)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`engine`", NULL);
    st = ord_engine_rules_json(engine, NULL);
    expect_error("rules_json(NULL out)", st, ORD_STATUS_NULL_ARGUMENT, NULL, "null_argument", "`out_json`", NULL);
    out = (char *)"sentinel";
    st = ord_engine_run_tests_json(NULL, &out);
    expect_error("run_tests_json(NULL engine)", st, ORD_STATUS_NULL_ARGUMENT, out, "null_argument", "`engine`", NULL);
    st = ord_engine_run_tests_json(engine, NULL);
    expect_error("run_tests_json(NULL out)", st, ORD_STATUS_NULL_ARGUMENT, NULL, "null_argument", "`out_json`", NULL);
    st = ord_engine_reload(NULL);
    expect_error("reload(NULL)", st, ORD_STATUS_NULL_ARGUMENT, NULL, "null_argument", "`engine`", NULL);

    /* The free functions accept NULL and leave the last error alone. */
    ord_engine_free(NULL);
    ord_string_free(NULL);
    CHECK(contains(ord_last_error_json(), "\"argument\":\"engine\""), "free functions keep the last error: %s",
          ord_last_error_json());

    /* Invalid UTF-8 in every kind of string argument. */
    e = (OrdEngine *)&out;
    st = ord_engine_load_dir("rules\xff", &e);
    expect_error("load_dir(non-UTF-8 dir)", st, ORD_STATUS_INVALID_UTF8, (const char *)e, "invalid_utf8", "`dir`",
                 NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, "energy_safety.\xc3(", "{}", NULL, &out);
    expect_error("evaluate(non-UTF-8 rule)", st, ORD_STATUS_INVALID_UTF8, out, "invalid_utf8", "`rule_id`", NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"\xe4\xb8\"}", NULL, &out);
    expect_error("evaluate(non-UTF-8 input)", st, ORD_STATUS_INVALID_UTF8, out, "invalid_utf8", "`input_json`",
                 NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_json(engine, RULE_FREQ, "{\"class\":\"A\"}", "{\"as_of\":\"\x80\"}", &out);
    expect_error("evaluate(non-UTF-8 options)", st, ORD_STATUS_INVALID_UTF8, out, "invalid_utf8", "`options_json`",
                 NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_many_json(engine, RULE_FREQ, "[\xff]", NULL, &out);
    expect_error("evaluate_many(non-UTF-8 inputs)", st, ORD_STATUS_INVALID_UTF8, out, "invalid_utf8",
                 "`inputs_json`", NULL);

    /* UTF-8 proper (Chinese names) is of course fine. */
    out = NULL;
    st = ord_evaluate_json(engine, "energy_safety.planned_inspections",
                           "{\"roster\":[{\"name\":\"\xe7\x9b\x9b\xe9\x91\xab\xe7\x85\xa4\xe7\x9f\xbf\","
                           "\"sector\":\"coal_mine\",\"class\":\"A\"}]}",
                           AS_OF, &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"total\":4"), "Chinese names in input: %s", out ? out : ord_last_error_message());
    ord_string_free(out);
}

static void test_many(OrdEngine *engine) {
    char *out = NULL;
    OrdStatus st = ord_evaluate_many_json(engine, RULE_FREQ, "[{\"class\":\"A\"},{\"class\":\"E\"},{\"class\":\"D\"}]",
                                          AS_OF, &out);
    CHECK(st == ORD_STATUS_OK, "evaluate_many: %s", ord_last_error_message());
    const char *first = out ? strstr(out, "\"visits_per_year\":4") : NULL;
    const char *second = first ? strstr(first, "{\"error\":{\"code\":\"input\"") : NULL;
    const char *third = second ? strstr(second, "\"visits_per_year\":12") : NULL;
    CHECK(out != NULL && strncmp(out, "[{\"ok\":", 7) == 0 && third != NULL,
          "evaluate_many results in order, per-item error: %s", out);
    CHECK(contains(out, "\"allowed\":[\"A\",\"B\",\"C\",\"D\"]"), "per-item error is structured: %s", out);
    expect_no_error("evaluate_many with a bad record");
    ord_string_free(out);

    out = NULL;
    st = ord_evaluate_many_json(engine, RULE_FREQ, "[]", NULL, &out);
    CHECK(st == ORD_STATUS_OK && out != NULL && strcmp(out, "[]") == 0, "evaluate_many of nothing: %s", out);
    ord_string_free(out);

    out = (char *)"sentinel";
    st = ord_evaluate_many_json(engine, RULE_FREQ, "{\"class\":\"A\"}", NULL, &out);
    expect_error("evaluate_many of an object", st, ORD_STATUS_INPUT_ERROR, out, "input", "array", NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_many_json(engine, RULE_FREQ, "[{\"class\":\"A\"},", NULL, &out);
    expect_error("evaluate_many of malformed JSON", st, ORD_STATUS_INVALID_JSON, out, "invalid_json", NULL, NULL);
    out = (char *)"sentinel";
    st = ord_evaluate_many_json(engine, RULE_FREQ, "[]", "{\"as_of\":\"2031-01-01\",\"trace\":1}", &out);
    expect_error("evaluate_many with a bad option", st, ORD_STATUS_INPUT_ERROR, out, "input", NULL, NULL);

    /* An unknown rule is reported per record. */
    out = NULL;
    st = ord_evaluate_many_json(engine, "energy_safety.nope", "[{}]", NULL, &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"code\":\"unknown_rule\""), "evaluate_many unknown rule: %s",
          out ? out : ord_last_error_message());
    ord_string_free(out);
}

static void test_metadata(OrdEngine *engine) {
    char *out = NULL;
    OrdStatus st = ord_engine_rules_json(engine, &out);
    CHECK(st == ORD_STATUS_OK && out != NULL && out[0] == '[' && contains(out, RULE_FREQ) &&
              contains(out, "planned_inspections"),
          "rules_json: %s", st == ORD_STATUS_OK ? "(content)" : ord_last_error_message());
    ord_string_free(out);

    out = NULL;
    st = ord_engine_run_tests_json(engine, &out);
    /* Whether every pack test passes is `ordinance test`'s business; here the
     * document's shape, and that the energy-safety tests ran. */
    CHECK(st == ORD_STATUS_OK && contains(out, "\"passed\":") && contains(out, "\"failed\":") &&
              contains(out, "\"tests\":[{") && contains(out, "\"rule\":\"energy_safety.inspection_frequency\""),
          "run_tests_json: %.300s", out ? out : ord_last_error_message());
    ord_string_free(out);
}

static void test_load_errors(const char *rules) {
    OrdEngine *e = NULL;
    OrdStatus st = ord_engine_load_dir("/nonexistent/ordinance-rules", &e);
    expect_error("load of a missing directory", st, ORD_STATUS_LOAD_ERROR, (const char *)e, "load",
                 "/nonexistent/ordinance-rules", "\"diagnostics\":[");

    char dir[] = "/tmp/ordinance-ctest-broken-XXXXXX";
    char pack[4200];
    char *original = make_rules_copy(rules, dir, pack, sizeof pack);
    CHECK(original != NULL, "copy the rules directory to %s", dir);
    if (original == NULL) {
        return;
    }
    size_t len = strlen(original);
    char *broken = malloc(len + 64);
    snprintf(broken, len + 64, "%sbogus_key: 1\n", original);
    write_file(pack, broken);
    int broken_line = count_lines(original) + 1;

    e = NULL;
    st = ord_engine_load_dir(dir, &e);
    char line_field[32];
    snprintf(line_field, sizeof line_field, "\"line\":%d,", broken_line);
    expect_error("load of a broken pack", st, ORD_STATUS_LOAD_ERROR, (const char *)e, "load", "bogus_key", line_field);
    char where[4300];
    snprintf(where, sizeof where, "%s:%d:1: error:", pack, broken_line);
    CHECK(contains(ord_last_error_message(), where), "message names file:line:col `%s`: %s", where,
          ord_last_error_message());
    char file_field[4300];
    snprintf(file_field, sizeof file_field, "\"file\":\"%s\"", pack);
    CHECK(contains(ord_last_error_json(), file_field), "error JSON names the file: %s", ord_last_error_json());
    CHECK(contains(ord_last_error_json(), "\"column\":1"), "error JSON names the column: %s", ord_last_error_json());
    ord_engine_free(e);
    free(broken);
    free(original);
    remove_tree(dir);
}

static void test_reload(const char *rules) {
    char dir[] = "/tmp/ordinance-ctest-reload-XXXXXX";
    char pack[4200];
    char *original = make_rules_copy(rules, dir, pack, sizeof pack);
    char *edited = original ? with_inspectors_per_visit(original, 4) : NULL;
    CHECK(original != NULL && edited != NULL, "copy and edit the pack in %s", dir);
    if (edited == NULL) {
        free(original);
        return;
    }
    OrdEngine *engine = NULL;
    OrdStatus st = ord_engine_load_dir(dir, &engine);
    CHECK(st == ORD_STATUS_OK && engine != NULL, "load the copy: %s", ord_last_error_message());
    if (engine == NULL) {
        free(original);
        free(edited);
        return;
    }
    char *hash_before = NULL, *hash_after = NULL, *out = NULL;
    ord_engine_ruleset(engine, &hash_before);

    st = ord_engine_reload(engine);
    CHECK(st == ORD_STATUS_OK, "reload of unchanged packs: %s", ord_last_error_message());
    out = NULL;
    st = ord_engine_reload_json(engine, &out);
    CHECK(st == ORD_STATUS_OK && out != NULL && contains(out, "\"changed\":[]") && contains(out, "\"removed\":[]") &&
              contains(out, "\"energy_safety\""),
          "the reload report of unchanged packs: %s", out ? out : ord_last_error_message());
    ord_string_free(out);

    /* A reload that fails keeps the old rules serving. */
    size_t len = strlen(original);
    char *broken = malloc(len + 64);
    snprintf(broken, len + 64, "%sbogus_key: 1\n", original);
    write_file(pack, broken);
    free(broken);
    st = ord_engine_reload(engine);
    expect_error("reload of a broken pack", st, ORD_STATUS_LOAD_ERROR, NULL, "load", "bogus_key", "\"line\":");
    st = ord_evaluate_json(engine, RULE_TEAM, "{\"inspectors\":3}", AS_OF, &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"valid\":true"), "old rules still serve after a failed reload: %s",
          out ? out : ord_last_error_message());
    ord_string_free(out);
    ord_engine_ruleset(engine, &hash_after);
    CHECK(hash_before && hash_after && strcmp(hash_before, hash_after) == 0, "ruleset unchanged by a failed reload");
    ord_string_free(hash_after);

    /* A reload that succeeds serves the edited pack: 4 inspectors per visit. */
    write_file(pack, edited);
    out = NULL;
    st = ord_engine_reload_json(engine, &out);
    CHECK(st == ORD_STATUS_OK && out != NULL && contains(out, "\"changed\":[\"energy_safety\"]"),
          "the reload report names the edited pack: %s", out ? out : ord_last_error_message());
    ord_string_free(out);
    out = NULL;
    st = ord_evaluate_json(engine, RULE_TEAM, "{\"inspectors\":3}", AS_OF, &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"valid\":false") && contains(out, "\"shortfall\":1"),
          "edited rules serve after reload: %s", out ? out : ord_last_error_message());
    ord_string_free(out);
    hash_after = NULL;
    ord_engine_ruleset(engine, &hash_after);
    CHECK(hash_before && hash_after && strcmp(hash_before, hash_after) != 0, "ruleset changes with the edit");
    ord_string_free(hash_after);
    ord_string_free(hash_before);

    ord_engine_free(engine);

    /* An engine that may not lose packs refuses a reload without one. */
    engine = NULL;
    st = ord_engine_load_dir_with(dir, "{\"forbid_removal\": true}", &engine);
    CHECK(st == ORD_STATUS_OK && engine != NULL, "load with options: %s", ord_last_error_message());
    if (engine != NULL) {
        char moved[4300];
        snprintf(moved, sizeof moved, "%s.gone", pack);
        CHECK(rename(pack, moved) == 0, "remove the pack");
        out = (char *)"sentinel";
        st = ord_engine_reload_json(engine, &out);
        expect_error("a forbidden removal", st, ORD_STATUS_LOAD_ERROR, out, "load", "may not remove packs", NULL);
        out = NULL;
        st = ord_evaluate_json(engine, RULE_TEAM, "{\"inspectors\":3}", AS_OF, &out);
        CHECK(st == ORD_STATUS_OK, "the pack still serves: %s", out ? out : ord_last_error_message());
        ord_string_free(out);
        CHECK(rename(moved, pack) == 0, "restore the pack");
        ord_engine_free(engine);
    }
    engine = NULL;
    st = ord_engine_load_dir_with(dir, "{\"forbid_removal\": 1}", &engine);
    expect_error("ill-typed load option", st, ORD_STATUS_INPUT_ERROR, NULL, "input", "forbid_removal", NULL);
    st = ord_engine_load_dir_with(dir, "{\"forbid_removal\": true", &engine);
    expect_error("malformed load options", st, ORD_STATUS_INVALID_JSON, NULL, "invalid_json", NULL, NULL);

    free(original);
    free(edited);
    remove_tree(dir);
}

/* ---- 8 threads evaluating while another reloads --------------------------- */

enum { EVALUATORS = 8, EVALUATIONS = 20, RELOADS = 6 };

struct shared {
    OrdEngine *engine;
    const char *pack;
    const char *original;
    const char *edited;
    atomic_int evaluations; /* completed, over all evaluators */
    atomic_int reloading;   /* the reloader is still at work */
};

/* Waits until `n` more evaluations have completed, so that every rule-set
 * generation is seen by evaluations that started after it was swapped in
 * (at most EVALUATORS can have been in flight during the swap). */
static void wait_for_evaluations(struct shared *s, int n) {
    int target = atomic_load(&s->evaluations) + n;
    for (int waited = 0; atomic_load(&s->evaluations) < target && waited < 60000; waited++) {
        usleep(1000);
    }
}

struct evaluator {
    pthread_t thread;
    struct shared *shared;
    int ok, saw_old, saw_new, bad, leaked_error;
};

struct reloader {
    pthread_t thread;
    struct shared *shared;
    int ok, failed_as_expected, bad;
};

static void *evaluate_loop(void *arg) {
    struct evaluator *ev = arg;
    /* Each thread has its own last error: the main thread's is not seen. */
    ev->leaked_error = strcmp(ord_last_error_json(), "null") != 0;
    for (int i = 0; i < EVALUATIONS || atomic_load(&ev->shared->reloading); i++) {
        char *out = NULL;
        OrdStatus st = ord_evaluate_json(ev->shared->engine, RULE_TEAM, "{\"inspectors\":3}", AS_OF, &out);
        if (st == ORD_STATUS_OK && contains(out, "\"valid\":true") && contains(out, "\"shortfall\":0")) {
            ev->ok++;
            ev->saw_old++;
        } else if (st == ORD_STATUS_OK && contains(out, "\"valid\":false") && contains(out, "\"shortfall\":1")) {
            ev->ok++;
            ev->saw_new++;
        } else {
            ev->bad++;
        }
        ord_string_free(out);
        atomic_fetch_add(&ev->shared->evaluations, 1);
        /* Past the first burst, leave the reloader some CPU (valgrind runs
         * one thread at a time) while still evaluating throughout. */
        if (i >= EVALUATIONS) {
            usleep(500);
        }
        /* A bad call on this thread does not disturb the others. */
        if (i % 10 == 0) {
            out = NULL;
            st = ord_evaluate_json(ev->shared->engine, RULE_FREQ, "{\"class\":\"E\"}", AS_OF, &out);
            if (st != ORD_STATUS_INPUT_ERROR || out != NULL || !contains(ord_last_error_message(), "A, B, C, D")) {
                ev->bad++;
            }
        }
    }
    return NULL;
}

static void *reload_loop(void *arg) {
    struct reloader *rl = arg;
    for (int i = 0; i < RELOADS; i++) {
        /* Alternate the edited and the original pack; once, a broken one. */
        const char *text = i % 2 == 0 ? rl->shared->edited : rl->shared->original;
        if (i == 3) {
            write_file(rl->shared->pack, "pack: energy_safety\nrules: [\n");
            if (ord_engine_reload(rl->shared->engine) == ORD_STATUS_LOAD_ERROR) {
                rl->failed_as_expected++;
            } else {
                rl->bad++;
            }
        }
        write_file(rl->shared->pack, text);
        if (ord_engine_reload(rl->shared->engine) == ORD_STATUS_OK) {
            rl->ok++;
        } else {
            rl->bad++;
            fprintf(stderr, "reload failed: %s\n", ord_last_error_message());
        }
        wait_for_evaluations(rl->shared, 2 * EVALUATORS);
    }
    atomic_store(&rl->shared->reloading, 0);
    return NULL;
}

static void test_threads(const char *rules) {
    char dir[] = "/tmp/ordinance-ctest-threads-XXXXXX";
    char pack[4200];
    char *original = make_rules_copy(rules, dir, pack, sizeof pack);
    char *edited = original ? with_inspectors_per_visit(original, 4) : NULL;
    CHECK(edited != NULL, "prepare the thread test in %s", dir);
    struct shared shared = {NULL, pack, original, edited, 0, 1};
    if (edited == NULL || ord_engine_load_dir(dir, &shared.engine) != ORD_STATUS_OK) {
        CHECK(0, "load for the thread test: %s", ord_last_error_message());
        free(original);
        free(edited);
        return;
    }
    /* Leave an error on the main thread; the workers must not see it. */
    char *unused = NULL;
    ord_evaluate_json(shared.engine, "no.such_rule", "{}", NULL, &unused);

    struct evaluator evs[EVALUATORS];
    struct reloader rl;
    memset(evs, 0, sizeof evs);
    memset(&rl, 0, sizeof rl);
    rl.shared = &shared;
    for (int i = 0; i < EVALUATORS; i++) {
        evs[i].shared = &shared;
        CHECK(pthread_create(&evs[i].thread, NULL, evaluate_loop, &evs[i]) == 0, "start evaluator %d", i);
    }
    CHECK(pthread_create(&rl.thread, NULL, reload_loop, &rl) == 0, "start reloader");
    pthread_join(rl.thread, NULL);
    int ok = 0, old_seen = 0, new_seen = 0;
    for (int i = 0; i < EVALUATORS; i++) {
        pthread_join(evs[i].thread, NULL);
        CHECK(evs[i].bad == 0, "evaluator %d: %d bad results", i, evs[i].bad);
        CHECK(evs[i].leaked_error == 0, "evaluator %d saw the main thread's last error", i);
        ok += evs[i].ok;
        old_seen += evs[i].saw_old;
        new_seen += evs[i].saw_new;
    }
    CHECK(ok >= EVALUATORS * EVALUATIONS && ok == atomic_load(&shared.evaluations),
          "all %d concurrent evaluations succeeded (%d did)", atomic_load(&shared.evaluations), ok);
    CHECK(old_seen > 0 && new_seen > 0, "evaluations saw both generations: %d original, %d edited", old_seen,
          new_seen);
    CHECK(rl.ok == RELOADS && rl.failed_as_expected == 1 && rl.bad == 0,
          "reloader: %d ok, %d failed as expected, %d bad", rl.ok, rl.failed_as_expected, rl.bad);
    CHECK(contains(ord_last_error_json(), "\"code\":\"unknown_rule\""), "main thread keeps its own last error: %s",
          ord_last_error_json());
    printf("threads: %d evaluations (%d on the original rules, %d on the edited), %d reloads\n", ok, old_seen,
           new_seen, rl.ok + rl.failed_as_expected);

    /* The last reload (i = 5) restored the original pack. */
    char *out = NULL;
    OrdStatus st = ord_evaluate_json(shared.engine, RULE_TEAM, "{\"inspectors\":3}", AS_OF, &out);
    CHECK(st == ORD_STATUS_OK && contains(out, "\"valid\":true"), "after the reloads, the original rules: %s", out);
    ord_string_free(out);

    ord_engine_free(shared.engine);
    free(original);
    free(edited);
    remove_tree(dir);
}

/* ---- a reform laid over the rules --------------------------------------- */

static void test_reform(const char *rules) {
    char options[4300];
    /* the example reform lives beside the rules folder: ../examples/reforms */
    snprintf(options, sizeof options, "{\"reforms\": [\"%s/../examples/reforms/class_b_three_a_quarter.yaml\"]}", rules);
    OrdEngine *engine = NULL;
    OrdStatus st = ord_engine_load_dir_with(rules, options, &engine);
    CHECK(st == ORD_STATUS_OK && engine != NULL, "load with a reform: %s", ord_last_error_message());
    if (engine == NULL) return;
    char *out = NULL;
    st = ord_evaluate_json(engine, "energy_safety.inspection_frequency", "{\"class\":\"B\"}",
                           "{\"as_of\":\"2024-08-01\",\"trace\":false}", &out);
    CHECK(st == ORD_STATUS_OK && out != NULL && strstr(out, "\"visits_per_year\":12") != NULL,
          "class B after the reform: %s", out ? out : ord_last_error_message());
    ord_string_free(out);
    out = NULL;
    st = ord_evaluate_json(engine, "energy_safety.inspection_frequency", "{\"class\":\"B\"}",
                           "{\"as_of\":\"2024-06-30\",\"trace\":false}", &out);
    CHECK(st == ORD_STATUS_OK && out != NULL && strstr(out, "\"visits_per_year\":8") != NULL,
          "class B before the reform applies: %s", out ? out : ord_last_error_message());
    ord_string_free(out);
    ord_engine_free(engine);
    engine = NULL;
    st = ord_engine_load_dir_with(rules, "{\"reforms\": [7]}", &engine);
    expect_error("an ill-typed reform list", st, ORD_STATUS_INPUT_ERROR, NULL, "input", "reforms", NULL);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s RULES_DIR\n", argv[0]);
        return 2;
    }
    const char *rules = argv[1];
    printf("libordinance %s, ABI %u\n", ord_version(), ord_abi_version());

    test_versions();
    OrdEngine *engine = NULL;
    OrdStatus st = ord_engine_load_dir(rules, &engine);
    CHECK(st == ORD_STATUS_OK && engine != NULL, "load %s: %s", rules, ord_last_error_message());
    if (engine == NULL) {
        printf("c: %d passed, %d failed\n", passed, failed);
        return 1;
    }
    expect_no_error("load");
    test_evaluate(engine);
    test_evaluate_errors(engine);
    test_null_and_utf8(engine, rules);
    test_many(engine);
    test_metadata(engine);
    ord_engine_free(engine);

    test_load_errors(rules);
    test_reform(rules);
    test_reload(rules);
    test_threads(rules);

    printf("c: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
