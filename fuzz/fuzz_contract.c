/* Fuzz target for contract ids: any input either fails to parse with a reason, or parses to a
 * contract whose canonical and OSI forms both re-parse to the same contract and format to the
 * same strings again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/contract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct sf_contract *a, const struct sf_contract *b) {
  return strcmp(a->root, b->root) == 0 && a->year == b->year && a->month == b->month && a->day == b->day &&
         a->strike_milli == b->strike_milli && a->right == b->right;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sf_contract c, a, b;
  const char *why = NULL;
  if (sf_contract_parse((const char *)data, size, &c, &why) != 0) {
    if (!why || !why[0]) abort();
    return 0;
  }
  char can[SF_CONTRACT_ID_MAX], osi[32], can2[SF_CONTRACT_ID_MAX], osi2[32];
  int n1 = sf_contract_format(&c, can, sizeof can);
  int n2 = sf_contract_format_osi(&c, osi, sizeof osi);
  if (n1 <= 0 || n2 != SF_OSI_LEN) abort();
  if (sf_contract_parse(can, (size_t)n1, &a, &why) != 0 || !same(&a, &c)) abort();
  if (sf_contract_parse(osi, (size_t)n2, &b, &why) != 0 || !same(&b, &c)) abort();
  if (sf_contract_format(&a, can2, sizeof can2) != n1 || strcmp(can, can2) != 0) abort();
  if (sf_contract_format_osi(&b, osi2, sizeof osi2) != n2 || strcmp(osi, osi2) != 0) abort();
  return 0;
}
