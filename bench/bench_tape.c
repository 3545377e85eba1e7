/* Tape line decode throughput: a deterministic in-memory tape of enriched option prints and
 * option NBBO updates (half each, written by the record encoder, so the lines are the
 * canonical ~650-byte and ~300-byte shapes of a smartflow tape) is decoded line by line through
 * sf_record_from_line (the fast path first) and through the jansson tree path alone. Each run
 * checks its record count and a hash of the decoded records against the generator's, then
 * prints one JSON line: lines/s and MB/s. With an argument, the tape is also written to that
 * path (for `smartflow compute --in`); a third argument "fast" skips the jansson run (for
 * profiling). Usage: bench_tape [LINES] [OUT.jsonl|-] [fast] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/hash.h"
#include "smartflow/record.h"
#include "smartflow/record_json.h"
#include "smartflow/time.h"

static uint64_t rng = 201;

static uint64_t rnd(void) {
  rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return rng >> 33;
}

/* A hash of the fields that a decode must get right, the same for either path. */
static uint64_t record_hash(uint64_t h, const struct sf_record *r) {
  const struct sf_meta *m = sf_record_meta(r);
  h = sf_hash_update(h, &r->type, sizeof r->type);
  h = sf_hash_update(h, &m->seq, sizeof m->seq);
  h = sf_hash_update(h, m->trace_id, strlen(m->trace_id));
  if (r->type == SF_REC_OPTION_PRINT) {
    const struct sf_option_print *p = &r->u.option_print;
    h = sf_hash_update(h, &p->ts_ns, sizeof p->ts_ns);
    h = sf_hash_update(h, &p->price, sizeof p->price);
    h = sf_hash_update(h, &p->size, sizeof p->size);
    h = sf_hash_update(h, &p->nbbo_mid, sizeof p->nbbo_mid);
    h = sf_hash_update(h, &p->und_spot, sizeof p->und_spot);
    h = sf_hash_update(h, &p->iv, sizeof p->iv);
    h = sf_hash_update(h, &p->conditions, sizeof p->conditions);
    h = sf_hash_update(h, p->option_contract_id, strlen(p->option_contract_id));
  } else {
    const struct sf_option_nbbo *q = &r->u.option_nbbo;
    h = sf_hash_update(h, &q->ts_ns, sizeof q->ts_ns);
    h = sf_hash_update(h, &q->bid, sizeof q->bid);
    h = sf_hash_update(h, &q->ask, sizeof q->ask);
    h = sf_hash_update(h, &q->bid_size, sizeof q->bid_size);
    h = sf_hash_update(h, q->option_contract_id, strlen(q->option_contract_id));
  }
  return h;
}

