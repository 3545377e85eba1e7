/* Time helpers. smartflow keeps event time as int64 nanoseconds since the Unix epoch (UTC);
 * the wire carries integer milliseconds, rounded down (floor, also before 1970). Option expiry
 * is 16:00 America/New_York on the expiry date, with US daylight-saving rules (since 2007:
 * second Sunday of March to first Sunday of November; 1987-2006: first Sunday of April to last
 * Sunday of October). No time zone database is consulted, so results never depend on the
 * machine. */
#ifndef SMARTFLOW_TIME_H
#define SMARTFLOW_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define SF_NS_PER_US INT64_C(1000)
#define SF_NS_PER_MS INT64_C(1000000)
#define SF_NS_PER_S INT64_C(1000000000)
#define SF_NS_PER_DAY (INT64_C(86400) * SF_NS_PER_S)
/* A timestamp that is not known. */
#define SF_TS_NULL INT64_MIN

/* Days since 1970-01-01 of a proleptic Gregorian date (no validation). */
int64_t sf_days_from_civil(int y, int m, int d);
/* The date of a day number. */
void sf_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 1 if y-m-d is a real calendar date (1 <= m <= 12, day within the month, leap years). */
bool sf_date_valid(int y, int m, int d);
/* 0 = Sunday .. 6 = Saturday. */
int sf_weekday_from_days(int64_t days);

/* True when 12:00 local on that New York date is in daylight-saving time. */
bool sf_ny_date_is_dst(int y, int m, int d);
/* UTC offset of New York (seconds, -18000 or -14400) in force at a UTC instant. */
int sf_ny_utc_offset_s(int64_t utc_ns);
/* UTC ns of a New York wall-clock time on a date (hour 0..23; no instant is skipped at
 * 16:00, and the ambiguous 01:00-02:00 hour in November resolves to daylight time). */
int64_t sf_ny_local_to_utc_ns(int y, int m, int d, int hour, int min, int sec);
/* The option expiry instant: 16:00 New York on y-m-d, as UTC ns. */
int64_t sf_expiry_ns(int y, int m, int d);
/* New York wall-clock fields of a UTC instant. */
void sf_ny_local(int64_t utc_ns, int *y, int *m, int *d, int *hour, int *min, int *sec);

/* ns -> ms, rounding toward negative infinity. Defined for every int64_t (C division truncates
 * toward zero, so a negative remainder means one less; nothing is negated, so INT64_MIN is fine). */
static inline int64_t sf_ns_to_ms(int64_t ns) {
  int64_t q = ns / SF_NS_PER_MS;
  return ns % SF_NS_PER_MS < 0 ? q - 1 : q;
}
static inline int64_t sf_ms_to_ns(int64_t ms) { return ms * SF_NS_PER_MS; }

/* Formats ns as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (at least 32 bytes). Returns buf. */
char *sf_time_format_utc(int64_t ns, char *buf, size_t cap);
/* Parses "YYYY-MM-DD" (date only, midnight UTC), "YYYY-MM-DDTHH:MM:SS[.fff…]Z", or an integer
 * of epoch milliseconds. Returns 0 or SF_EPARSE. */
int sf_time_parse(const char *s, int64_t *out_ns);

/* Wall clock, for the edges of the program only (never inside the engine). */
int64_t sf_time_now_ns(void);
/* Monotonic clock in ns, for measuring elapsed time. */
int64_t sf_time_mono_ns(void);

#endif
