/* The bus interface over the in-process backend: subjects and partition keys (expected values
 * worked out from CONTRACTS.md and an independent FNV-1a + splitmix64 computation), delivery
 * per subject filter and in publish order, namespace prefixes, acks, naks, redelivery after
 * ack_wait, durables that resume, dedup by trace id, partition slices, backpressure of the
 * bounded queues, a callback that stops a fetch or publishes, and many threads at once. */
#include "harness.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "bus/bus_fixtures.h"
#include "bus/bus_impl.h"
#include "smartflow/bus.h"
#include "smartflow/err.h"

/* ---- a collecting consumer ---- */

#define COL_MAX 4096
struct collector {
  int n;
  char trace[COL_MAX][SF_ID_MAX];
  char subject[COL_MAX][SF_BUS_SUBJECT_MAX];
  uint64_t deliveries[COL_MAX];
  int type[COL_MAX];
  double value[COL_MAX]; /* price / bid */
  struct sf_bus_msg *held[COL_MAX];
  int ack;     /* 1: ack inside the callback; 0: hold the handle */
  int stop_at; /* return 7 when n reaches this (0: never) */
};

static int collect_cb(void *ctx, const struct sf_record *rec, struct sf_bus_msg *msg) {
  struct collector *c = ctx;
  int i = c->n++;
  snprintf(c->trace[i], SF_ID_MAX, "%s", sf_record_meta(rec)->trace_id);
  snprintf(c->subject[i], SF_BUS_SUBJECT_MAX, "%s", sf_bus_msg_subject(msg));
  c->deliveries[i] = sf_bus_msg_deliveries(msg);
  c->type[i] = (int)rec->type;
  c->value[i] = rec->type == SF_REC_OPTION_PRINT   ? rec->u.option_print.price
                : rec->type == SF_REC_OPTION_NBBO  ? rec->u.option_nbbo.bid
                : rec->type == SF_REC_EQUITY_QUOTE ? rec->u.equity_quote.bid
                                                   : 0;
  c->held[i] = NULL;
  if (c->ack) {
    assert_int_equal(sf_bus_ack(msg), 0);
  } else {
    c->held[i] = msg;
  }
  if (c->stop_at && c->n == c->stop_at) return 7;
  return 0;
}

static struct sf_bus *open_inproc(const char *prefix, size_t cap) {
  struct sf_bus_options o;
  struct sf_bus *bus = NULL;
  char err[256];
  sf_bus_options_default(&o);
  o.subject_prefix = prefix;
  o.queue_cap = cap;
  o.publish_timeout_ms = 100;
  assert_int_equal(sf_bus_open("inproc:", &o, &bus, err, sizeof err), 0);
  check_str(sf_bus_backend_name(bus), "inproc");
  return bus;
}

static struct sf_bus_sub *sub_open(struct sf_bus *bus, const char *durable, const char *subject,
                                   int64_t ack_wait, struct collector *c) {
  struct sf_bus_sub_options so;
  struct sf_bus_sub *sub = NULL;
  sf_bus_sub_options_default(&so);
  so.durable = durable;
  so.subject = subject;
  so.ack_wait_ms = ack_wait;
  int rc = sf_bus_subscribe(bus, &so, collect_cb, c, &sub);
  if (rc != 0) fail_msg("subscribe %s %s: %s (%s)", durable, subject, sf_strerror(rc), sf_bus_errmsg(bus));
  return sub;
}

static void pub_print(struct sf_bus *bus, const char *trace, const char *root, double price, int64_t seq) {
  struct sf_record r;
  fx_option_print(&r, trace, root, price, seq);
  int rc = sf_bus_publish(bus, &r);
  if (rc != 0) fail_msg("publish %s: %s (%s)", trace, sf_strerror(rc), sf_bus_errmsg(bus));
  sf_record_fini(&r);
}

static void pub_quote(struct sf_bus *bus, const char *trace, const char *und, double bid, int64_t seq) {
  struct sf_record r;
  fx_equity_quote(&r, trace, und, bid, seq);
  assert_int_equal(sf_bus_publish(bus, &r), 0);
  sf_record_fini(&r);
}

/* ---- subjects and partitions ---- */

