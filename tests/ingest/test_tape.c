/* Tape reader and writer: good, bad, blank and huge lines with their line numbers, CRLF, a last
 * line without newline, gzip and truncated gzip input, stdin, and writer -> reader round trips
 * (plain and gzip) that must give back byte-identical lines. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "smartflow/err.h"
#include "smartflow/record_json.h"
#include "smartflow/tape.h"

static char tmpdir[256];

static int setup(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/sf_test_tape_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static const char *tpath(const char *name, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/%s", tmpdir, name);
  return buf;
}

static const char good_print[] =
    "{\"type\":\"option-print\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":0,\"trace_id\":\"p1\","
    "\"ts\":1000,\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"price\":1.5,\"size\":2,\"exchange\":\"X\"}"
    "}";
static const char bad_size[] =
    "{\"type\":\"option-print\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":1,\"trace_id\":\"p2\","
    "\"ts\":1000,\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"price\":1.5,\"size\":0,\"exchange\":\"X\"}"
    "}";
static const char good_nbbo[] =
    "{\"type\":\"option-nbbo\",\"payload\":{\"source_ts\":1,\"ingest_ts\":2,\"seq\":2,\"trace_id\":\"q1\","
    "\"ts\":1001,\"option_contract_id\":\"SPY-2025-01-17-450-C\",\"bid\":1.4,\"ask\":1.6,\"bidSize\":10,"
    "\"askSize\":20}}";

/* The mixed content: returns a malloc'd buffer; the huge line carries a 3 MB ignored field. */
static char *mixed_content(size_t *len) {
  size_t big = 3u << 20;
  size_t cap = big + 4096;
  char *s = malloc(cap);
  assert_non_null(s);
  size_t n = 0;
  n += (size_t)sprintf(s + n, "%s\n", good_print);                                   /* 1 */
  n += (size_t)sprintf(s + n, "\n");                                                 /* 2 blank */
  n += (size_t)sprintf(s + n, " \t \r\n");                                           /* 3 blank (CRLF) */
  n += (size_t)sprintf(s + n, "%s\r\n", bad_size);                                   /* 4 bad field, CRLF */
  n += (size_t)sprintf(s + n, "{not json\n");                                        /* 5 bad JSON */
  n += (size_t)sprintf(s + n, "{\"type\":\"equity-quote\",\"payload\":{\"pad\":\""); /* 6 huge, good */
  memset(s + n, 'x', big);
  n += big;
  n += (size_t)sprintf(s + n,
                       "\",\"source_ts\":1,\"ingest_ts\":2,\"seq\":3,\"trace_id\":\"huge\",\"ts\":1002,"
                       "\"underlying_id\":\"SPY\",\"bid\":450,\"ask\":450.02}}\n");
  n += (size_t)sprintf(s + n, "%s", good_nbbo); /* 7, no newline at the end */
  *len = n;
  return s;
}

/* Reads the mixed content through a reader and checks every step. */
static void check_mixed(struct sf_tape_reader *r, size_t plain_len) {
  struct sf_record rec;
  assert_int_equal(sf_tape_reader_next(r, &rec), 1);
  check_i64(sf_tape_reader_line(r), 1);
  assert_int_equal(rec.type, SF_REC_OPTION_PRINT);
  check_str(rec.u.option_print.meta.trace_id, "p1");

  assert_int_equal(sf_tape_reader_next(r, &rec), SF_EFIELD);
  check_i64(sf_tape_reader_line(r), 4);
  check_str(sf_tape_reader_errmsg(r), "line 4: option-print.size: must be an integer > 0");

  assert_int_equal(sf_tape_reader_next(r, &rec), SF_EPARSE);
  check_i64(sf_tape_reader_line(r), 5);
  check_str(sf_tape_reader_errmsg(r), "line 5: invalid JSON at column 4: string or '}' expected near 'not'");

  assert_int_equal(sf_tape_reader_next(r, &rec), 1);
  check_i64(sf_tape_reader_line(r), 6);
  assert_int_equal(rec.type, SF_REC_EQUITY_QUOTE);
  check_str(rec.u.equity_quote.meta.trace_id, "huge");
  check_near(rec.u.equity_quote.ask, 450.02, 0);

  assert_int_equal(sf_tape_reader_next(r, &rec), 1);
  check_i64(sf_tape_reader_line(r), 7);
  assert_int_equal(rec.type, SF_REC_OPTION_NBBO);
  check_i64(rec.u.option_nbbo.ts_ns, INT64_C(1001000000));

  assert_int_equal(sf_tape_reader_next(r, &rec), 0);
  assert_int_equal(sf_tape_reader_next(r, &rec), 0);
  check_i64(sf_tape_reader_bytes(r), plain_len);
}

