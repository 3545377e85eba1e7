/* JSON codecs of the derived records (CONTRACTS.md "Derived records"): FlowPacket (free-form
 * features and join quality, deep-copied), SmartMoneyEvent (features through the field table,
 * exactly six profile scores, each profile once), ClassifierHitEvent and AlertEvent (which
 * embeds hits with their own meta and, optionally, profile scores). Encoders write keys in one
 * fixed order; decoders name the failing field with its full path, array index included
 * ("smart-money.profile_scores[3].probability: must be a number in [0, 1]"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/json_util.h"
#include "smartflow/err.h"

#define DIR_DESC "one of unknown, bullish, bearish, neutral, mixed"
#define BAND_DESC "one of low, medium, high"
#define PROFILE_DESC \
  "one of institutional_directional, retail_whale, event_driven, vol_seller, arbitrage, hedge_reactive"

/* ---- features ---- */

/* The features object, through the field table shared with the decoder and the store. */
static void features_encode(const struct sf_features *f, struct sf_jw *w) {
  size_t n;
  const struct sf_field_desc *fd = sf_features_fields(&n);
  const unsigned char *base = (const unsigned char *)f;
  sf_jw_obj_begin(w);
  for (size_t i = 0; i < n; i++) {
    const unsigned char *p = base + fd[i].offset;
    sf_jw_key_lit(w, fd[i].name, strlen(fd[i].name));
    switch (fd[i].kind) {
      case SF_FK_NUM:
      case SF_FK_INT: {
        double v;
        memcpy(&v, p, sizeof v);
        if (fd[i].kind == SF_FK_INT)
          sf_je_intnum(w, v);
        else
          sf_je_num(w, v);
        break;
      }
      case SF_FK_TS: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        sf_je_ms(w, v);
        break;
      }
      case SF_FK_STR:
        sf_je_str_null(w, (const char *)p);
        break;
      case SF_FK_TRIBOOL: {
        int8_t v;
        memcpy(&v, p, sizeof v);
        sf_je_tribool(w, v);
        break;
      }
      default:
        w->err = SF_EINVAL;
        break;
    }
  }
  sf_jw_obj_end(w);
}

/* A jansson tree for callers of the per-piece API: the writer's text, parsed. */
static json_t *parsed(struct sf_jw *w) {
  size_t len;
  const char *s = sf_jw_cstr(w, &len);
  json_t *j = s ? json_loadb(s, len, 0, NULL) : NULL;
  sf_jw_fini(w);
  return j;
}

json_t *sf_features_to_json(const struct sf_features *f) {
  struct sf_jw w;
  sf_jw_init(&w);
  features_encode(f, &w);
  return parsed(&w);
}

static int option_type_letter(const char *s) { return (strcmp(s, "C") == 0 || strcmp(s, "P") == 0) ? 0 : -1; }

int sf_features_from_json(const json_t *j, struct sf_features *f, const char *path, struct sf_errbuf *err) {
  struct sf_jd d = {j, path, err, NULL};
  sf_features_init_null(f);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "must be an object");
  size_t n;
  const struct sf_field_desc *fd = sf_features_fields(&n);
  unsigned char *base = (unsigned char *)f;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    unsigned char *p = base + fd[i].offset;
    const char *name = fd[i].name;
    switch (fd[i].kind) {
      case SF_FK_NUM:
      case SF_FK_INT: {
        double v;
        if (strcmp(name, "net_directional_bias") == 0)
          rc = sf_jd_num(&d, name, SF_JD_NULL, -1, 1, "a number in [-1, 1] or null", &v);
        else
          rc = sf_jd_num(&d, name, SF_JD_NULL, -HUGE_VAL, HUGE_VAL, "a number or null", &v);
        if (!rc) memcpy(p, &v, sizeof v);
        break;
      }
      case SF_FK_TS: {
        int64_t v;
        rc = sf_jd_ms(&d, name, SF_JD_NULL, &v);
        if (!rc) memcpy(p, &v, sizeof v);
        break;
      }
      case SF_FK_STR:
        if (strcmp(name, "option_contract_id") == 0) {
          rc = sf_jd_contract(&d, name, SF_JD_NULL, (char *)p, fd[i].size);
        } else {
          rc = sf_jd_str(&d, name, SF_JD_NULL, (char *)p, fd[i].size);
          if (!rc && strcmp(name, "option_type") == 0 && p[0] && option_type_letter((const char *)p) < 0)
            rc = sf_jd_fail(&d, name, "must be \"C\", \"P\" or null");
        }
        break;
      case SF_FK_TRIBOOL: {
        int8_t v;
        rc = sf_jd_tribool(&d, name, SF_JD_NULL, &v);
        if (!rc) memcpy(p, &v, sizeof v);
        break;
      }
      default:
        break;
    }
  }
  if (rc) sf_features_init_null(f);
  return rc;
}