static void test_subjects(void **state) {
  (void)state;
  struct sf_record r;
  char buf[SF_BUS_SUBJECT_MAX];

  fx_option_print(&r, "t1", "SPY", 1.5, 1);
  assert_int_equal(sf_bus_subject_of(&r, buf, sizeof buf), (int)strlen("options.prints.SPY"));
  check_str(buf, "options.prints.SPY");
  /* A root holding '-' (five tokens are cut from the right). */
  snprintf(r.u.option_print.option_contract_id, SF_CONTRACT_ID_MAX, "BRK-B-2025-03-21-452.5-P");
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "options.prints.BRK-B");
  /* OSI, padded and unpadded. */
  snprintf(r.u.option_print.option_contract_id, SF_CONTRACT_ID_MAX, "AAPL  250221C00250000");
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "options.prints.AAPL");
  snprintf(r.u.option_print.option_contract_id, SF_CONTRACT_ID_MAX, "AAPL250221C00250000");
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "options.prints.AAPL");
  /* An enriched print uses its underlying; '.' is not allowed in a token. */
  r.u.option_print.enriched = true;
  snprintf(r.u.option_print.underlying_id, SF_SYMBOL_MAX, "BRK.B");
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "options.prints.BRK_B");
  sf_bus_partition_key(&r, buf, sizeof buf);
  check_str(buf, "BRK.B"); /* the key itself is not rewritten */
  assert_int_equal(sf_bus_subject_of(&r, buf, 10), SF_ERANGE);
  sf_record_fini(&r);

  fx_option_nbbo(&r, "q1", "QQQ", 2.0, 1);
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "options.nbbo.QQQ");
  fx_equity_quote(&r, "e1", "SPY", 500, 1);
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "equities.quotes.SPY");
  r.u.equity_quote.underlying_id[0] = '\0';
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "equities.quotes._");
  sf_record_init(&r, SF_REC_EQUITY_PRINT);
  snprintf(r.u.equity_print.underlying_id, SF_SYMBOL_MAX, "A*B>C D");
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "equities.prints.A_B_C_D");
  fx_smart_money(&r, "s1", "NVDA", 1);
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "flow.smart_money");
  sf_bus_partition_key(&r, buf, sizeof buf);
  check_str(buf, "NVDA");
  sf_record_fini(&r);
  sf_record_init(&r, SF_REC_FLOW_PACKET);
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "flow.packets");
  sf_record_fini(&r);
  sf_record_init(&r, SF_REC_CLASSIFIER_HIT);
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "flow.classifier_hits");
  sf_record_fini(&r);
  sf_record_init(&r, SF_REC_ALERT);
  sf_bus_subject_of(&r, buf, sizeof buf);
  check_str(buf, "flow.alerts");
  sf_record_fini(&r);

  check_str(sf_bus_filter_of(SF_REC_OPTION_PRINT), "options.prints.>");
  check_str(sf_bus_filter_of(SF_REC_EQUITY_PRINT), "equities.prints.>");
  check_str(sf_bus_filter_of(SF_REC_ALERT), "flow.alerts");
  assert_null(sf_bus_filter_of(SF_REC__COUNT));
  assert_int_equal(sf_bus_type_of_subject("options.prints.SPY"), SF_REC_OPTION_PRINT);
  assert_int_equal(sf_bus_type_of_subject("options.nbbo.SPY"), SF_REC_OPTION_NBBO);
  assert_int_equal(sf_bus_type_of_subject("flow.smart_money"), SF_REC_SMART_MONEY);
  assert_int_equal(sf_bus_type_of_subject("flow.alerts"), SF_REC_ALERT);
  assert_int_equal(sf_bus_type_of_subject("options.prints"), -1); /* keyed: needs its token */
  assert_int_equal(sf_bus_type_of_subject("options.printsX.A"), -1);
  assert_int_equal(sf_bus_type_of_subject("flow.alerts.x"), -1);
  assert_int_equal(sf_bus_type_of_subject("replay.flow.alerts"), -1);
}

static void test_match(void **state) {
  (void)state;
  assert_true(sf_bus_core_match("options.>", "options.prints.SPY"));
  assert_true(sf_bus_core_match("options.prints.>", "options.prints.SPY"));
  assert_false(sf_bus_core_match("options.prints.>", "options.prints"));
  assert_true(sf_bus_core_match("options.*.SPY", "options.nbbo.SPY"));
  assert_false(sf_bus_core_match("options.*.SPY", "options.nbbo.QQQ"));
  assert_false(sf_bus_core_match("options.prints.SPY", "options.prints.SPYX"));
  assert_true(sf_bus_core_match("flow.alerts", "flow.alerts"));
  assert_false(sf_bus_core_match("flow.alerts", "flow.alerts.x"));
  assert_false(sf_bus_core_match("options.>", "replay.options.prints.SPY"));
}

