/* The generator's configuration surface: family names, default underlyings and mix, the --mix
 * JSON reader, the label and calendar JSON encoders and the demo pacer. Nothing here touches
 * the market state. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/hash.h"
#include "synth/synth_int.h"

static const char *const family_names[SF_FAM_COUNT] = {
    "institutional_directional",
    "retail_whale",
    "event_driven",
    "vol_seller",
    "arbitrage",
    "hedge_reactive",
    "hn_hedge_0dte_burst",
    "hn_complex_vertical",
    "hn_earnings_before_event",
    "hn_retail_frenzy",
    "hn_straddle_at_bid",
    "hn_closing_at_bid",
};

const char *sf_synth_family_name(int family) {
  return family >= 0 && family < SF_FAM_COUNT ? family_names[family] : NULL;
}

int sf_synth_family_from_name(const char *name) {
  if (!name) return -1;
  for (int i = 0; i < SF_FAM_COUNT; i++)
    if (strcmp(family_names[i], name) == 0) return i;
  return -1;
}

/* Opening levels and vols are of early 2025; strike steps follow the listed grids near spot. */
static const struct sf_synth_underlying known[] = {
    {"SPY", 570.0, 0.16, true, true, 1.0, 1.0},     {"QQQ", 490.0, 0.20, true, true, 1.0, 1.0},
    {"IWM", 205.0, 0.22, true, true, 1.0, 0.9},     {"AAPL", 225.0, 0.27, false, false, 2.5, 0.9},
    {"TSLA", 250.0, 0.62, false, false, 5.0, 0.9},  {"NVDA", 118.0, 0.52, false, false, 2.5, 0.9},
    {"AMD", 105.0, 0.48, false, false, 2.5, 0.75},  {"META", 610.0, 0.38, false, false, 5.0, 0.75},
    {"AMZN", 200.0, 0.33, false, false, 2.5, 0.8},  {"MSFT", 390.0, 0.26, false, false, 5.0, 0.8},
    {"GOOGL", 165.0, 0.30, false, false, 2.5, 0.8},
};

int sf_synth_underlying_default(const char *symbol, struct sf_synth_underlying *out) {
  size_t len = symbol ? strlen(symbol) : 0;
  if (len == 0 || len > SF_ROOT_MAX) return SF_EINVAL;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    if (strcmp(known[i].symbol, symbol) == 0) {
      *out = known[i];
      return 0;
    }
  }
  /* Unknown: a mid-cap single stock whose level depends only on the name. */
  memset(out, 0, sizeof *out);
  memcpy(out->symbol, symbol, len + 1);
  uint64_t h = sf_hash_str(symbol);
  out->spot = 40.0 + (double)(h % 160);
  out->vol = 0.30 + (double)((h >> 8) % 30) / 100.0;
  out->is_etf = false;
  out->daily_expiries = false;
  out->strike_step = out->spot < 100 ? 1.0 : 2.5;
  out->liquidity = 0.6;
  return 0;
}

void sf_synth_mix_default(struct sf_synth_mix *m) {
  static const double w[SF_FAM_COUNT] = {2.0, 1.5, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  memcpy(m->weights, w, sizeof w);
  m->scenarios_per_min = 8.0;
  m->noise_prints_per_s = 6.0;
  m->jumps_per_hour = 1.0;
}

static int num_field(const json_t *j, const char *key, double *out, double lo, double hi, char *errbuf,
                     size_t cap) {
  json_t *v = json_object_get(j, key);
  if (!v) return 0;
  if (!json_is_number(v)) {
    snprintf(errbuf, cap, "mix.%s: must be a number", key);
    return SF_EFIELD;
  }
  double x = json_number_value(v);
  if (!(x >= lo && x <= hi)) {
    snprintf(errbuf, cap, "mix.%s: %g is outside [%g, %g]", key, x, lo, hi);
    return SF_EFIELD;
  }
  *out = x;
  return 0;
}

int sf_synth_mix_from_json(const json_t *j, struct sf_synth_mix *m, char *errbuf, size_t cap) {
  int rc;
  if (!json_is_object(j)) {
    snprintf(errbuf, cap, "mix: must be a JSON object");
    return SF_EFIELD;
  }
  if ((rc = num_field(j, "scenarios_per_min", &m->scenarios_per_min, 0, 1000, errbuf, cap))) return rc;
  if ((rc = num_field(j, "noise_prints_per_s", &m->noise_prints_per_s, 0, 1000, errbuf, cap))) return rc;
  if ((rc = num_field(j, "jumps_per_hour", &m->jumps_per_hour, 0, 100, errbuf, cap))) return rc;
  json_t *fam = json_object_get(j, "families");
  if (fam) {
    if (!json_is_object(fam)) {
      snprintf(errbuf, cap, "mix.families: must be an object of family -> weight");
      return SF_EFIELD;
    }
    const char *key;
    json_t *v;
    json_object_foreach(fam, key, v) {
      int f = sf_synth_family_from_name(key);
      if (f < 0) {
        snprintf(errbuf, cap, "mix.families.%s: unknown family", key);
        return SF_EFIELD;
      }
      if (!json_is_number(v) || !(json_number_value(v) >= 0)) {
        snprintf(errbuf, cap, "mix.families.%s: weight must be a number >= 0", key);
        return SF_EFIELD;
      }
      m->weights[f] = json_number_value(v);
    }
  }
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)(uintptr_t)j, key, v) {
    if (strcmp(key, "scenarios_per_min") && strcmp(key, "noise_prints_per_s") &&
        strcmp(key, "jumps_per_hour") && strcmp(key, "families")) {
      snprintf(errbuf, cap, "mix.%s: unknown key", key);
      return SF_EFIELD;
    }
  }
  return 0;
}