/* ---- profile scores ---- */

static void score_encode(const struct sf_profile_score *s, struct sf_jw *w) {
  sf_jw_obj_begin(w);
  SF_JW_KEY(w, "profile_id");
  sf_je_name(w, sf_profile_name(s->profile));
  SF_JW_KEY(w, "probability");
  sf_je_num(w, s->probability);
  if (!isnan(s->raw_score)) {
    SF_JW_KEY(w, "raw_score");
    sf_je_num(w, s->raw_score);
  }
  SF_JW_KEY(w, "confidence_band");
  sf_je_name(w, sf_band_name(s->band));
  SF_JW_KEY(w, "direction");
  sf_je_name(w, sf_direction_name(s->direction));
  SF_JW_KEY(w, "reasons");
  sf_je_strvec(w, &s->reasons);
  sf_jw_obj_end(w);
}

json_t *sf_profile_score_to_json(const struct sf_profile_score *s) {
  struct sf_jw w;
  sf_jw_init(&w);
  score_encode(s, &w);
  return parsed(&w);
}

int sf_profile_score_from_json(const json_t *j, struct sf_profile_score *s, const char *path,
                               struct sf_errbuf *err) {
  struct sf_jd d = {j, path, err, NULL};
  memset(s, 0, sizeof *s);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "must be an object");
  int v = 0;
  int rc = sf_jd_enum(&d, "profile_id", SF_JD_REQ, sf_profile_from_name, PROFILE_DESC, &v);
  s->profile = (uint8_t)v;
  if (!rc) rc = sf_jd_num(&d, "probability", SF_JD_REQ, 0, 1, "a number in [0, 1]", &s->probability);
  s->raw_score = SF_NULL;
  if (!rc) rc = sf_jd_num(&d, "raw_score", SF_JD_NULL, 0, 1, "a number in [0, 1] or null", &s->raw_score);
  if (!rc) rc = sf_jd_enum(&d, "confidence_band", SF_JD_REQ, sf_band_from_name, BAND_DESC, &v);
  if (!rc) s->band = (uint8_t)v;
  if (!rc) rc = sf_jd_enum(&d, "direction", SF_JD_REQ, sf_direction_from_name, DIR_DESC, &v);
  if (!rc) s->direction = (uint8_t)v;
  if (!rc) rc = sf_jd_strvec(&d, "reasons", SF_JD_REQ, &s->reasons);
  if (rc) sf_profile_score_fini(s);
  return rc;
}

static void scores_encode(const struct sf_profile_score *s, size_t n, struct sf_jw *w) {
  sf_jw_arr_begin(w);
  for (size_t i = 0; i < n; i++) score_encode(&s[i], w);
  sf_jw_arr_end(w);
}

/* Decodes an array of at most six scores with no profile twice into out (cap SF_PROFILE_COUNT);
 * when exact, all six must be there. On error the scores decoded so far are freed. */
static int scores_from_json(const struct sf_jd *d, const char *key, const json_t *a,
                            struct sf_profile_score *out, size_t *count, int exact) {
  *count = 0;
  if (!json_is_array(a)) return sf_jd_fail(d, key, "must be an array of profile scores");
  size_t n = json_array_size(a);
  if (exact ? n != SF_PROFILE_COUNT : n > SF_PROFILE_COUNT)
    return sf_jd_fail(d, key, "must have %s six entries, one per profile (got %zu)",
                      exact ? "exactly" : "at most", n);
  unsigned seen = 0;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    char path[96];
    snprintf(path, sizeof path, "%s.%s[%zu]", d->path, key, i);
    rc = sf_profile_score_from_json(json_array_get(a, i), &out[i], path, d->err);
    if (rc) break;
    *count = i + 1;
    if (seen & (1u << out[i].profile)) {
      struct sf_jd e = {NULL, path, d->err, NULL};
      rc = sf_jd_fail(&e, "profile_id", "profile %s appears more than once", sf_profile_name(out[i].profile));
    }
    seen |= 1u << out[i].profile;
  }
  if (rc) {
    for (size_t i = 0; i < *count; i++) sf_profile_score_fini(&out[i]);
    *count = 0;
  }
  return rc;
}

