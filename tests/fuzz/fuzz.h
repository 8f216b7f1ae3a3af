/*
 * fuzz: the entry point every harness under tests/fuzz/ defines. Built
 * twice: with libFuzzer (make fuzz, clang) and with replay.c, a plain main
 * that feeds each file of the seed corpus and of the regression inputs to
 * the harness, so that make test replays them with the ordinary compiler
 * (and under the sanitizers with SANITIZE=...).
 *
 * A harness must accept any bytes, keep nothing between calls and free
 * what it allocates; it signals a broken invariant with fuzz_fail(), which
 * aborts (a crash for libFuzzer, a failure for the replay).
 */
#ifndef FOLIO_FUZZ_H
#define FOLIO_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Prints what and aborts. */
void fuzz_fail(const char *what);
#define FUZZ_ASSERT(c) do { if (!(c)) fuzz_fail(#c); } while (0)
#endif
