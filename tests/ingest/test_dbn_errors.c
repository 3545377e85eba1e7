/* DBN decoder robustness: a real file truncated at every byte offset, corrupted record lengths,
 * a wrong magic, an unsupported version, a lying metadata length and a bad mapping date all give
 * a clear error naming the offset (never a crash, under ASan/UBSan); and feeding a file one byte
 * at a time, or in irregular chunks, yields exactly the records of decoding it whole. */
#include <unistd.h>
#include <zstd.h>

#include "harness.h"
#include "smartflow/dbn.h"
#include "smartflow/err.h"

/* Decompresses a shared real file into memory. */
static uint8_t *load_real(const char *rel, size_t *len) {
  char path[1024];
  SF_SHARED_PATH(rel, path);
  size_t zlen = 0;
  char *z = sf_test_slurp(path, &zlen);
  assert_non_null(z);
  /* Databento writes streaming frames without a content size: decompress as a stream. */
  ZSTD_DStream *zs = ZSTD_createDStream();
  ZSTD_initDStream(zs);
  size_t cap = 1 << 16, got = 0;
  uint8_t *out = malloc(cap);
  ZSTD_inBuffer in = {z, zlen, 0};
  while (in.pos < in.size) {
    if (cap - got < (1 << 16)) {
      cap *= 2;
      out = realloc(out, cap);
      assert_non_null(out);
    }
    ZSTD_outBuffer o = {out + got, cap - got, 0};
    size_t r = ZSTD_decompressStream(zs, &o, &in);
    assert_false(ZSTD_isError(r));
    got += o.pos;
  }
  ZSTD_freeDStream(zs);
  free(z);
  *len = got;
  return out;
}

struct run {
  size_t records;
  int rc; /* final: 0, or the error */
  uint64_t err_offset;
  char errmsg[200];
  uint64_t hash; /* FNV-1a over the decoded records' bytes */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

/* Decodes buf in chunks of the given size (0 = whole); chunk sizes cycle through `pattern`. */
static void run_chunks(const uint8_t *buf, size_t len, const size_t *pattern, size_t npat, struct run *out) {
  struct sf_dbn_decoder d;
  sf_dbn_decoder_init(&d);
  memset(out, 0, sizeof *out);
  out->hash = 1469598103934665603ULL;
  size_t pos = 0, k = 0;
  int rc = SF_EAGAIN;
  while (pos < len) {
    size_t chunk = npat ? pattern[k++ % npat] : len - pos;
    if (chunk > len - pos) chunk = len - pos;
    size_t off = 0;
    for (;;) {
      struct sf_dbn_record r;
      size_t used = 0;
      rc = sf_dbn_decode(&d, buf + pos + off, chunk - off, &used, &r);
      assert_true(used <= chunk - off);
      off += used;
      if (rc == SF_DBN_RECORD) {
        out->records++;
        out->hash = fnv(out->hash, &r.u, r.kind == SF_DBN_KIND_DEFINITION ? sizeof r.u.def : 80);
        out->hash = fnv(out->hash, &r.offset, sizeof r.offset);
        if (r.symbol) out->hash = fnv(out->hash, r.symbol, strlen(r.symbol));
        continue;
      }
      if (rc == SF_DBN_METADATA) continue;
      break;
    }
    if (rc != SF_EAGAIN) break;
    assert_int_equal(off, chunk);
    pos += chunk;
  }
  if (rc == SF_EAGAIN) rc = sf_dbn_decoder_finish(&d);
  out->rc = rc;
  out->err_offset = d.err_offset;
  snprintf(out->errmsg, sizeof out->errmsg, "%s", sf_dbn_decoder_errmsg(&d));
  sf_dbn_decoder_fini(&d);
}

static const char *const files[] = {
    "realdata/databento-python_OPRA.PILLAR/test_data.trades.dbn.zst",
    "realdata/databento-python_OPRA.PILLAR/test_data.tbbo.dbn.zst",
    "realdata/databento-python_OPRA.PILLAR/test_data.definition.dbn.zst",
    "realdata/databento-python_OPRA.PILLAR/test_data.statistics.dbn.zst",
    "realdata/databento-python_OPRA.PILLAR/test_data.cbbo-1s.dbn.zst",
    "realdata/databento-python_OPRA.PILLAR/test_data.ohlcv-1d.dbn.zst",
};

static void test_truncated_every_offset(void **state) {
  (void)state;
  for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
    size_t len;
    uint8_t *buf = load_real(files[fi], &len);
    struct run whole;
    run_chunks(buf, len, NULL, 0, &whole);
    check_i64(whole.rc, 0);
    assert_true(whole.records >= 1);
    /* Record boundaries: 8 + metadata length, then each record's own length. */
    uint32_t mlen =
        (uint32_t)buf[4] | (uint32_t)buf[5] << 8 | (uint32_t)buf[6] << 16 | (uint32_t)buf[7] << 24;
    for (size_t cut = 0; cut < len; cut++) {
      struct run r;
      run_chunks(buf, cut, NULL, 0, &r);
      bool boundary = false;
      for (size_t b = 8 + mlen; b <= len; b += (size_t)buf[b] * 4) {
        if (b == cut) boundary = true;
        if (b == len) break;
      }
      if (boundary) {
        if (r.rc != 0) fail_msg("%s cut at %zu (a record boundary): %s", files[fi], cut, r.errmsg);
      } else {
        if (r.rc != SF_ETRUNC)
          fail_msg("%s cut at %zu: rc %s, expected SF_ETRUNC", files[fi], cut, sf_errname(r.rc));
        assert_non_null(strstr(r.errmsg, "input ends inside"));
        if (r.err_offset != cut)
          fail_msg("cut %zu reported at offset %llu", cut, (unsigned long long)r.err_offset);
      }
    }
    free(buf);
  }
}