static void make_record(struct sf_record *r, size_t i) {
  static const char *const roots[] = {"SPY", "QQQ", "AAPL", "TSLA", "NVDA", "IWM"};
  const char *root = roots[rnd() % 6];
  char cid[SF_CONTRACT_ID_MAX];
  double strike = 100 + (double)(rnd() % 400) + ((rnd() & 1) ? 0.5 : 0);
  snprintf(cid, sizeof cid, "%s-2025-02-%02u-%g-%c", root, (unsigned)(3 + rnd() % 25), strike,
           (rnd() & 1) ? 'C' : 'P');
  int64_t ms = INT64_C(1738594200000) + (int64_t)i * 3;
  double bid = (double)(rnd() % 2000) / 100.0, ask = bid + (double)(1 + rnd() % 20) / 100.0;
  if (i % 2 == 0) {
    sf_record_init(r, SF_REC_OPTION_NBBO);
    struct sf_option_nbbo *q = &r->u.option_nbbo;
    q->meta.source_ts = ms;
    q->meta.ingest_ts = ms + 2;
    q->meta.seq = (int64_t)i;
    snprintf(q->meta.trace_id, sizeof q->meta.trace_id, "nbbo-%zu", i);
    q->ts_ns = ms * 1000000 + (int64_t)(rnd() % 1000000);
    memcpy(q->option_contract_id, cid, sizeof cid);
    q->bid = bid;
    q->ask = ask;
    q->bid_size = (double)(1 + rnd() % 500);
    q->ask_size = (double)(1 + rnd() % 500);
    return;
  }
  sf_record_init(r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r->u.option_print;
  p->meta.source_ts = ms;
  p->meta.ingest_ts = ms + 2;
  p->meta.seq = (int64_t)i;
  snprintf(p->meta.trace_id, sizeof p->meta.trace_id, "print-%zu", i);
  p->ts_ns = ms * 1000000 + (int64_t)(rnd() % 1000000);
  memcpy(p->option_contract_id, cid, sizeof cid);
  p->price = (rnd() & 1) ? ask : (bid + ask) / 2;
  p->size = (int64_t)(1 + rnd() % 200);
  snprintf(p->exchange, sizeof p->exchange, "%s", (rnd() & 1) ? "CBOE" : "XPHL");
  p->conditions = (uint32_t)(rnd() & 3);
  p->enriched = true;
  snprintf(p->underlying_id, sizeof p->underlying_id, "%s", root);
  p->option_type = (uint8_t)((rnd() & 1) ? SF_OPT_CALL : SF_OPT_PUT);
  p->multiplier = 100;
  p->notional = p->price * (double)p->size * 100;
  p->nbbo_side = (uint8_t)(1 + rnd() % 5);
  p->nbbo_bid = bid;
  p->nbbo_ask = ask;
  p->nbbo_mid = (bid + ask) / 2;
  p->nbbo_spread = ask - bid;
  p->nbbo_bid_size = (double)(1 + rnd() % 500);
  p->nbbo_ask_size = (double)(1 + rnd() % 500);
  p->nbbo_ts_ns = p->ts_ns - 1500000;
  p->nbbo_age_ms = 1.5;
  p->und_spot = strike + (double)(rnd() % 2000) / 100.0 - 10;
  p->und_bid = p->und_spot - 0.01;
  p->und_ask = p->und_spot + 0.01;
  p->und_mid = p->und_spot;
  p->und_spread = 0.02;
  p->und_ts_ns = p->ts_ns - 700000;
  p->und_age_ms = 0.7;
  p->iv = 0.15 + (double)(rnd() % 5000) / 10000.0;
  snprintf(p->iv_source, sizeof p->iv_source, "black_scholes");
  p->is_etf = (int8_t)(root[0] == 'S' || root[0] == 'Q' || root[0] == 'I');
  p->delta = (double)(rnd() % 2000) / 1000.0 - 1;
  p->gamma = (double)(rnd() % 1000) / 10000.0;
  p->vega = (double)(rnd() % 1000) / 1000.0;
  p->aggressor = (int8_t)(rnd() % 3) - 1;
  p->aggressor_rule = SF_AGG_RULE_QUOTE;
}

typedef int (*decode_fn)(const char *, size_t, struct sf_record *, struct sf_errbuf *);

static int run(const char *name, decode_fn fn, const char *tape, size_t len, size_t want_count,
               uint64_t want_hash) {
  uint64_t h = SF_HASH_SEED;
  size_t count = 0;
  int64_t t0 = sf_time_mono_ns();
  for (const char *p = tape, *end = tape + len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    struct sf_record r;
    struct sf_errbuf err = {{0}};
    if (fn(p, n, &r, &err) != 0) {
      fprintf(stderr, "bench_tape: %s: line %zu: %s\n", name, count + 1, err.msg);
      return 1;
    }
    h = record_hash(h, &r);
    count++;
    p += n + 1;
  }
  int64_t t1 = sf_time_mono_ns();
  if (count != want_count || h != want_hash) {
    fprintf(stderr, "bench_tape: %s: check failed (%zu lines, hash %016llx, want %016llx)\n", name, count,
            (unsigned long long)h, (unsigned long long)want_hash);
    return 1;
  }
  double s = (double)(t1 - t0) / 1e9;
  printf(
      "{\"bench\":\"tape_decode_%s\",\"lines\":%zu,\"bytes\":%zu,\"seconds\":%.4f,\"lines_per_s\":%.0f,"
      "\"mb_per_s\":%.1f,\"hash\":\"%016llx\"}\n",
      name, count, len, s, (double)count / s, (double)len / s / 1e6, (unsigned long long)h);
  return 0;
}

int main(int argc, char **argv) {
  size_t nlines = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 400000;
  if (nlines == 0) nlines = 400000;
  size_t cap = nlines * 800, len = 0;
  char *tape = malloc(cap);
  if (!tape) return 1;
  uint64_t want = SF_HASH_SEED;
  for (size_t i = 0; i < nlines; i++) {
    struct sf_record r;
    make_record(&r, i);
    char *line = sf_record_to_line(&r);
    size_t n = line ? strlen(line) : 0;
    if (!line || len + n > cap) {
      fprintf(stderr, "bench_tape: could not encode line %zu\n", i);
      return 1;
    }
    memcpy(tape + len, line, n);
    len += n;
    free(line);
    /* The expected hash comes from the record as decoded once by the tree path, since the
     * 15-digit encoding may round a generated double. */
    struct sf_record back;
    struct sf_errbuf err = {{0}};
    if (sf_record_from_line_tree(tape + len - n, n, &back, &err) != 0) {
      fprintf(stderr, "bench_tape: generated line %zu does not decode: %s\n", i, err.msg);
      return 1;
    }
    want = record_hash(want, &back);
  }
  if (argc > 2 && strcmp(argv[2], "-") != 0) {
    FILE *f = fopen(argv[2], "wb");
    if (!f || fwrite(tape, 1, len, f) != len || fclose(f) != 0) {
      fprintf(stderr, "bench_tape: cannot write %s\n", argv[2]);
      return 1;
    }
  }
  int rc = run("fast", sf_record_from_line, tape, len, nlines, want);
  if (!rc && !(argc > 3 && strcmp(argv[3], "fast") == 0))
    rc = run("jansson", sf_record_from_line_tree, tape, len, nlines, want);
  free(tape);
  return rc;
}