static void test_partition_of(void **state) {
  (void)state;
  /* FNV-1a 64 + splitmix64 of the bytes, computed outside smartflow:
   * SPY 0x92b5a2a4daef4680, NVDA 0xf3d1df275b0c01b2, TSLA 0x181fc10d9773fcb2. */
  assert_int_equal(sf_bus_partition_of("SPY", 4), 0);
  assert_int_equal(sf_bus_partition_of("NVDA", 4), 2);
  assert_int_equal(sf_bus_partition_of("NVDA", 7), 1);
  assert_int_equal(sf_bus_partition_of("TSLA", 7), 4);
  assert_int_equal(sf_bus_partition_of("QQQ", 7), 2);
  assert_int_equal(sf_bus_partition_of("TSLA", 1), 0);
  assert_int_equal(sf_bus_partition_of("TSLA", 0), 0);
}

/* ---- delivery ---- */

static void test_subject_filters(void **state) {
  (void)state;
  struct sf_bus *bus = open_inproc(NULL, 64);
  static struct collector all, spy, opts, eq, mkt;
  memset(&mkt, 0, sizeof mkt);
  mkt.ack = 1;
  memset(&all, 0, sizeof all);
  memset(&spy, 0, sizeof spy);
  memset(&opts, 0, sizeof opts);
  memset(&eq, 0, sizeof eq);
  all.ack = spy.ack = opts.ack = eq.ack = 1;
  struct sf_bus_sub *s_all = sub_open(bus, "all", "options.prints.>", 1000, &all);
  struct sf_bus_sub *s_spy = sub_open(bus, "spy", "options.prints.SPY", 1000, &spy);
  struct sf_bus_sub *s_opts = sub_open(bus, "opts", "options.>", 1000, &opts);
  struct sf_bus_sub *s_eq = sub_open(bus, "eq", "equities.quotes.>", 1000, &eq);
  struct sf_bus_sub *s_mkt = sub_open(bus, "mkt", SF_BUS_FILTER_MARKET, 1000, &mkt);

  pub_print(bus, "p1", "SPY", 1.25, 1);
  pub_print(bus, "p2", "QQQ", 2.5, 2);
  struct sf_record r;
  fx_option_nbbo(&r, "n1", "SPY", 1.2, 3);
  assert_int_equal(sf_bus_publish(bus, &r), 0);
  sf_record_fini(&r);
  pub_quote(bus, "e1", "SPY", 580.12, 4);
  pub_print(bus, "p3", "SPY", 1.3, 5);

  assert_int_equal(sf_bus_fetch(s_all, 10, 20), 3);
  check_str(all.trace[0], "p1");
  check_str(all.trace[1], "p2");
  check_str(all.trace[2], "p3");
  check_str(all.subject[1], "options.prints.QQQ");
  check_near(all.value[1], 2.5, 0);
  assert_int_equal(all.type[0], SF_REC_OPTION_PRINT);
  assert_int_equal(all.deliveries[0], 1);

  assert_int_equal(sf_bus_fetch(s_spy, 10, 20), 2);
  check_str(spy.trace[0], "p1");
  check_str(spy.trace[1], "p3");

  /* One stream: prints and NBBO together, in publish order. */
  assert_int_equal(sf_bus_fetch(s_opts, 10, 20), 4);
  check_str(opts.trace[0], "p1");
  check_str(opts.trace[1], "p2");
  check_str(opts.trace[2], "n1");
  check_str(opts.trace[3], "p3");
  assert_int_equal(opts.type[2], SF_REC_OPTION_NBBO);
  check_near(opts.value[2], 1.2, 0);

  assert_int_equal(sf_bus_fetch(s_eq, 10, 20), 1);
  check_str(eq.trace[0], "e1");
  check_str(eq.subject[0], "equities.quotes.SPY");
  check_near(eq.value[0], 580.12, 0);

  /* The market stream: option prints, option NBBO and equity quotes interleaved exactly as
   * published (what a compute worker needs). */
  assert_int_equal(sf_bus_fetch(s_mkt, 10, 20), 5);
  static const char *order[] = {"p1", "p2", "n1", "e1", "p3"};
  for (int i = 0; i < 5; i++) check_str(mkt.trace[i], order[i]);
  assert_int_equal(mkt.type[3], SF_REC_EQUITY_QUOTE);
  check_str(mkt.subject[3], "equities.quotes.SPY");
  sf_bus_sub_close(s_mkt);

  /* Everything acknowledged: nothing more, even after a while. */
  assert_int_equal(sf_bus_fetch(s_all, 10, 20), 0);

  /* fetch max is honoured. */
  pub_print(bus, "p4", "SPY", 1, 6);
  pub_print(bus, "p5", "SPY", 1, 7);
  assert_int_equal(sf_bus_fetch(s_all, 1, 20), 1);
  check_str(all.trace[3], "p4");
  assert_int_equal(sf_bus_fetch(s_all, 1, 20), 1);
  check_str(all.trace[4], "p5");

  struct sf_bus_stats st;
  sf_bus_stats(bus, &st);
  assert_int_equal(st.published, 7);
  assert_int_equal(st.duplicates, 0);
  struct sf_bus_sub_stats ss;
  sf_bus_sub_stats(s_all, &ss);
  assert_int_equal(ss.delivered, 5);
  assert_int_equal(ss.acked, 5);
  sf_bus_sub_close(s_all);
  sf_bus_sub_close(s_spy);
  sf_bus_sub_close(s_opts);
  sf_bus_sub_close(s_eq);
  sf_bus_close(bus);
}

