/* `smartflow gen`: writes a synthetic tape. In test mode (the default) it runs a bounded
 * session and writes DIR/tape.jsonl (envelopes, in time order, no labels), DIR/labels.jsonl
 * (one hidden label per planted scenario) and DIR/calendar.json (the event calendar the engine
 * needs to see event-driven flow). In demo mode it runs the same generator without end (or for
 * --minutes), without labels, paced at --speed times real time, to a file or stdout. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app/args.h"
#include "app/commands.h"
#include "app/defaults.h"
#include "app/signals.h"
#include "smartflow/err.h"
#include "smartflow/record_json.h"
#include "smartflow/synth.h"
#include "smartflow/tape.h"
#include "smartflow/time.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow gen --seed S --minutes M --out DIR [options]\n"
          "       smartflow gen --mode demo [--speed X] [--minutes M] --out FILE|-\n\n"
          "Generates a synthetic US options market: option prints, option NBBO updates and\n"
          "underlying quotes from 09:30 ET, with planted parent orders of the six smart-money\n"
          "profiles and hard negatives (docs/evaluation.md).\n\n"
          "Test mode (default) writes DIR/tape.jsonl, DIR/labels.jsonl (hidden labels, never in\n"
          "the tape) and DIR/calendar.json. Same seed and options give byte-identical files.\n"
          "Demo mode streams the tape without labels, paced at X times real time (default 1;\n"
          "0 = as fast as possible), forever unless --minutes is given.\n\n"
          "options:\n"
          "  --seed S               generator seed (default 1)\n"
          "  --minutes M            trading minutes to generate (test mode: required; may exceed a\n"
          "                         session, rolling over to the next weekday)\n"
          "  --date YYYY-MM-DD      session date, a weekday (default 2025-03-12)\n"
          "  --underlyings A,B,...  symbols (default SPY,QQQ,AAPL,TSLA,NVDA,AMD,META,AMZN)\n"
          "  --mix FILE             JSON: {\"scenarios_per_min\":8, \"noise_prints_per_s\":6,\n"
          "                         \"jumps_per_hour\":1, \"families\":{\"retail_whale\":2,...}}\n"
          "  --noise-only           plant nothing (labels.jsonl is empty)\n"
          "  --mode test|demo       (default test)\n"
          "  --speed X              demo pacing factor (default 1)\n"
          "  --out DIR|FILE|-       output directory (test) or tape file / stdout (demo)\n"
          "  -h, --help             show this help\n");
}

struct label_sink {
  FILE *f;
  int err;
  uint64_t count;
};

static void on_label(void *ctx, const struct sf_synth_label *l) {
  struct label_sink *s = ctx;
  if (s->err) return;
  json_t *j = sf_synth_label_to_json(l);
  char *line = j ? sf_json_dumps(j, 1) : NULL;
  if (!line || fputs(line, s->f) < 0) s->err = line ? SF_EIO : SF_ENOMEM;
  s->count++;
  free(line);
  json_decref(j);
}

static int load_mix(const char *path, struct sf_synth_mix *mix) {
  json_error_t jerr;
  json_t *j = json_load_file(path, 0, &jerr);
  if (!j) {
    fprintf(stderr, "smartflow gen: %s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
    return 1;
  }
  char err[256];
  int rc = sf_synth_mix_from_json(j, mix, err, sizeof err);
  json_decref(j);
  if (rc) {
    fprintf(stderr, "smartflow gen: %s: %s\n", path, err);
    return 1;
  }
  return 0;
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t cap) {
  snprintf(path, cap, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) fprintf(stderr, "smartflow gen: cannot write %s: %s\n", path, strerror(errno));
  return f;
}

static void sleep_ns(int64_t ns) {
  while (ns > 0 && !sf_app_signals_stop_requested()) {
    int64_t step = ns > 100 * SF_NS_PER_MS ? 100 * SF_NS_PER_MS : ns;
    struct timespec ts = {.tv_sec = (time_t)(step / SF_NS_PER_S), .tv_nsec = (long)(step % SF_NS_PER_S)};
    nanosleep(&ts, NULL);
    ns -= step;
  }
}

int sf_cmd_gen(int argc, char **argv) {
  struct sf_synth_config cfg;
  sf_synth_config_default(&cfg);
  struct sf_synth_underlying unds[SF_SYNTH_MAX_UNDERLYINGS];
  const char *out = NULL, *mix_path = NULL;
  bool demo = false, have_minutes = false;
  double speed = 1.0;
  static const struct option opts[] = {{"seed", required_argument, 0, 's'},
                                       {"minutes", required_argument, 0, 'm'},
                                       {"speed", required_argument, 0, 'x'},
                                       {"date", required_argument, 0, 'D'},
                                       {"underlyings", required_argument, 0, 'u'},
                                       {"mix", required_argument, 0, 'M'},
                                       {"mode", required_argument, 0, 'o'},
                                       {"out", required_argument, 0, 'O'},
                                       {"noise-only", no_argument, 0, 'n'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sf_args a = {.cmd = "gen", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&a)) != -1) {
    switch (ch) {
      case 's': {
        uint64_t seed;
        if (sf_args_u64(&a, 0, UINT64_MAX, &seed)) return SF_ARGS_USAGE;
        cfg.seed = seed;
        break;
      }
      case 'm':
        if (sf_args_double(&a, 0, true, 1e6, &cfg.minutes)) return SF_ARGS_USAGE;
        have_minutes = true;
        break;
      case 'x':
        if (sf_args_double(&a, 0, false, 1e6, &speed)) return SF_ARGS_USAGE;
        break;
      case 'D': {
        int y, m, d;
        char tail;
        if (sscanf(optarg, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || !sf_date_valid(y, m, d)) {
          fprintf(stderr, "smartflow gen: --date must be a date YYYY-MM-DD, not '%s'\n", optarg);
          return SF_ARGS_USAGE;
        }
        int wd = sf_weekday_from_days(sf_days_from_civil(y, m, d));
        if (wd == 0 || wd == 6) {
          fprintf(stderr, "smartflow gen: --date %s is a weekend day; sessions run on weekdays\n", optarg);
          return SF_ARGS_USAGE;
        }
        cfg.year = y;
        cfg.month = m;
        cfg.day = d;
        break;
      }
      case 'u':
        if (sf_app_parse_underlyings(optarg, unds, SF_SYNTH_MAX_UNDERLYINGS, &cfg.underlying_count)) {
          fprintf(stderr, "smartflow gen: --underlyings must be a comma list of symbols, not '%s'\n", optarg);
          return SF_ARGS_USAGE;
        }
        cfg.underlyings = unds;
        break;
      case 'M':
        mix_path = optarg;
        break;
      case 'o':
        if (strcmp(optarg, "demo") != 0 && strcmp(optarg, "test") != 0) {
          fprintf(stderr, "smartflow gen: --mode must be test or demo, not '%s'\n", optarg);
          return SF_ARGS_USAGE;
        }
        demo = strcmp(optarg, "demo") == 0;
        break;
      case 'O':
        out = optarg;
        break;
      case 'n':
        cfg.noise_only = true;
        break;
      default: /* --help or a usage error, printed */
        return a.status;
    }
  }
  if (sf_args_no_operands(&a)) return SF_ARGS_USAGE;
  if (!out) {
    fprintf(stderr, "smartflow gen: --out is required\n");
    return SF_ARGS_USAGE;
  }
  if (!demo && !have_minutes) {
    fprintf(stderr, "smartflow gen: --minutes is required in test mode\n");
    return SF_ARGS_USAGE;
  }
  if (demo && !have_minutes) cfg.minutes = 0; /* forever */
  if (mix_path && load_mix(mix_path, &cfg.mix)) return 1;

  int status = 1, rc;
  struct sf_synth *g = NULL;
  struct sf_tape_writer *w = NULL;
  struct label_sink labels = {0};
  FILE *calf = NULL;
  char path[4096];
  if (!demo) {
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "smartflow gen: cannot create %s: %s\n", out, strerror(errno));
      return 1;
    }
    if (!(labels.f = open_in(out, "labels.jsonl", path, sizeof path))) goto done;
    cfg.on_label = on_label;
    cfg.label_ctx = &labels;
    snprintf(path, sizeof path, "%s/tape.jsonl", out);
  } else {
    snprintf(path, sizeof path, "%s", out);
    sf_app_signals_install();
  }
  if ((rc = sf_synth_new(&cfg, &g))) {
    fprintf(stderr, "smartflow gen: cannot start the generator: %s\n", sf_strerror(rc));
    goto done;
  }
  if ((rc = sf_tape_writer_open(path, &w))) {
    fprintf(stderr, "smartflow gen: cannot write %s: %s\n", path, sf_strerror(rc));
    goto done;
  }
  struct sf_synth_pacer pacer;
  sf_synth_pacer_init(&pacer, demo ? speed : 0);
  struct sf_record rec;
  int64_t last_flush = sf_time_mono_ns();
  while ((rc = sf_synth_next(g, &rec)) == 1) {
    if (demo) {
      int64_t wait = sf_synth_pace(&pacer, sf_record_ts_ns(&rec), sf_time_mono_ns());
      if (wait > 0) {
        sf_tape_writer_flush(w);
        sleep_ns(wait);
      }
      if (sf_app_signals_stop_requested()) {
        sf_record_fini(&rec);
        break;
      }
    }
    rc = sf_tape_writer_write(w, &rec);
    sf_record_fini(&rec);
    if (rc) {
      fprintf(stderr, "smartflow gen: writing %s: %s\n", path, sf_strerror(rc));
      goto done;
    }
    if (demo && sf_time_mono_ns() - last_flush > 200 * SF_NS_PER_MS) {
      if (sf_tape_writer_flush(w)) break; /* reader went away */
      last_flush = sf_time_mono_ns();
    }
  }
  if (rc < 0) {
    fprintf(stderr, "smartflow gen: generator failed: %s\n", sf_strerror(rc));
    goto done;
  }
  if (labels.err) {
    fprintf(stderr, "smartflow gen: writing labels: %s\n", sf_strerror(labels.err));
    goto done;
  }
  if (!demo) {
    if (!(calf = open_in(out, "calendar.json", path, sizeof path))) goto done;
    json_t *cal = sf_synth_calendar_to_json(g);
    char *text = cal ? sf_json_dumps(cal, 1) : NULL;
    int bad = !text || fputs(text, calf) < 0;
    free(text);
    json_decref(cal);
    if (bad) goto done;
    struct sf_synth_stats st;
    sf_synth_get_stats(g, &st);
    fprintf(stderr,
            "smartflow gen: %llu option prints (%llu planted), %llu option quotes, %llu equity quotes, "
            "%llu labels -> %s\n",
            (unsigned long long)st.option_prints, (unsigned long long)st.planted_prints,
            (unsigned long long)st.option_nbbo, (unsigned long long)st.equity_quotes,
            (unsigned long long)labels.count, out);
  }
  status = 0;
done:
  if (w && sf_tape_writer_close(w) && status == 0 && !demo) {
    fprintf(stderr, "smartflow gen: closing the tape failed\n");
    status = 1;
  }
  if (labels.f && fclose(labels.f) && status == 0) status = 1;
  if (calf && fclose(calf) && status == 0) status = 1;
  sf_synth_free(g);
  return status;
}
