/* `smartflow ingest`: the ingest service of distributed mode. Reads one source (the synthetic
 * market, JSONL tapes, Databento DBN files or flat CSV files) and publishes its market data on
 * the bus in source order, with an asynchronous publish window; flushes (every PubAck received)
 * before exiting at the end of a bounded source. Publishing is idempotent: every record carries
 * its trace_id as the message id, so re-running an ingest after a crash re-publishes nothing
 * the duplicate window still remembers. Exit status: 0 ok, 1 an unreadable source or a failed
 * publish, 2 usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/dist.h"
#include "app/signals.h"
#include "smartflow/convert.h"
#include "smartflow/csv_flat.h"
#include "smartflow/dbn.h"
#include "smartflow/err.h"
#include "smartflow/synth.h"
#include "smartflow/tape.h"
#include "smartflow/time.h"

#define MAX_WINDOW 1000000 /* publishes in flight */

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: smartflow ingest --bus nats://HOST:PORT --source synthetic|tape|dbn|csv [FILE...] [options]\n\n"
      "Publishes market data (option prints, option NBBO, underlying quotes and prints) on the bus\n"
      "in source order, then flushes and exits at the end of a bounded source.\n\n"
      "options:\n"
      "  --bus URL          nats://HOST:PORT (required)\n"
      "  --source S         synthetic (the generator of `smartflow gen`), tape (JSONL), dbn, csv\n"
      "  --seed S           synthetic: seed (default 1)\n"
      "  --minutes M        synthetic: trading minutes (default 60; 0 = without end)\n"
      "  --speed X          pacing: X times event time (default 0 = as fast as possible)\n"
      "  --namespace P      bus subject prefix (default: live)\n"
      "  --window N         publishes in flight (default 1024)\n"
      "  -h, --help         show this help\n");
}

struct pub {
  struct sf_bus *bus;
  struct sf_synth_pacer pacer;
  uint64_t n, failed;
};

/* Publishes one record. Returns 0 or < 0 (the caller stops). */
static int publish(struct pub *p, const struct sf_record *r) {
  if (r->type >= SF_REC_FLOW_PACKET) return 0; /* a source carries market data only */
  int64_t ts = sf_record_ts_ns(r);
  if (ts != SF_TS_NULL) sf_dist_sleep_ns(sf_synth_pace(&p->pacer, ts, sf_time_mono_ns()));
  int rc = sf_bus_publish(p->bus, r);
  if (rc) {
    p->failed++;
    fprintf(stderr, "smartflow ingest: publish %s: %s\n", sf_record_meta(r)->trace_id, sf_bus_errmsg(p->bus));
    return rc;
  }
  p->n++;
  return 0;
}

static int run_synthetic(struct pub *p, uint64_t seed, double minutes) {
  struct sf_synth_config cfg;
  struct sf_synth *g = NULL;
  struct sf_record r;
  int rc;
  sf_synth_config_default(&cfg);
  cfg.seed = seed;
  cfg.minutes = minutes;
  if ((rc = sf_synth_new(&cfg, &g)) != 0) {
    fprintf(stderr, "smartflow ingest: synthetic market: %s\n", sf_strerror(rc));
    return rc;
  }
  while (!sf_app_signals_stop_requested() && (rc = sf_synth_next(g, &r)) == 1) {
    rc = publish(p, &r);
    sf_record_fini(&r);
    if (rc) break;
  }
  sf_synth_free(g);
  return rc < 0 ? rc : 0;
}

static int run_tape(struct pub *p, const char *path) {
  struct sf_tape_reader *t = NULL;
  struct sf_record r;
  int rc = 0, bad = 0;
  if (sf_tape_reader_open(path, &t)) {
    fprintf(stderr, "smartflow ingest: cannot read %s\n", path);
    return SF_EIO;
  }
  while (!sf_app_signals_stop_requested()) {
    int n = sf_tape_reader_next(t, &r);
    if (n == 0) break;
    if (n < 0) {
      bad++;
      fprintf(stderr, "smartflow ingest: %s: %s\n", path, sf_tape_reader_errmsg(t));
      continue;
    }
    rc = publish(p, &r);
    sf_record_fini(&r);
    if (rc) break;
  }
  sf_tape_reader_close(t);
  return rc ? rc : bad ? SF_EPARSE : 0;
}

static int emit_converted(struct pub *p, struct sf_convert_out *out) {
  for (int i = 0; i < out->n; i++) {
    int rc = publish(p, &out->rec[i]);
    if (rc) return rc;
  }
  return 0;
}

static int run_dbn(struct pub *p, const char *path, struct sf_converter *cv) {
  struct sf_dbn_file *f = NULL;
  struct sf_dbn_record rec;
  struct sf_convert_out out;
  char err[512];
  int rc;
  if ((rc = sf_dbn_file_open(path, &f, err, sizeof err)) != 0) {
    fprintf(stderr, "smartflow ingest: %s\n", err);
    return rc;
  }
  while (!sf_app_signals_stop_requested() && (rc = sf_dbn_file_next(f, &rec)) == 1) {
    sf_convert_dbn(cv, &rec, &out);
    if ((rc = emit_converted(p, &out)) != 0) break;
  }
  if (rc < 0) fprintf(stderr, "smartflow ingest: %s\n", sf_dbn_file_errmsg(f));
  sf_dbn_file_close(f);
  return rc < 0 ? rc : 0;
}