static void write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static void write_gz(const char *path, const char *data, size_t len) {
  gzFile gz = gzopen(path, "wb");
  assert_non_null(gz);
  assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
  assert_int_equal(gzclose(gz), Z_OK);
}

static void test_plain_mixed(void **state) {
  (void)state;
  size_t len;
  char *data = mixed_content(&len);
  char p[300];
  write_file(tpath("mixed.jsonl", p, sizeof p), data, len);
  struct sf_tape_reader *r;
  assert_int_equal(sf_tape_reader_open(p, &r), 0);
  check_mixed(r, len);
  sf_tape_reader_close(r);
  free(data);
}

static void test_gzip_mixed(void **state) {
  (void)state;
  size_t len;
  char *data = mixed_content(&len);
  char p[300];
  write_gz(tpath("mixed.jsonl.gz", p, sizeof p), data, len);
  struct sf_tape_reader *r;
  assert_int_equal(sf_tape_reader_open(p, &r), 0);
  check_mixed(r, len);
  sf_tape_reader_close(r);
  free(data);
}

static void test_stdin(void **state) {
  (void)state;
  size_t len;
  char *data = mixed_content(&len);
  char p[300];
  write_gz(tpath("stdin.jsonl.gz", p, sizeof p), data, len);
  int saved = dup(0);
  int fd = open(p, O_RDONLY);
  assert_true(fd >= 0 && saved >= 0);
  assert_int_equal(dup2(fd, 0), 0);
  close(fd);
  struct sf_tape_reader *r;
  assert_int_equal(sf_tape_reader_open("-", &r), 0);
  check_mixed(r, len);
  sf_tape_reader_close(r);
  dup2(saved, 0);
  close(saved);
  free(data);
}

static void test_truncated_gzip(void **state) {
  (void)state;
  /* 200 good lines, compressed, then cut in the middle of the stream. */
  size_t cap = 200 * (sizeof good_print + 8), n = 0;
  char *data = malloc(cap);
  for (int i = 0; i < 200; i++) n += (size_t)sprintf(data + n, "%s\n", good_print);
  char p[300];
  write_gz(tpath("cut.jsonl.gz", p, sizeof p), data, n);
  size_t glen;
  char *gz = sf_test_slurp(p, &glen);
  assert_non_null(gz);
  write_file(p, gz, glen / 2);
  struct sf_tape_reader *r;
  assert_int_equal(sf_tape_reader_open(p, &r), 0);
  struct sf_record rec;
  int rc, good = 0, bad = 0, trunc = 0;
  while ((rc = sf_tape_reader_next(r, &rec)) != 0) {
    if (rc == 1)
      good++;
    else if (rc == SF_ETRUNC) {
      trunc++;
      assert_non_null(strstr(sf_tape_reader_errmsg(r), "truncated compressed input"));
    } else
      bad++; /* the line cut in two */
    assert_true(good + bad + trunc < 1000);
  }
  assert_int_equal(trunc, 1);
  assert_true(bad <= 1);
  assert_true(good < 200);
  sf_tape_reader_close(r);
  free(gz);
  free(data);
}

static void test_open_missing(void **state) {
  (void)state;
  struct sf_tape_reader *r = (struct sf_tape_reader *)1;
  char p[300];
  errno = 0;
  assert_int_equal(sf_tape_reader_open(tpath("nope/none.jsonl", p, sizeof p), &r), SF_EIO);
  assert_int_equal(errno, ENOENT);
  assert_null(r);
  struct sf_tape_writer *w;
  assert_int_equal(sf_tape_writer_open(tpath("nope/out.jsonl", p, sizeof p), &w), SF_EIO);
}