/* ---- smart money ---- */

int sf_smart_money_encode(const struct sf_smart_money_event *ev, struct sf_jw *w) {
  sf_jw_obj_begin(w);
  sf_je_meta(w, &ev->meta);
  SF_JW_KEY(w, "event_id");
  sf_jw_str(w, ev->event_id);
  SF_JW_KEY(w, "packet_ids");
  sf_je_strvec(w, &ev->packet_ids);
  SF_JW_KEY(w, "member_print_ids");
  sf_je_strvec(w, &ev->member_print_ids);
  SF_JW_KEY(w, "underlying_id");
  sf_jw_str(w, ev->underlying_id);
  SF_JW_KEY(w, "event_kind");
  sf_je_name(w, sf_event_kind_name(ev->event_kind));
  SF_JW_KEY(w, "event_window_ms");
  sf_jw_int(w, ev->event_window_ms);
  SF_JW_KEY(w, "features");
  features_encode(&ev->features, w);
  SF_JW_KEY(w, "profile_scores");
  scores_encode(ev->scores, SF_PROFILE_COUNT, w);
  SF_JW_KEY(w, "primary_profile_id");
  sf_je_name(w, sf_profile_name(ev->primary_profile));
  SF_JW_KEY(w, "primary_direction");
  sf_je_name(w, sf_direction_name(ev->primary_direction));
  SF_JW_KEY(w, "abstained");
  sf_jw_bool(w, ev->abstained);
  SF_JW_KEY(w, "suppressed_reasons");
  sf_je_strvec(w, &ev->suppressed_reasons);
  sf_jw_obj_end(w);
  return sf_jw_status(w);
}

int sf_smart_money_from_json(const json_t *j, struct sf_smart_money_event *ev, struct sf_errbuf *err) {
  struct sf_jd d = {j, "smart-money", err, NULL};
  sf_smart_money_event_init(ev);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "payload must be an object");
  int v = 0, rc = sf_jd_meta(&d, &ev->meta);
  if (!rc) rc = sf_jd_str(&d, "event_id", SF_JD_REQ | SF_JD_NONEMPTY, ev->event_id, sizeof ev->event_id);
  if (!rc) rc = sf_jd_strvec(&d, "packet_ids", SF_JD_REQ, &ev->packet_ids);
  if (!rc) rc = sf_jd_strvec(&d, "member_print_ids", SF_JD_REQ, &ev->member_print_ids);
  if (!rc)
    rc = sf_jd_str(&d, "underlying_id", SF_JD_REQ | SF_JD_NONEMPTY, ev->underlying_id,
                   sizeof ev->underlying_id);
  if (!rc)
    rc = sf_jd_enum(&d, "event_kind", SF_JD_REQ, sf_event_kind_from_name,
                    "single_leg_event or multi_leg_event", &v);
  if (!rc) ev->event_kind = (uint8_t)v;
  if (!rc)
    rc = sf_jd_int(&d, "event_window_ms", SF_JD_REQ, 0, INT64_MAX, "an integer >= 0", &ev->event_window_ms);
  if (!rc) {
    const json_t *fj = json_object_get(j, "features");
    if (!fj)
      rc = sf_jd_fail(&d, "features", "missing (must be an object)");
    else
      rc = sf_features_from_json(fj, &ev->features, "smart-money.features", err);
  }
  if (!rc) {
    const json_t *sj = json_object_get(j, "profile_scores");
    size_t count = 0;
    if (!sj) {
      rc = sf_jd_fail(&d, "profile_scores", "missing (must be an array of six profile scores)");
    } else {
      for (int i = 0; i < SF_PROFILE_COUNT; i++) sf_profile_score_fini(&ev->scores[i]);
      rc = scores_from_json(&d, "profile_scores", sj, ev->scores, &count, 1);
    }
  }
  if (!rc)
    rc = sf_jd_enum(&d, "primary_profile_id", SF_JD_REQ | SF_JD_NULL, sf_profile_from_name,
                    PROFILE_DESC ", or null", &ev->primary_profile);
  if (!rc) rc = sf_jd_enum(&d, "primary_direction", SF_JD_REQ, sf_direction_from_name, DIR_DESC, &v);
  if (!rc) ev->primary_direction = (uint8_t)v;
  int8_t abst = 0;
  if (!rc) rc = sf_jd_tribool(&d, "abstained", SF_JD_REQ, &abst);
  ev->abstained = abst == 1;
  if (!rc) rc = sf_jd_strvec(&d, "suppressed_reasons", SF_JD_NULL, &ev->suppressed_reasons);
  if (rc) {
    sf_smart_money_event_fini(ev);
    sf_smart_money_event_init(ev);
  }
  return rc;
}

