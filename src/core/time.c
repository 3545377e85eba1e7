/* Civil-date arithmetic (Howard Hinnant's days_from_civil / civil_from_days algorithms) and
 * the US Eastern daylight-saving rules, so that expiry instants and session times never depend
 * on the host's time zone database. */
#include "smartflow/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartflow/err.h"

int64_t sf_days_from_civil(int y, int m, int d) {
  int64_t yy = (int64_t)y - (m <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t mp = (m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void sf_civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t dd = doy - (153 * mp + 2) / 5 + 1;
  int64_t mm = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (mm <= 2));
  *m = (int)mm;
  *d = (int)dd;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool sf_date_valid(int y, int m, int d) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int lim = mdays[m - 1] + (m == 2 && is_leap(y));
  return d <= lim;
}

int sf_weekday_from_days(int64_t days) {
  /* 1970-01-01 was a Thursday (4). */
  int64_t w = (days + 4) % 7;
  return (int)(w < 0 ? w + 7 : w);
}

/* Day number of the n-th (1-based) Sunday of a month, or the last one when n == 0. */
static int64_t nth_sunday(int y, int m, int n) {
  if (n == 0) {
    int nm = m == 12 ? 1 : m + 1, ny = m == 12 ? y + 1 : y;
    int64_t last = sf_days_from_civil(ny, nm, 1) - 1;
    return last - sf_weekday_from_days(last);
  }
  int64_t first = sf_days_from_civil(y, m, 1);
  int wd = sf_weekday_from_days(first);
  return first + (7 - wd) % 7 + 7 * (n - 1);
}

/* DST start and end dates (day numbers) of a year; the switch happens at 02:00 local. */
static void dst_bounds(int y, int64_t *start, int64_t *end) {
  if (y >= 2007) {
    *start = nth_sunday(y, 3, 2);
    *end = nth_sunday(y, 11, 1);
  } else {
    *start = nth_sunday(y, 4, 1);
    *end = nth_sunday(y, 10, 0);
  }
}

bool sf_ny_date_is_dst(int y, int m, int d) {
  int64_t day = sf_days_from_civil(y, m, d), s, e;
  dst_bounds(y, &s, &e);
  return day >= s && day < e;
}

int64_t sf_ny_local_to_utc_ns(int y, int m, int d, int hour, int min, int sec) {
  int64_t day = sf_days_from_civil(y, m, d), s, e;
  dst_bounds(y, &s, &e);
  bool dst;
  if (day == s)
    dst = hour >= 2;
  else if (day == e)
    dst = hour < 2;
  else
    dst = day > s && day < e;
  int64_t local_s = day * 86400 + hour * 3600 + min * 60 + sec;
  int64_t off = dst ? 4 * 3600 : 5 * 3600;
  return (local_s + off) * SF_NS_PER_S;
}

int64_t sf_expiry_ns(int y, int m, int d) { return sf_ny_local_to_utc_ns(y, m, d, 16, 0, 0); }

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

int sf_ny_utc_offset_s(int64_t utc_ns) {
  int64_t utc_s = floor_div(utc_ns, SF_NS_PER_S);
  int y, m, d;
  sf_civil_from_days(floor_div(utc_s, 86400), &y, &m, &d);
  int64_t s, e;
  dst_bounds(y, &s, &e);
  /* DST starts at 02:00 EST = 07:00 UTC, ends at 02:00 EDT = 06:00 UTC. */
  int64_t start_utc = s * 86400 + 7 * 3600, end_utc = e * 86400 + 6 * 3600;
  return (utc_s >= start_utc && utc_s < end_utc) ? -4 * 3600 : -5 * 3600;
}

void sf_ny_local(int64_t utc_ns, int *y, int *m, int *d, int *hour, int *min, int *sec) {
  int64_t local_s = floor_div(utc_ns, SF_NS_PER_S) + sf_ny_utc_offset_s(utc_ns);
  int64_t days = floor_div(local_s, 86400), rem = local_s - days * 86400;
  sf_civil_from_days(days, y, m, d);
  *hour = (int)(rem / 3600);
  *min = (int)(rem % 3600 / 60);
  *sec = (int)(rem % 60);
}

char *sf_time_format_utc(int64_t ns, char *buf, size_t cap) {
  int64_t s = floor_div(ns, SF_NS_PER_S), ms = (ns - s * SF_NS_PER_S) / SF_NS_PER_MS;
  int64_t days = floor_div(s, 86400), rem = s - days * 86400;
  int y, m, d;
  sf_civil_from_days(days, &y, &m, &d);
  snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, (int)(rem / 3600),
           (int)(rem % 3600 / 60), (int)(rem % 60), (int)ms);
  return buf;
}

static int parse_digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return SF_EPARSE;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

int sf_time_parse(const char *s, int64_t *out_ns) {
  size_t len = strlen(s);
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (len >= 10 && s[4] == '-' && s[7] == '-') {
    if (parse_digits(s, 4, &y) || parse_digits(s + 5, 2, &mo) || parse_digits(s + 8, 2, &d)) return SF_EPARSE;
    if (!sf_date_valid(y, mo, d)) return SF_EPARSE;
    int64_t frac_ns = 0;
    if (len > 10) {
      if ((s[10] != 'T' && s[10] != ' ') || len < 20 || s[13] != ':' || s[16] != ':') return SF_EPARSE;
      if (parse_digits(s + 11, 2, &h) || parse_digits(s + 14, 2, &mi) || parse_digits(s + 17, 2, &se))
        return SF_EPARSE;
      if (h > 23 || mi > 59 || se > 60) return SF_EPARSE;
      size_t i = 19;
      if (i < len && s[i] == '.') {
        int64_t scale = SF_NS_PER_S / 10;
        i++;
        if (i >= len || s[i] < '0' || s[i] > '9') return SF_EPARSE;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
          frac_ns += (s[i] - '0') * scale;
          scale /= 10;
          i++;
        }
      }
      if (i != len - 1 || s[i] != 'Z') return SF_EPARSE;
    }
    *out_ns = (sf_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * SF_NS_PER_S + frac_ns;
    return 0;
  }
  char *end = NULL;
  if (len == 0) return SF_EPARSE;
  long long ms = strtoll(s, &end, 10);
  if (*end != '\0') return SF_EPARSE;
  if (ms > INT64_MAX / SF_NS_PER_MS || ms < INT64_MIN / SF_NS_PER_MS) return SF_ERANGE;
  *out_ns = (int64_t)ms * SF_NS_PER_MS;
  return 0;
}

int64_t sf_time_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * SF_NS_PER_S + ts.tv_nsec;
}

int64_t sf_time_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * SF_NS_PER_S + ts.tv_nsec;
}