static void test_chunked_equals_whole(void **state) {
  (void)state;
  const size_t one[] = {1};
  const size_t odd[] = {3, 7, 1, 64, 2, 13, 300, 5};
  for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
    size_t len;
    uint8_t *buf = load_real(files[fi], &len);
    struct run whole, bytes, mixed;
    run_chunks(buf, len, NULL, 0, &whole);
    run_chunks(buf, len, one, 1, &bytes);
    run_chunks(buf, len, odd, 8, &mixed);
    check_i64(bytes.rc, 0);
    check_i64(mixed.rc, 0);
    check_i64(bytes.records, whole.records);
    check_i64(mixed.records, whole.records);
    assert_true(bytes.hash == whole.hash);
    assert_true(mixed.hash == whole.hash);
    free(buf);
  }
  /* The 5.9 MB v1 file with its 183,523 mapping intervals, in 4 KiB chunks. */
  size_t len;
  uint8_t *buf = load_real("realdata/nautilus_trader_databento/definition-opra.dbn.zst", &len);
  const size_t page[] = {4096};
  struct run whole, paged;
  run_chunks(buf, len, NULL, 0, &whole);
  run_chunks(buf, len, page, 1, &paged);
  check_i64(whole.rc, 0);
  check_i64(whole.records, 2);
  check_i64(paged.records, 2);
  assert_true(paged.hash == whole.hash);
  free(buf);
}

static void test_bad_magic_and_version(void **state) {
  (void)state;
  size_t len;
  uint8_t *buf = load_real(files[0], &len);
  struct run r;

  buf[1] = 'X';
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  check_i64(r.err_offset, 1);
  assert_non_null(strstr(r.errmsg, "not a DBN stream"));
  buf[1] = 'B';

  buf[3] = 4;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EVERSION);
  check_i64(r.err_offset, 3);
  assert_non_null(strstr(r.errmsg, "unsupported DBN version 4"));
  buf[3] = 0;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EVERSION);
  buf[3] = 3;

  /* Metadata length below the fixed part. */
  uint8_t save = buf[4], save5 = buf[5];
  buf[4] = 50;
  buf[5] = 0;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  check_i64(r.err_offset, 4);
  assert_non_null(strstr(r.errmsg, "metadata length 50"));
  buf[4] = save;
  buf[5] = save5;

  /* A plain text file. */
  const uint8_t text[] = "ticker,price\n";
  run_chunks(text, sizeof text - 1, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  check_i64(r.err_offset, 0);
  free(buf);
}