static void test_prefix(void **state) {
  (void)state;
  struct sf_bus *bus = open_inproc("replay.", 16);
  static struct collector c;
  memset(&c, 0, sizeof c);
  c.ack = 1;
  struct sf_bus_sub *s = sub_open(bus, "r", "options.prints.>", 1000, &c);
  pub_print(bus, "p1", "SPY", 1, 1);
  assert_int_equal(sf_bus_fetch(s, 10, 20), 1);
  check_str(c.subject[0], "replay.options.prints.SPY");
  char name[64];
  sf_bus_core_stream_name(bus, 0, name, sizeof name);
  check_str(name, "REPLAY_SF_MARKET");
  sf_bus_sub_close(s);
  sf_bus_close(bus);

  /* An explicit stream prefix wins; bad prefixes are refused with a message. */
  struct sf_bus_options o;
  char err[256];
  sf_bus_options_default(&o);
  o.subject_prefix = "replay.";
  o.stream_prefix = "R1_";
  assert_int_equal(sf_bus_open("inproc:", &o, &bus, err, sizeof err), 0);
  sf_bus_core_stream_name(bus, 1, name, sizeof name);
  check_str(name, "R1_SF_FLOW");
  sf_bus_close(bus);
  o.stream_prefix = NULL;
  o.subject_prefix = "replay";
  assert_int_equal(sf_bus_open("inproc:", &o, &bus, err, sizeof err), SF_EINVAL);
  assert_null(bus);
  assert_non_null(strstr(err, "subject_prefix \"replay\""));
  o.subject_prefix = "a..b.";
  assert_int_equal(sf_bus_open("inproc:", &o, &bus, err, sizeof err), SF_EINVAL);
  o.subject_prefix = "a*.";
  assert_int_equal(sf_bus_open("inproc:", &o, &bus, err, sizeof err), SF_EINVAL);
  assert_int_equal(sf_bus_open("kafka://x", NULL, &bus, err, sizeof err), SF_EINVAL);
  assert_non_null(strstr(err, "kafka://x"));
}

static void test_ack_redelivery(void **state) {
  (void)state;
  struct sf_bus *bus = open_inproc(NULL, 64);
  static struct collector c;
  memset(&c, 0, sizeof c);
  c.ack = 0;
  /* ack_wait and the nak delay are long next to the 20 ms fetches that must see nothing, so
   * that a loaded machine pausing this thread cannot make a redelivery due early. */
  struct sf_bus_sub *s = sub_open(bus, "d", "options.prints.>", 1000, &c);
  pub_print(bus, "p1", "SPY", 1, 1);
  pub_print(bus, "p2", "SPY", 2, 2);
  pub_print(bus, "p3", "SPY", 3, 3);
  assert_int_equal(sf_bus_fetch(s, 10, 20), 3);
  /* Not acknowledged, but ack_wait has not passed: nothing. */
  assert_int_equal(sf_bus_fetch(s, 10, 20), 0);
  /* Ack p2 now; p1 and p3 come back after ack_wait, with their delivery count. */
  assert_int_equal(sf_bus_ack(c.held[1]), 0);
  /* fetch waits for the redelivery deadline within its timeout. */
  assert_int_equal(sf_bus_fetch(s, 10, 30000), 2);
  check_str(c.trace[3], "p1");
  check_str(c.trace[4], "p3");
  assert_int_equal(c.deliveries[3], 2);
  assert_int_equal(c.deliveries[4], 2);
  /* nak: p1 at once; p3 after a delay. */
  assert_int_equal(sf_bus_nak(c.held[3], 0), 0);
  assert_int_equal(sf_bus_nak(c.held[4], 500), 0);
  assert_int_equal(sf_bus_fetch(s, 10, 20), 1);
  check_str(c.trace[5], "p1");
  assert_int_equal(c.deliveries[5], 3);
  assert_int_equal(sf_bus_ack(c.held[5]), 0);
  assert_int_equal(sf_bus_fetch(s, 10, 30000), 1);
  check_str(c.trace[6], "p3");
  assert_int_equal(sf_bus_ack(c.held[6]), 0);
  assert_int_equal(sf_bus_fetch(s, 10, 300), 0);

  struct sf_bus_sub_stats ss;
  sf_bus_sub_stats(s, &ss);
  assert_int_equal(ss.delivered, 7);
  assert_int_equal(ss.redelivered, 4);
  assert_int_equal(ss.acked, 3);
  assert_int_equal(ss.naked, 2);
  sf_bus_sub_close(s);
  sf_bus_close(bus);
}