static int run_csv(struct pub *p, const char *path, struct sf_converter *cv) {
  struct sf_csv_file *f = NULL;
  struct sf_csv_row row;
  struct sf_convert_out out;
  char err[512];
  int rc, bad = 0;
  if ((rc = sf_csv_file_open(path, &f, err, sizeof err)) != 0) {
    fprintf(stderr, "smartflow ingest: %s\n", err);
    return rc;
  }
  while (!sf_app_signals_stop_requested() && (rc = sf_csv_file_next(f, &row)) != 0) {
    if (rc < 0) {
      bad++;
      fprintf(stderr, "smartflow ingest: %s\n", sf_csv_file_errmsg(f));
      continue;
    }
    sf_convert_csv(cv, &row, &out);
    if ((rc = emit_converted(p, &out)) != 0) break;
  }
  sf_csv_file_close(f);
  return rc < 0 ? rc : bad ? SF_EPARSE : 0;
}

int sf_cmd_ingest(int argc, char **argv) {
  static const struct option opts[] = {SF_DIST_OPTION_BUS,
                                       SF_DIST_OPTION_NAMESPACE,
                                       {"source", required_argument, 0, 'S'},
                                       {"seed", required_argument, 0, 's'},
                                       {"minutes", required_argument, 0, 'm'},
                                       {"speed", required_argument, 0, 'x'},
                                       {"window", required_argument, 0, 'w'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  static const int required[] = {SF_DIST_OPT_BUS, 0};
  static const char *const kinds[] = {"synthetic", "tape", "dbn", "csv"};
  const char *source = NULL;
  uint64_t seed = 1, window = 1024;
  double minutes = 60, speed = 0;
  struct sf_dist_opts o;
  sf_dist_opts_init(&o);
  struct sf_args a = {.cmd = "ingest", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_dist_args_next(&a, &o)) != -1) {
    switch (ch) {
      case 'S':
        source = optarg;
        break;
      case 's':
        if (sf_args_u64(&a, 0, UINT64_MAX, &seed)) return SF_ARGS_USAGE;
        break;
      case 'm':
        if (sf_args_double(&a, 0, false, HUGE_VAL, &minutes)) return SF_ARGS_USAGE;
        break;
      case 'x':
        if (sf_args_double(&a, 0, false, HUGE_VAL, &speed)) return SF_ARGS_USAGE;
        break;
      case 'w':
        if (sf_args_u64(&a, 0, MAX_WINDOW, &window)) return SF_ARGS_USAGE;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_dist_check(&a, &o, required, true)) return SF_ARGS_USAGE;
  int kind = -1;
  for (int k = 0; source && k < 4; k++)
    if (!strcmp(source, kinds[k])) kind = k;
  if (kind < 0) return sf_dist_usage_error(&a, "--source synthetic|tape|dbn|csv is required");
  char **files = argv + optind;
  int nfiles = argc - optind;
  if (kind > 0 && nfiles == 0) return sf_dist_usage_error(&a, "--source tape, dbn and csv need a FILE");
  if (kind == 0 && nfiles > 0) return sf_dist_usage_error(&a, "--source synthetic takes no FILE");
  const char *bus_url = o.bus_url, *ns = o.ns;
  struct pub p;
  memset(&p, 0, sizeof p);
  sf_synth_pacer_init(&p.pacer, speed);
  if (sf_dist_bus_open("ingest", bus_url, ns, (int)window, &p.bus)) return 1;
  sf_app_signals_install();
  int64_t t0 = sf_time_mono_ns();
  int rc = 0;
  struct sf_converter cv;
  sf_converter_init(&cv, source, false);
  if (kind == 0) rc = run_synthetic(&p, seed, minutes);
  for (int i = 0; i < nfiles && !rc; i++)
    rc = kind == 1   ? run_tape(&p, files[i])
         : kind == 2 ? run_dbn(&p, files[i], &cv)
                     : run_csv(&p, files[i], &cv);
  int frc = sf_bus_flush(p.bus, 60000);
  if (frc) fprintf(stderr, "smartflow ingest: flush: %s\n", sf_bus_errmsg(p.bus));
  struct sf_bus_stats st;
  sf_bus_stats(p.bus, &st);
  double secs = (double)(sf_time_mono_ns() - t0) / 1e9;
  fprintf(
      stderr,
      "smartflow ingest: %llu records published (%llu stored, %llu duplicates, %llu errors, %llu retries) "
      "in %.3f s, %.0f records/s\n",
      (unsigned long long)p.n, (unsigned long long)st.published, (unsigned long long)st.duplicates,
      (unsigned long long)st.publish_errors, (unsigned long long)st.retries, secs,
      secs > 0 ? (double)p.n / secs : 0.0);
  sf_bus_close(p.bus);
  return rc || frc ? 1 : 0;
}
