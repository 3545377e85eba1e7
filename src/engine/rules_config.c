/* The rules configuration (rules.h): compiled-in defaults, JSON loading for `--config`, and
 * JSON output of the full configuration. The default weights encode PROFILES.md's "typical
 * evidence" column (positive) and "typical confuser" column (negative); the bias of each
 * profile is set so that an event with none of its evidence scores below abstain_below and one
 * with most of it scores in the high band. They are the starting point the synthetic-market
 * tuner refines; every number is a field of struct sf_rules_config. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/rules.h"

static const char *const term_names[SF_TERM_COUNT] = {
#define SF_RULE_TERM_NAME(e, name, doc) name,
    SF_RULE_TERMS(SF_RULE_TERM_NAME)
#undef SF_RULE_TERM_NAME
};

const char *sf_rule_term_name(int term) {
  return (term >= 0 && term < SF_TERM_COUNT) ? term_names[term] : NULL;
}

int sf_rule_term_from_name(const char *name) {
  for (int i = 0; i < SF_TERM_COUNT; i++)
    if (strcmp(term_names[i], name) == 0) return i;
  return -1;
}

struct scalar_desc {
  const char *name;
  size_t offset;
};
static const struct scalar_desc scalars[] = {
#define SF_RULE_SCALAR_DESC(f, def, doc) {#f, offsetof(struct sf_rules_config, f)},
    SF_RULE_SCALARS(SF_RULE_SCALAR_DESC)
#undef SF_RULE_SCALAR_DESC
};
#define N_SCALARS (sizeof scalars / sizeof scalars[0])

struct wdef {
  int term;
  double w;
};

/* Opening-trade evidence (volume_exceeds_oi: the event alone traded about the open interest or
 * more, so positions are being opened, issue 8). A new position is what directional and
 * event-driven buyers put on; it is supporting evidence only, so its weight stays small next to
 * each profile's necessary evidence (an event with the term at 1 gains 0.5 in logit, about what
 * tight quotes or near-money strikes give), and without open-interest data it is 0 and scores
 * are unchanged. */
#define OPENING_W 0.5

