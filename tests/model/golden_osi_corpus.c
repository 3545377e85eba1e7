/* Golden: every real OSI symbol in the SPY OPRA symbol-mapping table (Databento definitions,
 * August 2023; see realdata/README.md) converts to the canonical form and back to the identical
 * 21-character string, and the call/put totals match the README (183,523 rows, 91,785 calls,
 * 91,738 puts). */
#include <zlib.h>

#include "harness.h"
#include "smartflow/contract.h"

static void test_corpus_roundtrip(void **state) {
  (void)state;
  char path[4096];
  SF_SHARED_PATH("realdata/derived/spy_opra_symbol_mappings_2023-08.csv.gz", path);
  gzFile f = gzopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  char line[512];
  long rows = 0, calls = 0, puts_ = 0, lineno = 0;
  while (gzgets(f, line, sizeof line)) {
    lineno++;
    if (lineno == 1) {
      if (strncmp(line, "raw_symbol,", 11) != 0) fail_msg("unexpected header: %s", line);
      continue;
    }
    char *comma = strchr(line, ',');
    if (!comma) fail_msg("line %ld: no comma", lineno);
    size_t n = (size_t)(comma - line);
    if (n != 21) fail_msg("line %ld: symbol '%.*s' is %zu characters", lineno, (int)n, line, n);
    struct sf_contract c, back;
    const char *why = NULL;
    if (sf_contract_parse(line, n, &c, &why) != 0)
      fail_msg("line %ld: '%.*s': %s", lineno, (int)n, line, why);
    char can[SF_CONTRACT_ID_MAX], osi[32];
    int cn = sf_contract_format(&c, can, sizeof can);
    if (cn < 0) fail_msg("line %ld: format failed", lineno);
    if (sf_contract_parse(can, (size_t)cn, &back, &why) != 0)
      fail_msg("line %ld: '%s': %s", lineno, can, why);
    if (sf_contract_format_osi(&back, osi, sizeof osi) != 21) fail_msg("line %ld: OSI format failed", lineno);
    if (memcmp(osi, line, 21) != 0) fail_msg("line %ld: '%.21s' -> '%s' -> '%s'", lineno, line, can, osi);
    if (strcmp(back.root, "SPY") != 0) fail_msg("line %ld: root '%s'", lineno, back.root);
    rows++;
    if (back.right == 'C')
      calls++;
    else if (back.right == 'P')
      puts_++;
  }
  int err = 0;
  const char *msg = gzerror(f, &err);
  if (err != Z_OK && err != Z_STREAM_END) fail_msg("gzip error: %s", msg);
  gzclose(f);
  check_i64(rows, 183523);
  check_i64(calls, 91785);
  check_i64(puts_, 91738);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_corpus_roundtrip)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