static void test_empty_and_blank(void **state) {
  (void)state;
  char p[300];
  write_file(tpath("empty.jsonl", p, sizeof p), "", 0);
  struct sf_tape_reader *r;
  struct sf_record rec;
  assert_int_equal(sf_tape_reader_open(p, &r), 0);
  assert_int_equal(sf_tape_reader_next(r, &rec), 0);
  sf_tape_reader_close(r);
  write_file(p, "\n\n  \n", 5);
  assert_int_equal(sf_tape_reader_open(p, &r), 0);
  assert_int_equal(sf_tape_reader_next(r, &rec), 0);
  check_i64(sf_tape_reader_line(r), 3);
  sf_tape_reader_close(r);
}

/* A deterministic mix of every market-data type with varied values. */
static void make_record(int i, struct sf_record *r) {
  enum sf_record_type t = (enum sf_record_type)(i % 4);
  sf_record_init(r, t);
  struct sf_meta *m = sf_record_meta_mut(r);
  m->source_ts = 1736953200000 + i;
  m->ingest_ts = m->source_ts + 3;
  m->seq = i;
  snprintf(m->trace_id, sizeof m->trace_id, "tr-%06d", i);
  int64_t ts = INT64_C(1736953200000000000) + (int64_t)i * 7919;
  switch (t) {
    case SF_REC_OPTION_PRINT:
      r->u.option_print.ts_ns = ts;
      snprintf(r->u.option_print.option_contract_id, SF_CONTRACT_ID_MAX, "SPY-2025-01-17-%d-%c", 400 + i % 50,
               i % 8 ? 'C' : 'P');
      r->u.option_print.price = 0.05 * (i % 97 + 1);
      r->u.option_print.size = 1 + i % 500;
      strcpy(r->u.option_print.exchange, "CBOE");
      r->u.option_print.conditions = (uint32_t)(i % 7);
      if (i % 3 == 0) {
        r->u.option_print.enriched = true;
        strcpy(r->u.option_print.underlying_id, "SPY");
        r->u.option_print.nbbo_side = (uint8_t)(1 + i % 7);
        r->u.option_print.nbbo_mid = 1.0 / (i + 1);
        r->u.option_print.aggressor = (int8_t)(i % 3 - 1);
      }
      break;
    case SF_REC_OPTION_NBBO:
      r->u.option_nbbo.ts_ns = ts;
      strcpy(r->u.option_nbbo.option_contract_id, "QQQ-2025-06-20-500.5-P");
      r->u.option_nbbo.bid = i * 0.01;
      r->u.option_nbbo.ask = i * 0.01 + 0.05;
      r->u.option_nbbo.bid_size = i % 100;
      r->u.option_nbbo.ask_size = (i + 1) % 100;
      break;
    case SF_REC_EQUITY_QUOTE:
      r->u.equity_quote.ts_ns = ts;
      strcpy(r->u.equity_quote.underlying_id, "QQQ");
      r->u.equity_quote.bid = 500 + i * 0.001;
      r->u.equity_quote.ask = 500.01 + i * 0.001;
      break;
    default:
      r->u.equity_print.ts_ns = ts;
      strcpy(r->u.equity_print.underlying_id, "SPY");
      r->u.equity_print.price = 450 + i * 0.0001;
      r->u.equity_print.size = 100;
      strcpy(r->u.equity_print.exchange, "N");
      r->u.equity_print.off_exchange = (int8_t)(i % 3 - 1);
      break;
  }
}