static void test_corrupted_lengths(void **state) {
  (void)state;
  size_t len;
  uint8_t *buf = load_real(files[0], &len); /* trades: metadata 8+352, records of 48 at 360.. */
  struct run r;

  /* A record length of 2 words (8 bytes) is shorter than the header. */
  buf[408] = 2;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  check_i64(r.err_offset, 408);
  check_i64(r.records, 1);
  assert_non_null(strstr(r.errmsg, "shorter than the 16-byte header"));
  buf[408] = 0;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  check_i64(r.err_offset, 408);

  /* A trade record that claims 32 bytes: too short for its rtype. */
  buf[408] = 8;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  check_i64(r.err_offset, 408);
  assert_non_null(strstr(r.errmsg, "mbp-0 record (rtype 0x00) of 32 bytes, expected at least 48"));

  /* A length running past the end of the file: truncated. */
  buf[408] = 255;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_ETRUNC);
  check_i64(r.err_offset, len);
  buf[408] = 12;

  /* Unknown rtype: skipped and counted, decoding goes on. */
  buf[409] = 0x77;
  {
    struct sf_dbn_decoder d;
    sf_dbn_decoder_init(&d);
    size_t pos = 0, used;
    struct sf_dbn_record rec;
    int rc, n = 0;
    while ((rc = sf_dbn_decode(&d, buf + pos, len - pos, &used, &rec)) > 0) {
      pos += used;
      if (rc == SF_DBN_RECORD) n++;
    }
    check_i64(rc, SF_EAGAIN);
    check_i64(sf_dbn_decoder_finish(&d), 0);
    check_i64(n, 3);
    check_i64(d.skipped, 1);
    check_i64(d.skipped_by_rtype[0x77], 1);
    sf_dbn_decoder_fini(&d);
  }
  buf[409] = 0x00;

  /* Metadata: a symbol count larger than the metadata. */
  /* v3 fixed part is 100 bytes after the prelude, then schema_definition length (4), then the
   * symbols count at 8 + 104. */
  buf[112 + 2] = 0x10;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  assert_non_null(strstr(r.errmsg, "symbols count"));
  buf[112 + 2] = 0;

  /* A non-zero schema definition length. */
  buf[108] = 1;
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  check_i64(r.err_offset, 108);
  assert_non_null(strstr(r.errmsg, "schema definition"));
  buf[108] = 0;

  /* A mapping interval with month 13: symbols(4+71) partial(4) not_found(4) mappings count(4),
   * raw symbol (71), interval count (4), then start_date. */
  size_t sd = 112 + 4 + 71 + 4 + 4 + 4 + 71 + 4;
  check_i64(buf[sd] | buf[sd + 1] << 8 | buf[sd + 2] << 16 | buf[sd + 3] << 24, 20250220);
  uint32_t bad = 20251320;
  memcpy(buf + sd, &bad, 4);
  run_chunks(buf, len, NULL, 0, &r);
  check_i64(r.rc, SF_EPARSE);
  check_i64(r.err_offset, sd);
  assert_non_null(strstr(r.errmsg, "bad start_date 20251320"));
  free(buf);
}

static void test_errors_are_sticky(void **state) {
  (void)state;
  struct sf_dbn_decoder d;
  sf_dbn_decoder_init(&d);
  struct sf_dbn_record rec;
  size_t used = 99;
  check_i64(sf_dbn_decode(&d, (const uint8_t *)"DBX", 3, &used, &rec), SF_EPARSE);
  check_i64(used, 0);
  check_i64(sf_dbn_decode(&d, (const uint8_t *)"DBN", 3, &used, &rec), SF_EPARSE);
  check_i64(sf_dbn_decoder_finish(&d), SF_EPARSE);
  sf_dbn_decoder_fini(&d);
  /* Empty input is only a truncation at finish. */
  sf_dbn_decoder_init(&d);
  check_i64(sf_dbn_decode(&d, NULL, 0, &used, &rec), SF_EAGAIN);
  check_i64(sf_dbn_decoder_finish(&d), SF_ETRUNC);
  sf_dbn_decoder_fini(&d);
}

static void test_file_errors(void **state) {
  (void)state;
  char err[512];
  struct sf_dbn_file *f = NULL;
  check_i64(sf_dbn_file_open("/nonexistent/x.dbn.zst", &f, err, sizeof err), SF_EIO);
  assert_null(f);
  assert_non_null(strstr(err, "/nonexistent/x.dbn.zst"));
  /* A truncated zstd file. */
  char src[1024], tmp[] = "/tmp/sf_dbn_trunc_XXXXXX";
  SF_SHARED_PATH("realdata/databento-python_OPRA.PILLAR/test_data.trades.dbn.zst", src);
  size_t zlen;
  char *z = sf_test_slurp(src, &zlen);
  int fd = mkstemp(tmp);
  assert_true(fd >= 0);
  FILE *fp = fdopen(fd, "wb");
  fwrite(z, 1, zlen - 20, fp);
  fclose(fp);
  int rc = sf_dbn_file_open(tmp, &f, err, sizeof err);
  if (rc == 0) {
    struct sf_dbn_record r;
    while ((rc = sf_dbn_file_next(f, &r)) == 1) {
    }
    snprintf(err, sizeof err, "%s", sf_dbn_file_errmsg(f));
    sf_dbn_file_close(f);
  }
  assert_true(rc < 0);
  assert_non_null(strstr(err, tmp));
  unlink(tmp);
  free(z);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_truncated_every_offset), cmocka_unit_test(test_chunked_equals_whole),
      cmocka_unit_test(test_bad_magic_and_version),  cmocka_unit_test(test_corrupted_lengths),
      cmocka_unit_test(test_errors_are_sticky),      cmocka_unit_test(test_file_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
