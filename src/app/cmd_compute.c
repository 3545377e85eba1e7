/* `smartflow compute`: runs a JSONL tape through the engine and writes the chosen derived
 * records (and, on request, the enriched prints) as envelope lines, in event-time order as the
 * engine emits them. With --db it also stores every record, raw and derived, through the store
 * writer thread (raw quotes as read, prints enriched from the engine's sink, every derived record
 * whatever --emit says), so the engine does not wait on the store; the writer applies back
 * pressure instead of dropping, and Ctrl-C / SIGTERM stop the reading, close the open clusters
 * and flush everything produced before exit. The calendar, calibration and rules files are read
 * here (the engine does no I/O). A summary goes to stderr: lines read, records per type, rejects
 * by reason, events out, abstentions, records stored, elapsed time and prints per second. Exit
 * status: 0 ok, 1 when the input cannot be read, a line / record was rejected or a record could
 * not be stored, 2 for a usage error. */
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/args.h"
#include "app/commands.h"
#include "app/defaults.h"
#include "app/signals.h"
#include "smartflow/calendar.h"
#include "smartflow/calibration.h"
#include "smartflow/engine.h"
#include "smartflow/err.h"
#include "smartflow/record.h"
#include "smartflow/refdata.h"
#include "smartflow/rules.h"
#include "smartflow/store.h"
#include "smartflow/store_writer.h"
#include "smartflow/tape.h"
#include "smartflow/time.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow compute --in TAPE.jsonl (--out OUT.jsonl | --db URL) [options]\n\n"
          "Runs a tape (option prints, option NBBO, equity quotes and prints; gzip or plain; '-'\n"
          "for stdin) through the engine and writes derived records as envelope lines ('-' for\n"
          "stdout) in event-time order.\n\n"
          "options:\n"
          "  --in FILE           the input tape (required)\n"
          "  --out FILE          the output file (required unless --db is given)\n"
          "  --db URL            also store every raw and derived record: sqlite:PATH or\n"
          "                      clickhouse://HOST:PORT/DB (written in batches by a writer thread)\n"
          "  --calendar FILE     event calendar JSON (see calendar.h); default none\n"
          "  --oi FILE           open interest: CSV option_contract_id,date,oi or DBN statistics\n"
          "                      (refdata.h); gives features.vol_oi_ratio and volume_exceeds_oi\n"
          "  --calibration FILE  calibration JSON from `smartflow calibrate` (default: the shipped one;\n"
          "                      `none` for raw scores)\n"
          "  --config FILE       rules JSON overriding thresholds / bias / weights (rules.h)\n"
          "  --print-config      write the full default rules JSON to stdout and exit\n"
          "  --emit LIST         comma list of smart-money, alert, classifier-hit, flow-packet,\n"
          "                      option-print (default smart-money,classifier-hit,alert)\n"
          "  -h, --help          show this help\n\n"
          "With --bus URL it is a distributed compute worker instead (`smartflow compute --bus URL\n"
          "--help`).\n\n"
          "Exit status: 0 ok, 1 unreadable input, rejected lines/records or records not stored,\n"
          "2 usage error.\n");
}

struct ctx {
  struct sf_tape_writer *w;   /* NULL without --out */
  struct sf_store_writer *db; /* NULL without --db */
  bool emit[SF_REC__COUNT];   /* types written to --out */
  int err;
  uint64_t written[SF_REC__COUNT];
  uint64_t store_refused; /* pushes the writer refused (logged by the writer) */
};

static void store_push(struct ctx *c, const struct sf_record *r) {
  if (c->db && sf_store_writer_push(c->db, r) != 0) c->store_refused++;
}

