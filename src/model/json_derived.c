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

static json_t *finish(struct sf_je *e) {
  if (e->bad) {
    json_decref(e->obj);
    return NULL;
  }
  return e->obj;
}

/* ---- features ---- */

json_t *sf_features_to_json(const struct sf_features *f) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  size_t n;
  const struct sf_field_desc *fd = sf_features_fields(&n);
  const unsigned char *base = (const unsigned char *)f;
  for (size_t i = 0; i < n; i++) {
    const unsigned char *p = base + fd[i].offset;
    switch (fd[i].kind) {
      case SF_FK_NUM:
      case SF_FK_INT: {
        double v;
        memcpy(&v, p, sizeof v);
        if (fd[i].kind == SF_FK_INT)
          sf_je_intnum(&e, fd[i].name, v);
        else
          sf_je_num(&e, fd[i].name, v);
        break;
      }
      case SF_FK_TS: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        sf_je_ms(&e, fd[i].name, v);
        break;
      }
      case SF_FK_STR:
        sf_je_str_null(&e, fd[i].name, (const char *)p);
        break;
      case SF_FK_TRIBOOL: {
        int8_t v;
        memcpy(&v, p, sizeof v);
        sf_je_tribool(&e, fd[i].name, v);
        break;
      }
      default:
        break;
    }
  }
  return finish(&e);
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

json_t *sf_profile_score_to_json(const struct sf_profile_score *s) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  const char *profile = sf_profile_name(s->profile);
  const char *band = sf_band_name(s->band);
  const char *dir = sf_direction_name(s->direction);
  sf_je_set(&e, "profile_id", profile ? json_string(profile) : json_null());
  sf_je_num(&e, "probability", s->probability);
  sf_je_set(&e, "confidence_band", band ? json_string(band) : json_null());
  sf_je_set(&e, "direction", dir ? json_string(dir) : json_null());
  sf_je_strvec(&e, "reasons", &s->reasons);
  return finish(&e);
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
  if (!rc) rc = sf_jd_enum(&d, "confidence_band", SF_JD_REQ, sf_band_from_name, BAND_DESC, &v);
  if (!rc) s->band = (uint8_t)v;
  if (!rc) rc = sf_jd_enum(&d, "direction", SF_JD_REQ, sf_direction_from_name, DIR_DESC, &v);
  if (!rc) s->direction = (uint8_t)v;
  if (!rc) rc = sf_jd_strvec(&d, "reasons", SF_JD_REQ, &s->reasons);
  if (rc) sf_profile_score_fini(s);
  return rc;
}

static json_t *scores_to_json(const struct sf_profile_score *s, size_t n) {
  json_t *a = json_array();
  if (!a) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (json_array_append_new(a, sf_profile_score_to_json(&s[i]))) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
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

json_t *sf_smart_money_to_json(const struct sf_smart_money_event *ev) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  const char *kind = sf_event_kind_name(ev->event_kind);
  const char *primary = sf_profile_name(ev->primary_profile);
  const char *dir = sf_direction_name(ev->primary_direction);
  sf_je_meta(&e, &ev->meta);
  sf_je_str(&e, "event_id", ev->event_id);
  sf_je_strvec(&e, "packet_ids", &ev->packet_ids);
  sf_je_strvec(&e, "member_print_ids", &ev->member_print_ids);
  sf_je_str(&e, "underlying_id", ev->underlying_id);
  sf_je_set(&e, "event_kind", kind ? json_string(kind) : json_null());
  sf_je_int(&e, "event_window_ms", ev->event_window_ms);
  sf_je_set(&e, "features", sf_features_to_json(&ev->features));
  sf_je_set(&e, "profile_scores", scores_to_json(ev->scores, SF_PROFILE_COUNT));
  sf_je_set(&e, "primary_profile_id", primary ? json_string(primary) : json_null());
  sf_je_set(&e, "primary_direction", dir ? json_string(dir) : json_null());
  sf_je_set(&e, "abstained", json_boolean(ev->abstained));
  sf_je_strvec(&e, "suppressed_reasons", &ev->suppressed_reasons);
  return finish(&e);
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

json_t *sf_classifier_hit_to_json(const struct sf_classifier_hit *h) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  const char *dir = sf_direction_name(h->direction);
  sf_je_meta(&e, &h->meta);
  sf_je_str(&e, "classifier_id", h->classifier_id);
  sf_je_num(&e, "confidence", h->confidence);
  sf_je_set(&e, "direction", dir ? json_string(dir) : json_null());
  sf_je_strvec(&e, "explanations", &h->explanations);
  return finish(&e);
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

json_t *sf_alert_to_json(const struct sf_alert *a) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  const char *sev = sf_severity_name(a->severity);
  sf_je_meta(&e, &a->meta);
  sf_je_num(&e, "score", a->score);
  sf_je_set(&e, "severity", sev ? json_string(sev) : json_null());
  json_t *hits = json_array();
  if (hits)
    for (size_t i = 0; i < a->hit_count; i++)
      if (json_array_append_new(hits, sf_classifier_hit_to_json(&a->hits[i]))) e.bad = 1;
  sf_je_set(&e, "hits", hits);
  sf_je_strvec(&e, "evidence_refs", &a->evidence_refs);
  const char *primary = sf_profile_name(a->primary_profile);
  if (primary) sf_je_str(&e, "primary_profile_id", primary);
  if (a->profile_scores)
    sf_je_set(&e, "profile_scores", scores_to_json(a->profile_scores, a->profile_score_count));
  return finish(&e);
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

json_t *sf_flow_packet_to_json(const struct sf_flow_packet *p) {
  struct sf_je e = {json_object(), 0};
  if (!e.obj) return NULL;
  sf_je_meta(&e, &p->meta);
  sf_je_str(&e, "id", p->id);
  sf_je_strvec(&e, "members", &p->members);
  sf_je_set(&e, "features", p->features ? json_deep_copy(p->features) : json_object());
  sf_je_set(&e, "join_quality", p->join_quality ? json_deep_copy(p->join_quality) : json_object());
  return finish(&e);
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