static void test_durable_resume(void **state) {
  (void)state;
  struct sf_bus *bus = open_inproc(NULL, 64);
  static struct collector c;
  memset(&c, 0, sizeof c);
  c.ack = 0;
  /* ack_wait long enough that e2 cannot come due before the resumed fetch below. */
  struct sf_bus_sub *s = sub_open(bus, "store", "equities.>", 1000, &c);
  pub_quote(bus, "e1", "SPY", 1, 1);
  pub_quote(bus, "e2", "SPY", 2, 2);
  pub_quote(bus, "e3", "SPY", 3, 3);
  assert_int_equal(sf_bus_fetch(s, 2, 20), 2);
  assert_int_equal(sf_bus_ack(c.held[0]), 0);
  /* The same durable cannot be bound twice. */
  struct sf_bus_sub_options so;
  struct sf_bus_sub *dup = NULL;
  sf_bus_sub_options_default(&so);
  so.durable = "store";
  so.subject = "equities.>";
  assert_int_equal(sf_bus_subscribe(bus, &so, collect_cb, &c, &dup), SF_ESTATE);
  /* Nor with another filter once released. */
  sf_bus_sub_close(s); /* e2's handle is released unacknowledged */
  so.subject = "equities.quotes.SPY";
  assert_int_equal(sf_bus_subscribe(bus, &so, collect_cb, &c, &dup), SF_EINVAL);
  assert_non_null(strstr(sf_bus_errmsg(bus), "filter"));
  pub_quote(bus, "e4", "SPY", 4, 4);

  /* Resume: e2 (pending) after its ack_wait, e3 and e4 (never delivered); e1 never again. */
  memset(&c, 0, sizeof c);
  c.ack = 1;
  s = sub_open(bus, "store", "equities.>", 1000, &c);
  assert_int_equal(sf_bus_fetch(s, 10, 20), 2);
  check_str(c.trace[0], "e3");
  check_str(c.trace[1], "e4");
  assert_int_equal(sf_bus_fetch(s, 10, 30000), 1);
  check_str(c.trace[2], "e2");
  assert_int_equal(c.deliveries[2], 2);
  assert_int_equal(sf_bus_fetch(s, 10, 200), 0);
  sf_bus_sub_close(s);

  /* A new durable starts at the first retained message. */
  memset(&c, 0, sizeof c);
  c.ack = 1;
  s = sub_open(bus, "late", "equities.>", 100, &c);
  assert_int_equal(sf_bus_fetch(s, 10, 20), 4);
  check_str(c.trace[0], "e1");
  sf_bus_sub_close(s);
  sf_bus_close(bus);
}

static void test_stop_and_dedup(void **state) {
  (void)state;
  struct sf_bus *bus = open_inproc(NULL, 64);
  static struct collector c;
  memset(&c, 0, sizeof c);
  c.ack = 1;
  c.stop_at = 2;
  struct sf_bus_sub *s = sub_open(bus, "d", "options.prints.>", 5000, &c);
  pub_print(bus, "p1", "SPY", 1, 1);
  pub_print(bus, "p2", "SPY", 2, 2);
  pub_print(bus, "p1", "SPY", 1, 3); /* same trace id: dropped */
  pub_print(bus, "p3", "SPY", 3, 4);
  struct sf_bus_stats st;
  sf_bus_stats(bus, &st);
  assert_int_equal(st.published, 3);
  assert_int_equal(st.duplicates, 1);
  /* The callback stops at the second: fetch returns its value; p3 is redelivered at once. */
  assert_int_equal(sf_bus_fetch(s, 10, 20), 7);
  c.stop_at = 0;
  assert_int_equal(sf_bus_fetch(s, 10, 20), 1);
  check_str(c.trace[2], "p3");
  assert_int_equal(c.deliveries[2], 2);
  assert_int_equal(sf_bus_fetch(s, 10, 20), 0);
  /* An empty trace id cannot be deduplicated: refused. */
  struct sf_record r;
  fx_option_print(&r, "", "SPY", 1, 9);
  assert_int_equal(sf_bus_publish(bus, &r), SF_EINVAL);
  assert_non_null(strstr(sf_bus_errmsg(bus), "trace_id"));
  sf_bus_sub_close(s);
  sf_bus_close(bus);
}