#define W(t, v) \
  { SF_TERM_##t, v }
/* Weights per profile. Each profile's necessary evidence carries most of the weight, so that an
 * event lacking it stays under the abstention threshold whatever else it shows; the typical
 * confusers of PROFILES.md weigh against. Quote-rule aggression (AA/A/B/BB) is what makes flow
 * directional; prints inside the spread are market making or negotiated (arbitrage). */
static const struct wdef w_inst[] = {
    W(PREMIUM_LARGE, 4.0), W(AGGRESSIVE, 1.5),      W(ONE_SIDED, 1.0),   W(SWEEP, 0.8),
    W(BLOCK, 0.8),         W(DTE_WEEKS, 1.0),       W(NEAR_MONEY, 0.5),  W(TIGHT_QUOTES, 0.3),
    W(MID_PRINTS, -3.0),   W(SMALL_LOTS, -3.0),     W(MULTI_LEG, -3.0),  W(ZERO_TO_TWO_DTE, -1.0),
    W(SPECIAL, -4.0),      W(PRE_EVENT_CONC, -3.0), W(BOTH_SIDES, -1.5), W(VOLUME_EXCEEDS_OI, OPENING_W)};
static const struct wdef w_retail[] = {W(SMALL_LOTS, 4.5), W(SHORT_DATED, 1.5),    W(OTM, 1.0),
                                       W(IV_POP, 1.0),     W(BOUGHT, 2.5),         W(ONE_SIDED, 1.0),
                                       W(AGGRESSIVE, 0.5), W(PREMIUM_LARGE, -1.0), W(BLOCK, -2.0),
                                       W(MULTI_LEG, -2.0), W(DTE_WEEKS, -1.0),     W(MID_PRINTS, -2.0),
                                       W(SPECIAL, -4.0),   W(BOTH_SIDES, -1.5),    W(PRE_EVENT_CONC, -1.0),
                                       W(BURST_RATE, 3.5), W(IV_RISE, 2.0),        W(SPARSE, -4.0),
                                       W(SLOW_FILLS, -3.0)};
static const struct wdef w_event[] = {W(EVENT_SOON, 1.0),
                                      W(EXPIRY_AFTER_EVENT, 0.5),
                                      W(PRE_EVENT_CONC, 4.0),
                                      W(AGGRESSIVE, 2.0),
                                      W(ONE_SIDED, 2.5),
                                      W(PREMIUM_LARGE, 1.5),
                                      W(PREMIUM_MODERATE, 1.5),
                                      W(SPREAD_PRESSURE, 0.3),
                                      W(MID_PRINTS, -4.0),
                                      W(SMALL_LOTS, -2.0),
                                      W(BOTH_SIDES, -2.0),
                                      W(SPECIAL, -4.0),
                                      W(SOLD, -2.0),
                                      W(STRADDLE_SOLD, -3.0),
                                      W(VOLUME_EXCEEDS_OI, OPENING_W),
                                      W(TRICKLE, -4.0)};
static const struct wdef w_vol[] = {W(SOLD, 2.0),          W(STRADDLE_SOLD, 3.0),    W(NEUTRAL_DELTA, 1.0),
                                    W(PREMIUM_LARGE, 1.0), W(PREMIUM_MODERATE, 0.5), W(AGGRESSIVE, 1.0),
                                    W(BOUGHT, -3.0),       W(MID_PRINTS, -2.0),      W(SMALL_LOTS, -2.0)};
static const struct wdef w_arb[] = {W(MULTI_LEG, 2.0),   W(LEGS_MATCHED, 3.0), W(COMPLEX, 2.0),
                                    W(STOCK_TIE, 1.0),   W(MID_PRINTS, 2.0),   W(NEUTRAL_DELTA, 1.0),
                                    W(AGGRESSIVE, -2.0), W(SWEEP, -1.0),       W(SMALL_LOTS, -2.0)};
/* Hedging is measured in contracts (gamma), not dollars: large lots are its size evidence, while
 * a large premium in a 0-2 DTE option is what a directional bettor pays (the hedge's confuser,
 * an institutional 0DTE bet or the earnings-adjacent hard negative). Background lots after a
 * spot move are neither large nor prompt (trickle). */
static const struct wdef w_hedge[] = {
    W(ZERO_TO_TWO_DTE, 2.0),  W(ATM, 2.0),        W(SPOT_MOVE, 5.0),  W(PREMIUM_LARGE, -1.0),
    W(PREMIUM_MODERATE, 0.5), W(AGGRESSIVE, 1.0), W(BOTH_SIDES, 1.0), W(MID_PRINTS, -3.0),
    W(SMALL_LOTS, -3.0),      W(SPECIAL, -4.0),   W(MULTI_LEG, -1.0), W(BLOCK, 1.0),
    W(LARGE_LOTS, 6.0),       W(TRICKLE, -4.0)};
#undef W

static const struct {
  double bias;
  const struct wdef *w;
  size_t n;
} defaults[SF_PROFILE_COUNT] = {
    {-6.0, w_inst, sizeof w_inst / sizeof w_inst[0]},
    {-11.5, w_retail, sizeof w_retail / sizeof w_retail[0]},
    {-8.0, w_event, sizeof w_event / sizeof w_event[0]},
    {-6.0, w_vol, sizeof w_vol / sizeof w_vol[0]},
    {-7.5, w_arb, sizeof w_arb / sizeof w_arb[0]},
    {-15.0, w_hedge, sizeof w_hedge / sizeof w_hedge[0]},
};

void sf_rules_config_default(struct sf_rules_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
#define SF_RULE_SCALAR_SET(f, def, doc) cfg->f = (def);
  SF_RULE_SCALARS(SF_RULE_SCALAR_SET)
#undef SF_RULE_SCALAR_SET
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    cfg->bias[p] = defaults[p].bias;
    for (size_t i = 0; i < defaults[p].n; i++) cfg->weight[p][defaults[p].w[i].term] = defaults[p].w[i].w;
  }
}