static void writer_roundtrip(const char *name) {
  char p[300];
  struct sf_tape_writer *w;
  assert_int_equal(sf_tape_writer_open(tpath(name, p, sizeof p), &w), 0);
  const int count = 5000;
  for (int i = 0; i < count; i++) {
    struct sf_record r;
    make_record(i, &r);
    assert_int_equal(sf_tape_writer_write(w, &r), 0);
  }
  assert_int_equal(sf_tape_writer_flush(w), 0);
  assert_int_equal(sf_tape_writer_close(w), 0);

  struct sf_tape_reader *rd;
  assert_int_equal(sf_tape_reader_open(p, &rd), 0);
  struct sf_record got;
  int i = 0, rc;
  while ((rc = sf_tape_reader_next(rd, &got)) == 1) {
    struct sf_record want;
    make_record(i, &want);
    char *a = sf_record_to_line(&got), *b = sf_record_to_line(&want);
    check_str(a, b);
    free(a);
    free(b);
    check_i64(sf_tape_reader_line(rd), i + 1);
    i++;
  }
  if (rc) fail_msg("reader error %d: %s", rc, sf_tape_reader_errmsg(rd));
  check_i64(i, count);
  sf_tape_reader_close(rd);
}

static void test_writer_roundtrip_plain(void **state) {
  (void)state;
  writer_roundtrip("rt.jsonl");
  /* Plain output really is plain text: the first byte opens the first envelope. */
  char p[300];
  size_t len;
  char *s = sf_test_slurp(tpath("rt.jsonl", p, sizeof p), &len);
  assert_non_null(s);
  assert_true(strncmp(s, "{\"type\":\"option-print\",\"payload\":{\"source_ts\":1736953200000,", 60) == 0);
  free(s);
}

static void test_writer_roundtrip_gzip(void **state) {
  (void)state;
  writer_roundtrip("rt.jsonl.gz");
  char p[300];
  size_t len;
  char *s = sf_test_slurp(tpath("rt.jsonl.gz", p, sizeof p), &len);
  assert_non_null(s);
  assert_true(len > 2 && (unsigned char)s[0] == 0x1f && (unsigned char)s[1] == 0x8b);
  free(s);
}

static void test_writer_wrap(void **state) {
  (void)state;
  char p[300];
  FILE *f = fopen(tpath("wrap.jsonl", p, sizeof p), "w");
  assert_non_null(f);
  struct sf_tape_writer *w;
  assert_int_equal(sf_tape_writer_wrap(f, &w), 0);
  struct sf_record r;
  make_record(1, &r);
  assert_int_equal(sf_tape_writer_write(w, &r), 0);
  assert_int_equal(sf_tape_writer_close(w), 0);
  /* The borrowed FILE stays open and usable. */
  assert_true(fputs("\n", f) >= 0);
  fclose(f);
  size_t len;
  char *s = sf_test_slurp(p, &len);
  char *want = sf_record_to_line(&r);
  size_t wl = strlen(want);
  check_i64(len, wl + 1);
  assert_memory_equal(s, want, wl);
  free(want);
  free(s);
}

/* A record that cannot be encoded (invalid UTF-8) is refused with SF_EINVAL and writes nothing;
 * the tape stays usable and the next record is written whole. */
static void test_writer_refuses_bad_utf8(void **state) {
  (void)state;
  char p[300];
  struct sf_tape_writer *w;
  assert_int_equal(sf_tape_writer_open(tpath("bad.jsonl", p, sizeof p), &w), 0);
  struct sf_record bad, good;
  make_record(1, &bad);
  strcpy(sf_record_meta_mut(&bad)->trace_id, "t\xc3(");
  make_record(2, &good);
  assert_int_equal(sf_tape_writer_write(w, &bad), SF_EINVAL);
  assert_int_equal(sf_tape_writer_write(w, &good), 0);
  assert_int_equal(sf_tape_writer_close(w), 0);
  size_t len;
  char *s = sf_test_slurp(p, &len);
  char *want = sf_record_to_line(&good);
  assert_non_null(s);
  assert_non_null(want);
  check_str(s, want);
  free(want);
  free(s);
  sf_record_fini(&bad);
  sf_record_fini(&good);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_writer_refuses_bad_utf8),
      cmocka_unit_test(test_plain_mixed),
      cmocka_unit_test(test_gzip_mixed),
      cmocka_unit_test(test_stdin),
      cmocka_unit_test(test_truncated_gzip),
      cmocka_unit_test(test_open_missing),
      cmocka_unit_test(test_empty_and_blank),
      cmocka_unit_test(test_writer_roundtrip_plain),
      cmocka_unit_test(test_writer_roundtrip_gzip),
      cmocka_unit_test(test_writer_wrap),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