static void test_partitions(void **state) {
  (void)state;
  static const char *unds[] = {"SPY", "QQQ", "AAPL", "NVDA", "TSLA", "AMD", "MSFT", "META", "IWM", "GOOG"};
  struct sf_bus *bus = open_inproc(NULL, 256);
  static struct collector c[3];
  struct sf_bus_sub *s[3];
  char durable[16];
  memset(c, 0, sizeof c);
  for (uint32_t i = 0; i < 3; i++) {
    struct sf_bus_sub_options so;
    sf_bus_sub_options_default(&so);
    snprintf(durable, sizeof durable, "compute-%u", i);
    so.durable = durable;
    so.subject = "equities.quotes.>";
    so.partition_index = i;
    so.partition_count = 3;
    c[i].ack = 1;
    assert_int_equal(sf_bus_subscribe(bus, &so, collect_cb, &c[i], &s[i]), 0);
  }
  char trace[16];
  for (int k = 0; k < 30; k++) {
    snprintf(trace, sizeof trace, "q%d", k);
    pub_quote(bus, trace, unds[k % 10], k, k);
  }
  int total = 0;
  for (uint32_t i = 0; i < 3; i++) {
    while (sf_bus_fetch(s[i], 7, 20) > 0) {
    }
    struct sf_bus_sub_stats ss;
    sf_bus_sub_stats(s[i], &ss);
    assert_int_equal(ss.delivered + ss.skipped, 30);
    assert_int_equal((int)ss.delivered, c[i].n);
    for (int k = 0; k < c[i].n; k++) {
      const char *und = c[i].subject[k] + strlen("equities.quotes.");
      assert_int_equal(sf_bus_partition_of(und, 3), i);
    }
    total += c[i].n;
  }
  assert_int_equal(total, 30);
  /* SPY (0 mod 4) and NVDA (2 mod 4) computed by hand: a 4-way split puts them apart. */
  struct sf_bus_sub_options so;
  sf_bus_sub_options_default(&so);
  so.durable = "bad";
  so.subject = "equities.quotes.>";
  so.partition_index = 3;
  so.partition_count = 3;
  struct sf_bus_sub *bad = NULL;
  assert_int_equal(sf_bus_subscribe(bus, &so, collect_cb, &c[0], &bad), SF_EINVAL);
  for (int i = 0; i < 3; i++) sf_bus_sub_close(s[i]);
  sf_bus_close(bus);
}

static void test_bad_subscriptions(void **state) {
  (void)state;
  struct sf_bus *bus = open_inproc(NULL, 16);
  static struct collector c;
  struct sf_bus_sub_options so;
  struct sf_bus_sub *s = NULL;
  sf_bus_sub_options_default(&so);
  so.durable = "x";
  static const char *bad[] = {">",        "*.prints",    "options..x", "options.pri>", "options.>.x",
                              "trades.>", "options.a b", "market.>",   "*.>"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    so.subject = bad[i];
    if (sf_bus_subscribe(bus, &so, collect_cb, &c, &s) != SF_EINVAL)
      fail_msg("filter \"%s\" accepted", bad[i]);
    assert_null(s);
  }
  so.subject = "options.>";
  so.durable = "a.b";
  assert_int_equal(sf_bus_subscribe(bus, &so, collect_cb, &c, &s), SF_EINVAL);
  assert_non_null(strstr(sf_bus_errmsg(bus), "durable \"a.b\""));
  so.durable = "";
  assert_int_equal(sf_bus_subscribe(bus, &so, collect_cb, &c, &s), SF_EINVAL);
  so.durable = "ok";
  so.ack_wait_ms = 0;
  assert_int_equal(sf_bus_subscribe(bus, &so, collect_cb, &c, &s), SF_EINVAL);
  so.ack_wait_ms = 100;
  assert_int_equal(sf_bus_subscribe(bus, &so, NULL, &c, &s), SF_EINVAL);
  assert_int_equal(sf_bus_subscribe(bus, &so, collect_cb, &c, &s), 0);
  assert_int_equal(sf_bus_fetch(s, 0, 10), SF_EINVAL);
  assert_int_equal(sf_bus_fetch(s, 1, 0), SF_EINVAL);
  sf_bus_sub_close(s);
  sf_bus_close(bus);
}

