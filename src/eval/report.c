/* Reports of an evaluation: a plain-text table for people, a JSON document for machines (NaN
 * metrics are null), and an SVG with the reliability diagram (accuracy against mean confidence
 * per bin, bar width by bin, point size by count, the diagonal of perfect calibration) beside
 * the confusion matrix (cells shaded by their share of the row, counts written in). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "smartflow/err.h"
#include "smartflow/eval.h"

static const char *row_name(int r) {
  if (r < SF_PROFILE_COUNT) return sf_profile_name(r);
  return r == SF_EVAL_ROW_ABSTAIN_EXPECTED ? "abstain-expected" : "noise";
}
static const char *col_name(int c) { return c < SF_PROFILE_COUNT ? sf_profile_name(c) : "abstained"; }

static const char *const short_names[SF_EVAL_ROWS] = {"inst_dir", "retail", "event",    "vol_sell",
                                                      "arb",      "hedge",  "abst-exp", "noise"};

static json_t *num(double x) { return isnan(x) ? json_null() : json_real(x); }

json_t *sf_eval_metrics_to_json(const struct sf_eval_metrics *m) {
  json_t *o = json_object();
  if (!o) return NULL;
  json_object_set_new(o, "events", json_integer((json_int_t)m->events));
  json_object_set_new(o, "labels", json_integer((json_int_t)m->labels));
  json_object_set_new(o, "labels_missed", json_integer((json_int_t)m->labels_missed));
  json_object_set_new(o, "noise_events", json_integer((json_int_t)m->noise_events));
  json_object_set_new(o, "skipped_records", json_integer((json_int_t)m->skipped_records));
  json_t *pp = json_object();
  for (int k = 0; k < SF_PROFILE_COUNT; k++) {
    json_t *p = json_object();
    json_object_set_new(p, "precision", num(m->precision[k]));
    json_object_set_new(p, "recall", num(m->recall[k]));
    json_object_set_new(p, "f1", num(m->f1[k]));
    json_object_set_new(p, "support", json_integer((json_int_t)m->support[k]));
    json_object_set_new(p, "predicted", json_integer((json_int_t)m->predicted[k]));
    json_object_set_new(p, "brier", num(m->brier_profile[k]));
    json_object_set_new(pp, sf_profile_name(k), p);
  }
  json_object_set_new(o, "per_profile", pp);
  json_object_set_new(o, "macro_f1", num(m->macro_f1));
  json_t *cm = json_object(), *rows = json_array(), *cols = json_array(), *mat = json_array();
  for (int r = 0; r < SF_EVAL_ROWS; r++) {
    json_array_append_new(rows, json_string(row_name(r)));
    json_t *line = json_array();
    for (int c = 0; c < SF_EVAL_COLS; c++)
      json_array_append_new(line, json_integer((json_int_t)m->confusion[r][c]));
    json_array_append_new(mat, line);
  }
  for (int c = 0; c < SF_EVAL_COLS; c++) json_array_append_new(cols, json_string(col_name(c)));
  json_object_set_new(cm, "rows", rows);
  json_object_set_new(cm, "cols", cols);
  json_object_set_new(cm, "matrix", mat);
  json_object_set_new(o, "confusion", cm);
  json_t *ab = json_object();
  json_object_set_new(ab, "overall", num(m->abstention_rate));
  json_object_set_new(ab, "expected", num(m->abstention_rate_expected));
  json_object_set_new(ab, "noise", num(m->abstention_rate_noise));
  json_object_set_new(o, "abstention_rate", ab);
  json_object_set_new(o, "brier", num(m->brier));
  json_object_set_new(o, "ece", num(m->ece));
  json_t *rel = json_array();
  for (int b = 0; b < SF_EVAL_BINS; b++) {
    const struct sf_eval_bucket *bk = &m->buckets[b];
    json_t *x = json_object();
    json_object_set_new(x, "lo", json_real(bk->lo));
    json_object_set_new(x, "hi", json_real(bk->hi));
    json_object_set_new(x, "n", json_integer((json_int_t)bk->n));
    json_object_set_new(x, "mean_confidence", num(bk->mean_confidence));
    json_object_set_new(x, "accuracy", num(bk->accuracy));
    json_array_append_new(rel, x);
  }
  json_object_set_new(o, "reliability", rel);
  json_t *hn = json_object();
  json_object_set_new(hn, "events", json_integer((json_int_t)m->hn_events));
  json_object_set_new(hn, "called_directional", json_integer((json_int_t)m->hn_directional));
  json_object_set_new(hn, "rate", num(m->hn_directional_rate));
  json_object_set_new(o, "hard_negatives_directional", hn);
  json_t *dir = json_object();
  json_object_set_new(dir, "events", json_integer((json_int_t)m->direction_events));
  json_object_set_new(dir, "correct", json_integer((json_int_t)m->direction_correct));
  json_object_set_new(dir, "accuracy", num(m->direction_accuracy));
  json_object_set_new(o, "direction", dir);
  json_t *ec = json_object();
  json_object_set_new(ec, "bullish_calls", json_integer((json_int_t)m->econ_events[0]));
  json_object_set_new(ec, "bearish_calls", json_integer((json_int_t)m->econ_events[1]));
  json_object_set_new(ec, "mean_signed_move_bps", num(m->econ_mean_signed_bps));
  json_object_set_new(ec, "mean_move_after_bullish_bps", num(m->econ_mean_bps[0]));
  json_object_set_new(ec, "mean_move_after_bearish_bps", num(m->econ_mean_bps[1]));
  json_object_set_new(o, "economic_sanity", ec);
  json_t *nz = json_object();
  json_object_set_new(nz, "hours", num(m->hours));
  json_object_set_new(nz, "alerts", json_integer((json_int_t)m->noise_alerts));
  json_object_set_new(nz, "alerts_per_hour", num(m->noise_alerts_per_hour));
  json_object_set_new(o, "noise", nz);
  return o;
}

static void pct(FILE *out, double x) {
  if (isnan(x))
    fprintf(out, "%8s", "-");
  else
    fprintf(out, "%7.1f%%", 100 * x);
}

void sf_eval_print(const struct sf_eval_metrics *m, FILE *out) {
  fprintf(out, "events %zu (noise %zu), labels %zu (missed %zu)\n\n", m->events, m->noise_events, m->labels,
          m->labels_missed);
  fprintf(out, "%-26s %9s %8s %8s %8s %9s %8s\n", "profile", "precision", "recall", "F1", "support",
          "predicted", "brier");
  for (int k = 0; k < SF_PROFILE_COUNT; k++) {
    fprintf(out, "%-26s  ", sf_profile_name(k));
    pct(out, m->precision[k]);
    fprintf(out, " ");
    pct(out, m->recall[k]);
    fprintf(out, " ");
    pct(out, m->f1[k]);
    fprintf(out, " %8llu %9llu ", (unsigned long long)m->support[k], (unsigned long long)m->predicted[k]);
    if (isnan(m->brier_profile[k]))
      fprintf(out, "%8s\n", "-");
    else
      fprintf(out, "%8.4f\n", m->brier_profile[k]);
  }
  fprintf(out, "macro-F1 ");
  pct(out, m->macro_f1);
  fprintf(out, "\n\nconfusion (rows: truth, columns: prediction)\n%-26s", "");
  for (int c = 0; c < SF_EVAL_COLS; c++)
    fprintf(out, " %9s", c < SF_PROFILE_COUNT ? short_names[c] : "abstained");
  fprintf(out, "\n");
  for (int r = 0; r < SF_EVAL_ROWS; r++) {
    fprintf(out, "%-26s", row_name(r));
    for (int c = 0; c < SF_EVAL_COLS; c++) fprintf(out, " %9llu", (unsigned long long)m->confusion[r][c]);
    fprintf(out, "\n");
  }
  fprintf(out, "\nabstention: overall ");
  pct(out, m->abstention_rate);
  fprintf(out, ", where expected ");
  pct(out, m->abstention_rate_expected);
  fprintf(out, ", on noise ");
  pct(out, m->abstention_rate_noise);
  fprintf(out, "\nBrier (multi-class) %.4f   ECE %.4f over %zu calls\n", m->brier, m->ece, m->ece_events);
  fprintf(out, "reliability:   bin        n  confidence  accuracy\n");
  for (int b = 0; b < SF_EVAL_BINS; b++) {
    const struct sf_eval_bucket *bk = &m->buckets[b];
    fprintf(out, "             %.1f-%.1f %6zu  ", bk->lo, bk->hi, bk->n);
    pct(out, bk->mean_confidence);
    fprintf(out, "  ");
    pct(out, bk->accuracy);
    fprintf(out, "\n");
  }
  fprintf(out, "hard negatives called directional: %zu of %zu (", m->hn_directional, m->hn_events);
  pct(out, m->hn_directional_rate);
  fprintf(out, ")\ndirection accuracy: %zu of %zu (", m->direction_correct, m->direction_events);
  pct(out, m->direction_accuracy);
  fprintf(out,
          ")\neconomic sanity: mean signed planted move %.1f bp (bullish calls %zu: %.1f bp, bearish %zu: "
          "%.1f bp)\n",
          m->econ_mean_signed_bps, m->econ_events[0], m->econ_mean_bps[0], m->econ_events[1],
          m->econ_mean_bps[1]);
  fprintf(out, "noise: %zu alerts over %.2f h = %.1f alerts/hour\n", m->noise_alerts, m->hours,
          m->noise_alerts_per_hour);
}

/* ---- SVG ---- */
int sf_eval_write_svg(const struct sf_eval_metrics *m, FILE *out) {
  const double W = 1100, H = 560;
  /* reliability panel */
  const double px = 70, py = 60, ps = 400;
  fprintf(
      out,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
      W, H, W, H);
  fprintf(out,
          "<text x=\"%.0f\" y=\"30\" font-size=\"16\" font-weight=\"bold\">Reliability (ECE %.3f, %zu "
          "calls)</text>\n",
          px, isnan(m->ece) ? 0.0 : m->ece, m->ece_events);
  fprintf(out,
          "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#f7f7f7\" stroke=\"#333\"/>\n",
          px, py, ps, ps);
  for (int i = 0; i <= 10; i++) {
    double v = i / 10.0, x = px + v * ps, y = py + ps - v * ps;
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, py, x,
            py + ps);
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", px, y, px + ps,
            y);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1f</text>\n", x, py + ps + 16, v);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", px - 6, y + 4, v);
  }
  fprintf(
      out,
      "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\" stroke-dasharray=\"5,4\"/>\n",
      px, py + ps, px + ps, py);
  size_t maxn = 1;
  for (int b = 0; b < SF_EVAL_BINS; b++)
    if (m->buckets[b].n > maxn) maxn = m->buckets[b].n;
  for (int b = 0; b < SF_EVAL_BINS; b++) {
    const struct sf_eval_bucket *bk = &m->buckets[b];
    if (!bk->n) continue;
    double x = px + bk->lo * ps + 2, w = ps / SF_EVAL_BINS - 4, h = bk->accuracy * ps;
    fprintf(
        out,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4c78a8\" fill-opacity=\"0.55\">"
        "<title>%.1f-%.1f: n=%zu, accuracy %.3f, confidence %.3f</title></rect>\n",
        x, py + ps - h, w, h, bk->lo, bk->hi, bk->n, bk->accuracy, bk->mean_confidence);
    double r = 3 + 7 * sqrt((double)bk->n / (double)maxn);
    fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#e45756\"/>\n",
            px + bk->mean_confidence * ps, py + ps - bk->accuracy * ps, r);
  }
  fprintf(
      out,
      "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">confidence (primary profile probability)</text>\n",
      px + ps / 2, py + ps + 36);
  fprintf(
      out,
      "<text x=\"20\" y=\"%.0f\" text-anchor=\"middle\" transform=\"rotate(-90 20 %.0f)\">accuracy</text>\n",
      py + ps / 2, py + ps / 2);
  fprintf(out,
          "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"#4c78a8\" fill-opacity=\"0.55\"/>"
          "<text x=\"%.0f\" y=\"%.0f\">accuracy per bin</text>"
          "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"5\" fill=\"#e45756\"/><text x=\"%.0f\" y=\"%.0f\">(mean "
          "confidence, "
          "accuracy), size ~ count</text>\n",
          px, py + ps + 50, px + 18, py + ps + 60, px + 136, py + ps + 56, px + 146, py + ps + 60);

  /* confusion panel */
  const double cx = 640, cy = 150, cw = 58, ch = 38;
  fprintf(
      out,
      "<text x=\"%.0f\" y=\"30\" font-size=\"16\" font-weight=\"bold\">Confusion (macro-F1 %.3f)</text>\n",
      cx - 110, isnan(m->macro_f1) ? 0.0 : m->macro_f1);
  fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">predicted</text>\n",
          cx + cw * SF_EVAL_COLS / 2, cy - 80);
  for (int c = 0; c < SF_EVAL_COLS; c++) {
    double x = cx + c * cw + cw / 2;
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" transform=\"rotate(-40 %.1f %.1f)\">%s</text>\n", x, cy - 8, x,
            cy - 8, c < SF_PROFILE_COUNT ? short_names[c] : "abstained");
  }
  fprintf(
      out,
      "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" transform=\"rotate(-90 %.0f %.0f)\">truth</text>\n",
      cx - 100, cy + ch * SF_EVAL_ROWS / 2, cx - 100, cy + ch * SF_EVAL_ROWS / 2);
  for (int r = 0; r < SF_EVAL_ROWS; r++) {
    uint64_t rs = 0;
    for (int c = 0; c < SF_EVAL_COLS; c++) rs += m->confusion[r][c];
    double y = cy + r * ch;
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", cx - 6, y + ch / 2 + 4,
            short_names[r]);
    for (int c = 0; c < SF_EVAL_COLS; c++) {
      double share = rs ? (double)m->confusion[r][c] / (double)rs : 0;
      int R = (int)(255 - share * (255 - 8)), G = (int)(255 - share * (255 - 81)),
          B = (int)(255 - share * (255 - 156));
      bool diag = r == c || (r == SF_EVAL_ROW_ABSTAIN_EXPECTED && c == SF_EVAL_COL_ABSTAINED);
      fprintf(
          out,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"rgb(%d,%d,%d)\" stroke=\"%s\" "
          "stroke-width=\"%s\"><title>%s -> %s: %llu (%.1f%% of row)</title></rect>\n",
          cx + c * cw, y, cw, ch, R, G, B, diag ? "#e45756" : "#999", diag ? "2" : "0.5", row_name(r),
          col_name(c), (unsigned long long)m->confusion[r][c], 100 * share);
      fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">%llu</text>\n",
              cx + c * cw + cw / 2, y + ch / 2 + 4, share > 0.55 ? "#fff" : "#111",
              (unsigned long long)m->confusion[r][c]);
    }
  }
  fprintf(
      out,
      "<text x=\"%.0f\" y=\"%.0f\">cells shaded by share of the row; red outline: the right answer</text>\n",
      cx - 100, cy + ch * SF_EVAL_ROWS + 28);
  fprintf(
      out,
      "<text x=\"%.0f\" y=\"%.0f\">abstention %.1f%% overall, %.1f%% where expected; noise alerts %.1f/hour; "
      "hard negatives called directional %.1f%%</text>\n",
      cx - 100, cy + ch * SF_EVAL_ROWS + 48, 100 * (isnan(m->abstention_rate) ? 0 : m->abstention_rate),
      100 * (isnan(m->abstention_rate_expected) ? 0 : m->abstention_rate_expected),
      isnan(m->noise_alerts_per_hour) ? 0 : m->noise_alerts_per_hour,
      100 * (isnan(m->hn_directional_rate) ? 0 : m->hn_directional_rate));
  fprintf(out, "</svg>\n");
  return ferror(out) ? SF_EIO : 0;
}