static void put(struct ctx *c, enum sf_record_type t, const void *payload, size_t size) {
  struct sf_record r;
  memset(&r, 0, sizeof r);
  r.type = t;
  memcpy(&r.u, payload, size); /* shallow: borrowed for the call; the writer copies */
  store_push(c, &r);
  if (!c->w || !c->emit[t]) return;
  int rc = sf_tape_writer_write(c->w, &r);
  if (rc && !c->err) c->err = rc;
  c->written[t]++;
}
static void on_print(void *x, const struct sf_option_print *p) { put(x, SF_REC_OPTION_PRINT, p, sizeof *p); }
static void on_packet(void *x, const struct sf_flow_packet *p) { put(x, SF_REC_FLOW_PACKET, p, sizeof *p); }
static void on_event(void *x, const struct sf_smart_money_event *e) {
  put(x, SF_REC_SMART_MONEY, e, sizeof *e);
}
static void on_hit(void *x, const struct sf_classifier_hit *h) {
  put(x, SF_REC_CLASSIFIER_HIT, h, sizeof *h);
}
static void on_alert(void *x, const struct sf_alert *a) { put(x, SF_REC_ALERT, a, sizeof *a); }

/* The sinks: the types listed in --emit go to --out; with a store, every type is produced (and
 * stored), --emit still choosing what --out gets. */
static int parse_emit(const char *list, bool store, bool emit[SF_REC__COUNT], struct sf_engine_sinks *s) {
  memset(s, 0, sizeof *s);
  char buf[256];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int t = sf_record_type_from_name(tok);
    if (t != SF_REC_SMART_MONEY && t != SF_REC_ALERT && t != SF_REC_CLASSIFIER_HIT &&
        t != SF_REC_FLOW_PACKET && t != SF_REC_OPTION_PRINT) { /* the engine's outputs only */
      fprintf(stderr, "smartflow compute: --emit: unknown record type '%s'\n", tok);
      return -1;
    }
    emit[t] = true;
  }
  if (store || emit[SF_REC_SMART_MONEY]) s->on_smart_money = on_event;
  if (store || emit[SF_REC_ALERT]) s->on_alert = on_alert;
  if (store || emit[SF_REC_CLASSIFIER_HIT]) s->on_classifier_hit = on_hit;
  if (store || emit[SF_REC_FLOW_PACKET]) s->on_flow_packet = on_packet;
  if (store || emit[SF_REC_OPTION_PRINT]) s->on_option_print = on_print;
  return 0;
}

static int print_config(void) {
  struct sf_rules_config rc;
  sf_rules_config_default(&rc);
  json_t *j = sf_rules_config_to_json(&rc);
  if (!j) return 1;
  json_dumpf(j, stdout, JSON_INDENT(2));
  fputc('\n', stdout);
  json_decref(j);
  return 0;
}

