/* Decode throughput of the DBN and CSV flat-file decoders over synthetic in-memory buffers
 * (generated deterministically: 2,000,000 DBN v3 trade records behind a one-symbol metadata
 * header, and 1,000,000 CSV trade lines). Each run checks its record count and the sum of the
 * decoded sizes against the generator's, then prints one JSON line: records/s and MB/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/csv_flat.h"
#include "smartflow/dbn.h"
#include "smartflow/err.h"
#include "smartflow/time.h"

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static uint8_t *make_dbn(size_t nrec, size_t *len, uint64_t *size_sum) {
  const size_t cstr = 71, meta = 100 + 4 + (4 + cstr) + 4 + 4 + 4 + (cstr + 4 + 8 + cstr);
  size_t mlen = (meta + 7) / 8 * 8;
  *len = 8 + mlen + nrec * sizeof(struct sf_dbn_trade);
  uint8_t *b = calloc(1, *len);
  if (!b) return NULL;
  memcpy(b, "DBN\3", 4);
  put32(b + 4, (uint32_t)mlen);
  uint8_t *m = b + 8;
  memcpy(m, "OPRA.PILLAR", 11);
  m[16] = 4; /* schema trades */
  m[42] = 1; /* stype_in raw_symbol */
  m[43] = 0;
  m[45] = (uint8_t)cstr;
  size_t pos = 104;
  put32(m + pos, 1);
  memcpy(m + pos + 4, "AAPL  250221C00250000", 21);
  pos += 4 + cstr + 4 + 4; /* symbols, partial, not_found */
  put32(m + pos, 1);
  memcpy(m + pos + 4, "AAPL  250221C00250000", 21);
  pos += 4 + cstr;
  put32(m + pos, 1);
  put32(m + pos + 4, 20250220);
  put32(m + pos + 8, 20250221);
  memcpy(m + pos + 12, "16783963", 8);
  uint64_t seed = 12345;
  *size_sum = 0;
  for (size_t i = 0; i < nrec; i++) {
    struct sf_dbn_trade t = {0};
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    t.hd.length = sizeof t / 4;
    t.hd.rtype = 0;
    t.hd.publisher_id = (uint16_t)(20 + (seed >> 60));
    t.hd.instrument_id = 16783963;
    t.hd.ts_event = 1740061800000000000ULL + i * 1000;
    t.price = (int64_t)((seed >> 40) % 1000) * 10000000;
    t.size = (uint32_t)(1 + (seed >> 20) % 50);
    t.action = 'T';
    t.side = 'N';
    t.ts_recv = t.hd.ts_event + 200;
    t.sequence = (uint32_t)i;
    *size_sum += t.size;
    memcpy(b + 8 + mlen + i * sizeof t, &t, sizeof t);
  }
  return b;
}

static char *make_csv(size_t nrow, size_t *len, uint64_t *size_sum) {
  size_t cap = 64 + nrow * 128, n = 0;
  char *b = malloc(cap);
  if (!b) return NULL;
  n +=
      (size_t)snprintf(b, cap,
                       "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,"
                       "sip_timestamp,size\n");
  uint64_t seed = 777;
  *size_sum = 0;
  for (size_t i = 0; i < nrow; i++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    unsigned size = (unsigned)(1 + (seed >> 20) % 50);
    *size_sum += size;
    n += (size_t)snprintf(
        b + n, cap - n, "O:AAPL250221C00250000,\"209,219\",0,%u,,%llu,%u.%02u,%zu,%llu,%u\n",
        300 + (unsigned)(seed >> 60), 1740061800000000000ULL + i * 1000, (unsigned)((seed >> 40) % 10),
        (unsigned)((seed >> 30) % 100), i, 1740061800000000000ULL + i * 1000 + 5, size);
  }
  *len = n;
  return b;
}

int main(void) {
  size_t ndbn = 2000000, ncsv = 1000000, len;
  uint64_t want_sum, sum = 0, count = 0;
  uint8_t *dbn = make_dbn(ndbn, &len, &want_sum);
  if (!dbn) return 1;
  struct sf_dbn_decoder d;
  sf_dbn_decoder_init(&d);
  struct sf_dbn_record r;
  size_t pos = 0, used;
  int rc;
  int64_t t0 = sf_time_mono_ns();
  while ((rc = sf_dbn_decode(&d, dbn + pos, len - pos, &used, &r)) > 0) {
    pos += used;
    if (rc == SF_DBN_RECORD) {
      count++;
      sum += r.u.trade.size;
      if (!r.symbol) return 2;
    }
  }
  int64_t t1 = sf_time_mono_ns();
  if (rc != SF_EAGAIN || sf_dbn_decoder_finish(&d) != 0 || count != ndbn || sum != want_sum) {
    fprintf(stderr, "bench_decode: dbn check failed (%zu records, %s)\n", (size_t)count, d.errmsg);
    return 1;
  }
  double s = (double)(t1 - t0) / 1e9;
  printf(
      "{\"bench\":\"decode_dbn_trades\",\"records\":%llu,\"bytes\":%zu,\"seconds\":%.4f,\"records_per_s\":%."
      "0f,"
      "\"mb_per_s\":%.1f}\n",
      (unsigned long long)count, len, s, (double)count / s, (double)len / s / 1e6);
  sf_dbn_decoder_fini(&d);
  free(dbn);

  char *csv = make_csv(ncsv, &len, &want_sum);
  if (!csv) return 1;
  struct sf_csv_decoder c;
  sf_csv_decoder_init(&c);
  struct sf_csv_row row;
  pos = 0;
  sum = count = 0;
  t0 = sf_time_mono_ns();
  while ((rc = sf_csv_decode(&c, csv + pos, len - pos, &used, &row)) == SF_CSV_ROW) {
    pos += used;
    count++;
    sum += (uint64_t)row.u.trade.size;
  }
  t1 = sf_time_mono_ns();
  if (rc != SF_EAGAIN || count != ncsv || sum != want_sum) {
    fprintf(stderr, "bench_decode: csv check failed (%zu rows, %s)\n", (size_t)count, c.errmsg);
    return 1;
  }
  s = (double)(t1 - t0) / 1e9;
  printf(
      "{\"bench\":\"decode_csv_trades\",\"records\":%llu,\"bytes\":%zu,\"seconds\":%.4f,\"records_per_s\":%."
      "0f,"
      "\"mb_per_s\":%.1f}\n",
      (unsigned long long)count, len, s, (double)count / s, (double)len / s / 1e6);
  sf_csv_decoder_fini(&c);
  free(csv);
  return 0;
}