static void test_backpressure(void **state) {
  (void)state;
  struct sf_bus *bus = open_inproc(NULL, 4); /* publish_timeout_ms 100 */
  static struct collector c;
  memset(&c, 0, sizeof c);
  c.ack = 0;
  /* No subscriber yet: a full stream drops its oldest (nobody needs it). */
  for (int k = 0; k < 6; k++) {
    char t[8];
    snprintf(t, sizeof t, "a%d", k);
    pub_print(bus, t, "SPY", k, k);
  }
  struct sf_bus_sub *s = sub_open(bus, "slow", "options.prints.>", 10000, &c);
  /* The new durable starts at the first retained message, a2. */
  assert_int_equal(sf_bus_fetch(s, 1, 20), 1);
  check_str(c.trace[0], "a2");
  /* a2 is pending, a3..a5 not yet delivered: the stream is full of what "slow" needs. */
  struct sf_record r;
  fx_option_print(&r, "b0", "SPY", 1, 10);
  assert_int_equal(sf_bus_publish(bus, &r), SF_ETIMEOUT);
  assert_non_null(strstr(sf_bus_errmsg(bus), "full"));
  /* Messages the durable does not want do not hold publishers back. */
  sf_record_fini(&r);
  /* Acknowledging a2 frees one slot. */
  assert_int_equal(sf_bus_ack(c.held[0]), 0);
  fx_option_print(&r, "b0", "SPY", 1, 10);
  assert_int_equal(sf_bus_publish(bus, &r), 0);
  sf_record_fini(&r);
  /* A publisher blocked on a full stream proceeds when the consumer catches up. */
  c.ack = 1;
  assert_int_equal(sf_bus_fetch(s, 10, 20), 4);
  check_str(c.trace[1], "a3");
  check_str(c.trace[4], "b0");
  /* Unbound durables do not hold publishers back; what they miss is counted. */
  sf_bus_sub_close(s);
  for (int k = 0; k < 6; k++) {
    char t[8];
    snprintf(t, sizeof t, "c%d", k);
    pub_print(bus, t, "SPY", k, 20 + k);
  }
  memset(&c, 0, sizeof c);
  c.ack = 1;
  s = sub_open(bus, "slow", "options.prints.>", 10000, &c);
  assert_int_equal(sf_bus_fetch(s, 10, 20), 4);
  check_str(c.trace[0], "c2");
  struct sf_bus_sub_stats ss;
  sf_bus_sub_stats(s, &ss);
  assert_int_equal(ss.dropped, 2);
  sf_bus_sub_close(s);
  sf_bus_close(bus);
}

/* A consumer that publishes what it derives, from inside its callback (no lock is held). */
struct relay {
  struct sf_bus *bus;
  int n;
};

static int relay_cb(void *ctx, const struct sf_record *rec, struct sf_bus_msg *msg) {
  struct relay *rl = ctx;
  struct sf_record out;
  char trace[SF_ID_MAX + 4];
  snprintf(trace, sizeof trace, "sm-%s", rec->u.option_print.meta.trace_id);
  fx_smart_money(&out, trace, "SPY", rec->u.option_print.meta.seq);
  int rc = sf_bus_publish(rl->bus, &out);
  sf_record_fini(&out);
  if (rc != 0) return rc;
  rl->n++;
  return sf_bus_ack(msg);
}

static void test_callback_publishes(void **state) {
  (void)state;
  struct sf_bus *bus = open_inproc(NULL, 16);
  struct relay rl = {bus, 0};
  struct sf_bus_sub_options so;
  struct sf_bus_sub *in = NULL, *out;
  static struct collector c;
  memset(&c, 0, sizeof c);
  c.ack = 1;
  sf_bus_sub_options_default(&so);
  so.durable = "compute";
  so.subject = "options.prints.>";
  assert_int_equal(sf_bus_subscribe(bus, &so, relay_cb, &rl, &in), 0);
  out = sub_open(bus, "store", "flow.smart_money", 1000, &c);
  pub_print(bus, "p1", "SPY", 1, 1);
  pub_print(bus, "p2", "SPY", 1, 2);
  assert_int_equal(sf_bus_fetch(in, 10, 20), 2);
  assert_int_equal(rl.n, 2);
  assert_int_equal(sf_bus_fetch(out, 10, 20), 2);
  check_str(c.trace[0], "sm-p1");
  check_str(c.subject[1], "flow.smart_money");
  assert_int_equal(c.type[1], SF_REC_SMART_MONEY);
  sf_bus_sub_close(in);
  sf_bus_sub_close(out);
  sf_bus_close(bus);
}