int sf_cmd_compute(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *db = NULL, *cal_path = NULL, *calib_path = NULL, *cfg_path = NULL,
             *oi_path = NULL;
  const char *emit = "smart-money,classifier-hit,alert";
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) /* distributed mode: the bus worker */
    if (strcmp(argv[i], "--bus") == 0 || strncmp(argv[i], "--bus=", 6) == 0)
      return sf_cmd_compute_bus(argc, argv);
  static const struct option opts[] = {{"in", required_argument, 0, 'i'},
                                       {"out", required_argument, 0, 'o'},
                                       {"db", required_argument, 0, 'd'},
                                       {"calendar", required_argument, 0, 'c'},
                                       {"oi", required_argument, 0, 'O'},
                                       {"calibration", required_argument, 0, 'C'},
                                       {"config", required_argument, 0, 'g'},
                                       {"emit", required_argument, 0, 'e'},
                                       {"print-config", no_argument, 0, 'P'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "compute", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    switch (ch) {
      case 'i':
        in = optarg;
        break;
      case 'o':
        out = optarg;
        break;
      case 'd':
        db = optarg;
        break;
      case 'c':
        cal_path = optarg;
        break;
      case 'O':
        oi_path = optarg;
        break;
      case 'C':
        calib_path = optarg;
        break;
      case 'g':
        cfg_path = optarg;
        break;
      case 'e':
        emit = optarg;
        break;
      case 'P':
        return print_config();
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;
  if (!in || (!out && !db)) {
    fprintf(stderr, "smartflow compute: --in and one of --out / --db are required\n\n");
    usage(stderr);
    return SF_ARGS_USAGE;
  }
  struct ctx c = {0};
  struct sf_engine_sinks sinks;
  if (parse_emit(emit, db != NULL, c.emit, &sinks)) return SF_ARGS_USAGE;
  sinks.ctx = &c;

  int status = 1;
  struct sf_calendar *cal = NULL;
  struct sf_calibration *calib = NULL;
  struct sf_rules_config *rules = NULL;
  struct sf_oi_table *oi = NULL;
  struct sf_engine *e = NULL;
  struct sf_tape_reader *r = NULL;
  struct sf_store *store = NULL;
  if (sf_app_load_calendar(cal_path, &cal) != 0) goto done;
  if (sf_app_load_calibration(calib_path, &calib) != 0) goto done;
  if (sf_app_load_rules(cfg_path, &rules) != 0) goto done;
  if (sf_app_load_oi(oi_path, &oi) != 0) goto done;
  struct sf_engine_config cfg;
  sf_engine_config_default(&cfg);
  cfg.calendar = cal;
  cfg.calibration = calib;
  cfg.rules = rules;
  if (oi) {
    cfg.oi_lookup = sf_app_oi_lookup;
    cfg.oi_ctx = oi;
  }
  if (sf_tape_reader_open(in, &r)) {
    fprintf(stderr, "smartflow compute: cannot read %s\n", in);
    goto done;
  }
  if (out && sf_tape_writer_open(out, &c.w)) {
    fprintf(stderr, "smartflow compute: cannot write %s\n", out);
    goto done;
  }
  if (db) {
    int src = sf_store_open(db, &store);
    if (src) {
      fprintf(stderr, "smartflow compute: cannot open store %s: %s\n", db, sf_strerror(src));
      goto done;
    }
    struct sf_store_writer_opts wo;
    sf_store_writer_opts_init(&wo);
    wo.batch_max = 5000;
    wo.queue_capacity = 4 * wo.batch_max;
    wo.push_timeout_ms = INT_MAX; /* a file can wait for the store: back pressure, never a drop */
    if ((src = sf_store_writer_start(store, &wo, &c.db)) != 0) {
      fprintf(stderr, "smartflow compute: cannot start the store writer: %s\n", sf_strerror(src));
      goto done;
    }
    sf_app_signals_install();
  }
  if (sf_engine_new(&cfg, &sinks, &e)) goto done;

  int64_t t0 = sf_time_mono_ns();
  uint64_t lines_bad = 0, in_types[SF_REC__COUNT] = {0}, rejected_shown = 0;
  struct sf_record rec;
  bool interrupted = false;
  for (;;) {
    if (c.db && sf_app_signals_stop_requested()) {
      interrupted = true;
      break;
    }
    int rc = sf_tape_reader_next(r, &rec);
    if (rc == 0) break;
    if (rc < 0) {
      lines_bad++;
      if (rejected_shown++ < 20) fprintf(stderr, "smartflow compute: %s: %s\n", in, sf_tape_reader_errmsg(r));
      continue;
    }
    in_types[rec.type]++;
    int prc = sf_engine_push(e, &rec);
    /* Raw quotes and equity prints are stored as accepted; prints enriched, from the sink. */
    if (prc == 0 && rec.type != SF_REC_OPTION_PRINT) store_push(&c, &rec);
    if (prc && rejected_shown++ < 20)
      fprintf(stderr, "smartflow compute: %s: line %llu: %s\n", in,
              (unsigned long long)sf_tape_reader_line(r), sf_engine_errmsg(e));
    sf_record_fini(&rec);
  }
  sf_engine_flush(e);
  int wrc = c.w ? sf_tape_writer_close(c.w) : 0;
  c.w = NULL;
  if (wrc || c.err) {
    fprintf(stderr, "smartflow compute: writing %s failed\n", out);
    goto done;
  }
  struct sf_store_writer_stats ws = {0};
  int lost = 0;
  if (c.db) {
    lost = sf_store_writer_stop(c.db, &ws);
    c.db = NULL;
  }
  double secs = (double)(sf_time_mono_ns() - t0) / 1e9; /* with the store's last batch */
  struct sf_engine_stats st;
  sf_engine_get_stats(e, &st);
  fprintf(stderr, "smartflow compute: %llu lines, %llu bad lines\n",
          (unsigned long long)sf_tape_reader_line(r), (unsigned long long)lines_bad);
  fprintf(
      stderr, "  in: option-print %llu, option-nbbo %llu, equity-quote %llu, equity-print %llu, other %llu\n",
      (unsigned long long)in_types[SF_REC_OPTION_PRINT], (unsigned long long)in_types[SF_REC_OPTION_NBBO],
      (unsigned long long)in_types[SF_REC_EQUITY_QUOTE], (unsigned long long)in_types[SF_REC_EQUITY_PRINT],
      (unsigned long long)(in_types[SF_REC_FLOW_PACKET] + in_types[SF_REC_SMART_MONEY] +
                           in_types[SF_REC_CLASSIFIER_HIT] + in_types[SF_REC_ALERT]));
  fprintf(
      stderr,
      "  rejected %llu: out-of-order %llu, bad contract %llu, bad value %llu, duplicate %llu, other %llu; "
      "crossed quotes %llu\n",
      (unsigned long long)st.rejected, (unsigned long long)st.rejected_order,
      (unsigned long long)st.rejected_contract, (unsigned long long)st.rejected_value,
      (unsigned long long)st.rejected_dup,
      (unsigned long long)(st.rejected - st.rejected_order - st.rejected_contract - st.rejected_value -
                           st.rejected_dup),
      (unsigned long long)st.crossed_quotes);
  fprintf(stderr,
          "  out: smart-money %llu (abstained %llu, below emit %llu), flow-packet %llu, classifier-hit %llu, "
          "alert %llu; written %llu lines\n",
          (unsigned long long)st.smart_money_out, (unsigned long long)st.abstained,
          (unsigned long long)st.events_below_emit, (unsigned long long)st.flow_packets_out,
          (unsigned long long)st.classifier_hits_out, (unsigned long long)st.alerts_out,
          (unsigned long long)(c.written[SF_REC_OPTION_PRINT] + c.written[SF_REC_FLOW_PACKET] +
                               c.written[SF_REC_SMART_MONEY] + c.written[SF_REC_CLASSIFIER_HIT] +
                               c.written[SF_REC_ALERT]));
  if (db)
    fprintf(stderr, "  stored in %s: %llu records in %llu batches; %llu lost, %llu refused\n", db,
            (unsigned long long)ws.written, (unsigned long long)ws.batches, (unsigned long long)ws.lost,
            (unsigned long long)(ws.dropped + ws.rejected + c.store_refused));
  if (interrupted)
    fprintf(stderr, "  interrupted at line %llu: open clusters closed and everything produced stored\n",
            (unsigned long long)sf_tape_reader_line(r));
  fprintf(stderr, "  elapsed %.3f s, %.0f prints/s\n", secs,
          secs > 0 ? (double)st.option_prints_in / secs : 0.0);
  status = (lines_bad || st.rejected || lost || ws.lost || c.store_refused) ? 1 : 0;
done:
  if (c.w) sf_tape_writer_close(c.w);
  if (c.db) sf_store_writer_stop(c.db, NULL);
  if (store) sf_store_close(store);
  sf_tape_reader_close(r);
  sf_engine_free(e);
  sf_calendar_free(cal);
  sf_calibration_free(calib);
  sf_app_rules_free(rules);
  sf_oi_table_free(oi);
  return status;
}