void sf_synth_config_default(struct sf_synth_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->seed = 1;
  cfg->year = 2025;
  cfg->month = 3;
  cfg->day = 12;
  cfg->minutes = 60;
  sf_synth_mix_default(&cfg->mix);
}

json_t *sf_synth_label_to_json(const struct sf_synth_label *l) {
  json_t *o = json_object();
  json_t *ids = json_array();
  if (!o || !ids) goto fail;
  for (size_t i = 0; i < l->member_print_ids.n; i++)
    if (json_array_append_new(ids, json_string(l->member_print_ids.v[i]))) goto fail;
  const char *prof = l->profile >= 0 ? sf_profile_name(l->profile) : NULL;
  const char *dir = sf_direction_name(l->direction);
  if (json_object_set_new(o, "scenario_id", json_string(l->scenario_id)) ||
      json_object_set_new(o, "family", json_string(sf_synth_family_name(l->family))) ||
      json_object_set_new(o, "profile_id", prof ? json_string(prof) : json_null()) ||
      json_object_set_new(o, "direction", json_string(dir ? dir : "unknown")))
    goto fail;
  /* set_new consumes the reference even when it fails */
  int rc = json_object_set_new(o, "member_print_ids", ids);
  ids = NULL;
  if (rc) goto fail;
  /* planted moves are rounded to 0.01 bp so the text is short and stable */
  json_t *mv =
      isnan(l->planted_move_bps) ? json_null() : json_real(round(l->planted_move_bps * 100.0) / 100.0);
  if (json_object_set_new(o, "start_ts", json_integer(sf_ns_to_ms(l->start_ts_ns))) ||
      json_object_set_new(o, "end_ts", json_integer(sf_ns_to_ms(l->end_ts_ns))) ||
      json_object_set_new(o, "planted_move_bps", mv) ||
      json_object_set_new(o, "hard_negative", json_boolean(l->hard_negative)))
    goto fail;
  return o;
fail:
  json_decref(ids);
  json_decref(o);
  return NULL;
}

json_t *sf_synth_calendar_to_json(const struct sf_synth *g) {
  json_t *arr = json_array();
  if (!arr) return NULL;
  for (size_t i = 0; i < g->ncal; i++) {
    const struct sf_calendar_event *e = &g->cal[i];
    json_t *o = json_object();
    if (!o || json_array_append_new(arr, o)) goto fail;
    if (json_object_set_new(o, "underlying_id", json_string(e->underlying_id)) ||
        json_object_set_new(o, "event_ts", json_integer(sf_ns_to_ms(e->event_ns))) ||
        (e->announced_ns != SF_TS_NULL &&
         json_object_set_new(o, "announced_ts", json_integer(sf_ns_to_ms(e->announced_ns)))) ||
        json_object_set_new(o, "event_kind", json_string(e->event_kind)))
      goto fail;
  }
  return arr;
fail:
  json_decref(arr);
  return NULL;
}

const struct sf_calendar_event *sf_synth_calendar(const struct sf_synth *g, size_t *count) {
  *count = g->ncal;
  return g->cal;
}

void sf_synth_pacer_init(struct sf_synth_pacer *p, double speed) {
  memset(p, 0, sizeof *p);
  p->speed = speed;
}

int64_t sf_synth_pace(struct sf_synth_pacer *p, int64_t event_ts_ns, int64_t wall_now_ns) {
  if (!(p->speed > 0)) return 0;
  if (!p->started) {
    p->started = true;
    p->event0_ns = event_ts_ns;
    p->wall0_ns = wall_now_ns;
    return 0;
  }
  double due = (double)(event_ts_ns - p->event0_ns) / p->speed;
  int64_t wait = p->wall0_ns + (int64_t)due - wall_now_ns;
  return wait > 0 ? wait : 0;
}