/* ---- classifier hit ---- */

int sf_classifier_hit_encode(const struct sf_classifier_hit *h, struct sf_jw *w) {
  sf_jw_obj_begin(w);
  sf_je_meta(w, &h->meta);
  SF_JW_KEY(w, "classifier_id");
  sf_jw_str(w, h->classifier_id);
  SF_JW_KEY(w, "confidence");
  sf_je_num(w, h->confidence);
  SF_JW_KEY(w, "direction");
  sf_je_name(w, sf_direction_name(h->direction));
  SF_JW_KEY(w, "explanations");
  sf_je_strvec(w, &h->explanations);
  sf_jw_obj_end(w);
  return sf_jw_status(w);
}

int sf_classifier_hit_from_json(const json_t *j, struct sf_classifier_hit *h, const char *path,
                                struct sf_errbuf *err) {
  struct sf_jd d = {j, path, err, NULL};
  sf_classifier_hit_init(h);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "must be an object");
  int v = 0, rc = sf_jd_meta(&d, &h->meta);
  if (!rc)
    rc =
        sf_jd_str(&d, "classifier_id", SF_JD_REQ | SF_JD_NONEMPTY, h->classifier_id, sizeof h->classifier_id);
  if (!rc) rc = sf_jd_num(&d, "confidence", SF_JD_REQ, 0, 1, "a number in [0, 1]", &h->confidence);
  if (!rc) rc = sf_jd_enum(&d, "direction", SF_JD_REQ, sf_direction_from_name, DIR_DESC, &v);
  if (!rc) h->direction = (uint8_t)v;
  if (!rc) rc = sf_jd_strvec(&d, "explanations", SF_JD_REQ, &h->explanations);
  if (rc) {
    sf_classifier_hit_fini(h);
    sf_classifier_hit_init(h);
  }
  return rc;
}

/* ---- alert ---- */

int sf_alert_encode(const struct sf_alert *a, struct sf_jw *w) {
  sf_jw_obj_begin(w);
  sf_je_meta(w, &a->meta);
  SF_JW_KEY(w, "score");
  sf_je_num(w, a->score);
  SF_JW_KEY(w, "severity");
  sf_je_name(w, sf_severity_name(a->severity));
  SF_JW_KEY(w, "hits");
  sf_jw_arr_begin(w);
  for (size_t i = 0; i < a->hit_count; i++) sf_classifier_hit_encode(&a->hits[i], w);
  sf_jw_arr_end(w);
  SF_JW_KEY(w, "evidence_refs");
  sf_je_strvec(w, &a->evidence_refs);
  const char *primary = sf_profile_name(a->primary_profile);
  if (primary) {
    SF_JW_KEY(w, "primary_profile_id");
    sf_jw_str(w, primary);
  }
  if (a->profile_scores) {
    SF_JW_KEY(w, "profile_scores");
    scores_encode(a->profile_scores, a->profile_score_count, w);
  }
  sf_jw_obj_end(w);
  return sf_jw_status(w);
}

int sf_alert_from_json(const json_t *j, struct sf_alert *a, struct sf_errbuf *err) {
  struct sf_jd d = {j, "alert", err, NULL};
  sf_alert_init(a);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "payload must be an object");
  int v = 0, rc = sf_jd_meta(&d, &a->meta);
  if (!rc) rc = sf_jd_num(&d, "score", SF_JD_REQ, 0, 100, "a number in [0, 100]", &a->score);
  if (!rc) rc = sf_jd_enum(&d, "severity", SF_JD_REQ, sf_severity_from_name, BAND_DESC, &v);
  if (!rc) a->severity = (uint8_t)v;
  if (!rc) {
    const json_t *hj = json_object_get(j, "hits");
    if (!hj) {
      rc = sf_jd_fail(&d, "hits", "missing (must be an array of classifier hits)");
    } else if (!json_is_array(hj)) {
      rc = sf_jd_fail(&d, "hits", "must be an array of classifier hits");
    } else if (json_array_size(hj) > 0) {
      a->hits = calloc(json_array_size(hj), sizeof *a->hits);
      if (!a->hits) rc = SF_ENOMEM;
      for (size_t i = 0; !rc && i < json_array_size(hj); i++) {
        char path[48];
        snprintf(path, sizeof path, "alert.hits[%zu]", i);
        rc = sf_classifier_hit_from_json(json_array_get(hj, i), &a->hits[i], path, err);
        if (!rc) a->hit_count = i + 1;
      }
    }
  }
  if (!rc) rc = sf_jd_strvec(&d, "evidence_refs", SF_JD_REQ, &a->evidence_refs);
  if (!rc)
    rc = sf_jd_enum(&d, "primary_profile_id", SF_JD_NULL, sf_profile_from_name, PROFILE_DESC ", or null",
                    &a->primary_profile);
  if (!rc) {
    const json_t *sj = json_object_get(j, "profile_scores");
    if (sj && !json_is_null(sj)) {
      a->profile_scores = calloc(SF_PROFILE_COUNT, sizeof *a->profile_scores);
      if (!a->profile_scores)
        rc = SF_ENOMEM;
      else
        rc = scores_from_json(&d, "profile_scores", sj, a->profile_scores, &a->profile_score_count, 0);
    }
  }
  if (rc) {
    sf_alert_fini(a);
    sf_alert_init(a);
  }
  return rc;
}