__attribute__((format(printf, 3, 4))) static int bad(char *errbuf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (errbuf && cap) vsnprintf(errbuf, cap, fmt, ap);
  va_end(ap);
  return SF_EFIELD;
}

int sf_rules_config_from_json(const json_t *j, struct sf_rules_config *cfg, char *errbuf, size_t cap) {
  if (!json_is_object(j)) return bad(errbuf, cap, "%s%s: must be an object", "rules config", "");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)(uintptr_t)j, key, v) {
    if (strcmp(key, "thresholds") == 0) {
      if (!json_is_object(v)) return bad(errbuf, cap, "%s%s: must be an object", "thresholds", "");
      const char *k2;
      json_t *x;
      json_object_foreach(v, k2, x) {
        size_t i = 0;
        while (i < N_SCALARS && strcmp(scalars[i].name, k2) != 0) i++;
        if (i == N_SCALARS) return bad(errbuf, cap, "thresholds.%s%s: unknown threshold", k2, "");
        if (!json_is_number(x)) return bad(errbuf, cap, "thresholds.%s%s: must be a number", k2, "");
        *(double *)(void *)((char *)cfg + scalars[i].offset) = json_number_value(x);
      }
    } else if (strcmp(key, "bias") == 0) {
      if (!json_is_object(v)) return bad(errbuf, cap, "%s%s: must be an object", "bias", "");
      const char *k2;
      json_t *x;
      json_object_foreach(v, k2, x) {
        int p = sf_profile_from_name(k2);
        if (p < 0) return bad(errbuf, cap, "bias.%s%s: unknown profile", k2, "");
        if (!json_is_number(x)) return bad(errbuf, cap, "bias.%s%s: must be a number", k2, "");
        cfg->bias[p] = json_number_value(x);
      }
    } else if (strcmp(key, "weights") == 0) {
      if (!json_is_object(v)) return bad(errbuf, cap, "%s%s: must be an object", "weights", "");
      const char *k2;
      json_t *x;
      json_object_foreach(v, k2, x) {
        int p = sf_profile_from_name(k2);
        if (p < 0) return bad(errbuf, cap, "weights.%s%s: unknown profile", k2, "");
        if (!json_is_object(x)) return bad(errbuf, cap, "weights.%s%s: must be an object", k2, "");
        const char *k3;
        json_t *y;
        json_object_foreach(x, k3, y) {
          int t = sf_rule_term_from_name(k3);
          if (t < 0) return bad(errbuf, cap, "weights.%s.%s: unknown term", k2, k3);
          if (!json_is_number(y)) return bad(errbuf, cap, "weights.%s.%s: must be a number", k2, k3);
          cfg->weight[p][t] = json_number_value(y);
        }
      }
    } else {
      return bad(errbuf, cap, "%s%s: unknown key (expected thresholds, bias, weights)", key, "");
    }
  }
  return 0;
}

json_t *sf_rules_config_to_json(const struct sf_rules_config *cfg) {
  json_t *root = json_object(), *th = json_object(), *bias = json_object(), *w = json_object();
  if (!root || !th || !bias || !w) goto fail;
  for (size_t i = 0; i < N_SCALARS; i++)
    if (json_object_set_new(
            th, scalars[i].name,
            json_real(*(const double *)(const void *)((const char *)cfg + scalars[i].offset))))
      goto fail;
  for (int p = 0; p < SF_PROFILE_COUNT; p++) {
    json_t *pw = json_object();
    if (!pw || json_object_set_new(w, sf_profile_name(p), pw)) goto fail;
    if (json_object_set_new(bias, sf_profile_name(p), json_real(cfg->bias[p]))) goto fail;
    for (int t = 0; t < SF_TERM_COUNT; t++)
      if (cfg->weight[p][t] != 0 && json_object_set_new(pw, term_names[t], json_real(cfg->weight[p][t])))
        goto fail;
  }
  json_object_set_new(root, "thresholds", th);
  json_object_set_new(root, "bias", bias);
  json_object_set_new(root, "weights", w);
  return root;
fail:
  json_decref(root);
  json_decref(th);
  json_decref(bias);
  json_decref(w);
  return NULL;
}