/* ---- many threads ---- */

#define PUBS 4
#define PER_PUB 3000
#define CONSUMERS 2

struct counting {
  unsigned char seen[PUBS * PER_PUB];
  int dups, bad;
  long n;
};

static int count_cb(void *ctx, const struct sf_record *rec, struct sf_bus_msg *msg) {
  struct counting *ct = ctx;
  int p, k;
  if (sscanf(rec->u.equity_quote.meta.trace_id, "t%d-%d", &p, &k) != 2 || p < 0 || p >= PUBS || k < 0 ||
      k >= PER_PUB) {
    ct->bad++;
  } else if (ct->seen[p * PER_PUB + k]++) {
    ct->dups++;
  }
  ct->n++;
  return sf_bus_ack(msg);
}

struct pub_arg {
  struct sf_bus *bus;
  int id, failures;
};

static void *pub_thread(void *arg) {
  struct pub_arg *pa = arg;
  char trace[32];
  for (int k = 0; k < PER_PUB; k++) {
    struct sf_record r;
    snprintf(trace, sizeof trace, "t%d-%d", pa->id, k);
    fx_equity_quote(&r, trace, k % 2 ? "SPY" : "QQQ", k, k);
    if (sf_bus_publish(pa->bus, &r) != 0) pa->failures++;
    sf_record_fini(&r);
  }
  return NULL;
}

struct con_arg {
  struct sf_bus_sub *sub;
  struct counting ct;
};

static void *con_thread(void *arg) {
  struct con_arg *ca = arg;
  int idle = 0;
  while (ca->ct.n < PUBS * PER_PUB && idle < 600) { /* gives up after 30 s without a message */
    int got = sf_bus_fetch(ca->sub, 100, 50);
    idle = got > 0 ? 0 : idle + 1;
  }
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  struct sf_bus_options o;
  struct sf_bus *bus;
  sf_bus_options_default(&o);
  o.queue_cap = 128; /* small: publishers wait for the consumers */
  o.publish_timeout_ms = 10000;
  assert_int_equal(sf_bus_open(NULL, &o, &bus, NULL, 0), 0);
  static struct con_arg ca[CONSUMERS];
  memset(ca, 0, sizeof ca);
  pthread_t pt[PUBS], ctid[CONSUMERS];
  struct pub_arg pa[PUBS];
  for (int i = 0; i < CONSUMERS; i++) {
    struct sf_bus_sub_options so;
    char durable[16];
    sf_bus_sub_options_default(&so);
    snprintf(durable, sizeof durable, "c%d", i);
    so.durable = durable;
    so.subject = "equities.>";
    so.max_ack_pending = 64;
    assert_int_equal(sf_bus_subscribe(bus, &so, count_cb, &ca[i].ct, &ca[i].sub), 0);
    pthread_create(&ctid[i], NULL, con_thread, &ca[i]);
  }
  for (int i = 0; i < PUBS; i++) {
    pa[i] = (struct pub_arg){bus, i, 0};
    pthread_create(&pt[i], NULL, pub_thread, &pa[i]);
  }
  for (int i = 0; i < PUBS; i++) {
    pthread_join(pt[i], NULL);
    assert_int_equal(pa[i].failures, 0);
  }
  for (int i = 0; i < CONSUMERS; i++) {
    pthread_join(ctid[i], NULL);
    assert_int_equal(ca[i].ct.n, PUBS * PER_PUB);
    assert_int_equal(ca[i].ct.dups, 0);
    assert_int_equal(ca[i].ct.bad, 0);
    for (int k = 0; k < PUBS * PER_PUB; k++) assert_int_equal(ca[i].ct.seen[k], 1);
    sf_bus_sub_close(ca[i].sub);
  }
  struct sf_bus_stats st;
  sf_bus_stats(bus, &st);
  assert_int_equal(st.published, PUBS * PER_PUB);
  sf_bus_close(bus);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_subjects),       cmocka_unit_test(test_match),
      cmocka_unit_test(test_partition_of),   cmocka_unit_test(test_subject_filters),
      cmocka_unit_test(test_prefix),         cmocka_unit_test(test_ack_redelivery),
      cmocka_unit_test(test_durable_resume), cmocka_unit_test(test_stop_and_dedup),
      cmocka_unit_test(test_partitions),     cmocka_unit_test(test_bad_subscriptions),
      cmocka_unit_test(test_backpressure),   cmocka_unit_test(test_callback_publishes),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