/* ---- flow packet ---- */

/* Checks that every value of a free-form object is a scalar (numbers_only: a number) or null. */
static int check_scalars(const struct sf_jd *d, const char *key, const json_t *o, int numbers_only) {
  if (!json_is_object(o)) return sf_jd_fail(d, key, "must be an object");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)(uintptr_t)o, k, v) {
    int ok =
        json_is_null(v) || json_is_number(v) || (!numbers_only && (json_is_string(v) || json_is_boolean(v)));
    if (ok && json_is_real(v) && !isfinite(json_real_value(v))) ok = 0;
    if (!ok) {
      char q[40];
      size_t len = strlen(k), n = len < 32 ? len : 32;
      for (size_t i = 0; i < n; i++) q[i] = (char)((unsigned char)k[i] < 0x20 ? '?' : k[i]);
      q[n] = '\0';
      return sf_jd_fail(d, key, "value of \"%s%s\" must be %s", q, len > n ? "..." : "",
                        numbers_only ? "a number or null" : "a string, number, boolean or null");
    }
  }
  return 0;
}

int sf_flow_packet_encode(const struct sf_flow_packet *p, struct sf_jw *w) {
  sf_jw_obj_begin(w);
  sf_je_meta(w, &p->meta);
  SF_JW_KEY(w, "id");
  sf_jw_str(w, p->id);
  SF_JW_KEY(w, "members");
  sf_je_strvec(w, &p->members);
  SF_JW_KEY(w, "features");
  if (p->features)
    sf_jw_jansson(w, p->features);
  else
    sf_jw_raw(w, "{}", 2);
  SF_JW_KEY(w, "join_quality");
  if (p->join_quality)
    sf_jw_jansson(w, p->join_quality);
  else
    sf_jw_raw(w, "{}", 2);
  sf_jw_obj_end(w);
  return sf_jw_status(w);
}

int sf_flow_packet_from_json(const json_t *j, struct sf_flow_packet *p, struct sf_errbuf *err) {
  struct sf_jd d = {j, "flow-packet", err, NULL};
  sf_flow_packet_init(p);
  if (!json_is_object(j)) return sf_jd_fail(&d, NULL, "payload must be an object");
  int rc = sf_jd_meta(&d, &p->meta);
  if (!rc) rc = sf_jd_str(&d, "id", SF_JD_REQ | SF_JD_NONEMPTY, p->id, sizeof p->id);
  if (!rc) rc = sf_jd_strvec(&d, "members", SF_JD_REQ, &p->members);
  const json_t *fj = json_object_get(j, "features"), *qj = json_object_get(j, "join_quality");
  if (!rc && !fj) rc = sf_jd_fail(&d, "features", "missing (must be an object)");
  if (!rc) rc = check_scalars(&d, "features", fj, 0);
  if (!rc && !qj) rc = sf_jd_fail(&d, "join_quality", "missing (must be an object of numbers)");
  if (!rc) rc = check_scalars(&d, "join_quality", qj, 1);
  if (!rc && !(p->features = json_deep_copy(fj))) rc = SF_ENOMEM;
  if (!rc && !(p->join_quality = json_deep_copy(qj))) rc = SF_ENOMEM;
  if (rc) {
    sf_flow_packet_fini(p);
    sf_flow_packet_init(p);
  }
  return rc;
}
