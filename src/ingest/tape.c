/* JSONL tape reader and writer (tape.h). The reader pulls uncompressed bytes through zlib's gz*
 * interface, which reads gzip and plain files alike (and stdin through a dup of fd 0), splits
 * them into lines of any length in a growing buffer, skips blank lines and hands each line to
 * the sans-I/O decoder sf_record_from_line. A bad line is reported with its 1-based line number
 * and the next call goes on with the following line; a read error or a truncated gzip stream is
 * reported once and then the reader is at its end. The writer writes one envelope line per
 * record through a FILE (or gzFile when the path ends in ".gz"), buffered. */
#include "smartflow/tape.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "smartflow/err.h"
#include "smartflow/jsonw.h"
#include "smartflow/record_json.h"

#define CHUNK_BYTES (1u << 16)
#define GZ_BUFFER_BYTES (1u << 18)

struct sf_tape_reader {
  gzFile gz;
  char *chunk; /* decompressed bytes not yet split */
  size_t chunk_len, chunk_pos;
  char *line; /* the current line, without its newline */
  size_t line_len, line_cap;
  uint64_t lineno;
  uint64_t bytes;
  int at_eof;  /* no more input (end of stream or a read error) */
  int pending; /* an error met at the end, to report after the last line */
  char pending_msg[160];
  char errmsg[320];
};

static void set_err(struct sf_tape_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct sf_tape_reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
  va_end(ap);
}

int sf_tape_reader_open(const char *path, struct sf_tape_reader **out) {
  *out = NULL;
  struct sf_tape_reader *r = calloc(1, sizeof *r);
  if (!r) return SF_ENOMEM;
  r->chunk = malloc(CHUNK_BYTES);
  if (!r->chunk) goto nomem;
  if (strcmp(path, "-") == 0) {
    int fd = dup(0);
    if (fd < 0) goto ioerr;
    r->gz = gzdopen(fd, "rb");
    if (!r->gz) {
      int e = errno;
      close(fd);
      errno = e;
    }
  } else {
    r->gz = gzopen(path, "rb");
  }
  if (!r->gz) goto ioerr;
  gzbuffer(r->gz, GZ_BUFFER_BYTES);
  *out = r;
  return 0;
ioerr : {
  int e = errno;
  free(r->chunk);
  free(r);
  errno = e;
  return SF_EIO;
}
nomem:
  free(r);
  return SF_ENOMEM;
}

/* Appends n bytes to the current line. */
static int line_append(struct sf_tape_reader *r, const char *p, size_t n) {
  if (r->line_len + n + 1 > r->line_cap) {
    size_t ncap = r->line_cap ? r->line_cap : 1024;
    while (ncap < r->line_len + n + 1) ncap *= 2;
    char *nl = realloc(r->line, ncap);
    if (!nl) return SF_ENOMEM;
    r->line = nl;
    r->line_cap = ncap;
  }
  memcpy(r->line + r->line_len, p, n);
  r->line_len += n;
  r->line[r->line_len] = '\0';
  return 0;
}

/* Reads the next line into r->line. Returns 1 with a line, 0 at the end, or a negative error
 * (the message set). */
static int read_line(struct sf_tape_reader *r) {
  r->line_len = 0;
  int have = 0;
  for (;;) {
    if (r->chunk_pos == r->chunk_len) {
      if (r->at_eof) {
        if (have || !r->pending) return have;
        /* The end came with an error: report it once, as the line after the last one. */
        int rc = r->pending;
        r->pending = 0;
        r->lineno++;
        set_err(r, "line %llu: %s", (unsigned long long)r->lineno, r->pending_msg);
        return rc;
      }
      int n = gzread(r->gz, r->chunk, CHUNK_BYTES);
      if (n <= 0) {
        int zerr = Z_OK;
        const char *zmsg = gzerror(r->gz, &zerr);
        r->at_eof = 1;
        if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
          /* zlib reports a gzip stream cut short as Z_BUF_ERROR at the end. */
          r->pending = zerr == Z_BUF_ERROR ? SF_ETRUNC : SF_EIO;
          snprintf(r->pending_msg, sizeof r->pending_msg, "%s: %s",
                   zerr == Z_BUF_ERROR ? "truncated compressed input" : "read error",
                   zerr == Z_ERRNO ? strerror(errno) : zmsg);
        }
        continue;
      }
      r->chunk_len = (size_t)n;
      r->chunk_pos = 0;
    }
    const char *p = r->chunk + r->chunk_pos;
    size_t avail = r->chunk_len - r->chunk_pos;
    const char *nl = memchr(p, '\n', avail);
    size_t take = nl ? (size_t)(nl - p) : avail;
    int rc = line_append(r, p, take);
    if (rc) {
      r->lineno++;
      set_err(r, "line %llu: out of memory for a line of %zu bytes", (unsigned long long)r->lineno,
              r->line_len + take);
      r->at_eof = 1;
      r->chunk_pos = r->chunk_len;
      return rc;
    }
    have = 1;
    r->chunk_pos += take + (nl ? 1 : 0);
    r->bytes += take + (nl ? 1 : 0);
    if (nl) return 1;
  }
}

static int is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
  return 1;
}

int sf_tape_reader_next(struct sf_tape_reader *r, struct sf_record *rec) {
  sf_record_init(rec, SF_REC_OPTION_PRINT);
  r->errmsg[0] = '\0';
  for (;;) {
    int rc = read_line(r);
    if (rc <= 0) return rc;
    r->lineno++;
    if (is_blank(r->line, r->line_len)) continue;
    struct sf_errbuf err = {{0}};
    rc = sf_record_from_line(r->line, r->line_len, rec, &err);
    if (rc) {
      set_err(r, "line %llu: %s", (unsigned long long)r->lineno, err.msg[0] ? err.msg : sf_strerror(rc));
      return rc;
    }
    return 1;
  }
}

uint64_t sf_tape_reader_line(const struct sf_tape_reader *r) { return r->lineno; }
const char *sf_tape_reader_errmsg(const struct sf_tape_reader *r) { return r->errmsg; }
uint64_t sf_tape_reader_bytes(const struct sf_tape_reader *r) { return r->bytes; }

void sf_tape_reader_close(struct sf_tape_reader *r) {
  if (!r) return;
  if (r->gz) gzclose(r->gz);
  free(r->chunk);
  free(r->line);
  free(r);
}

/* ---- writer ---- */

struct sf_tape_writer {
  FILE *f;           /* plain output, or NULL */
  gzFile gz;         /* compressed output, or NULL */
  int owned;         /* close f on close */
  int err;           /* first error seen */
  struct sf_jw line; /* the line being written, reused (no allocation per record) */
};

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

int sf_tape_writer_open(const char *path, struct sf_tape_writer **out) {
  *out = NULL;
  if (strcmp(path, "-") == 0) return sf_tape_writer_wrap(stdout, out);
  struct sf_tape_writer *w = calloc(1, sizeof *w);
  if (!w) return SF_ENOMEM;
  if (ends_with(path, ".gz")) {
    w->gz = gzopen(path, "wb6");
    if (!w->gz) goto ioerr;
    gzbuffer(w->gz, GZ_BUFFER_BYTES);
  } else {
    w->f = fopen(path, "wb");
    if (!w->f) goto ioerr;
    w->owned = 1;
    setvbuf(w->f, NULL, _IOFBF, GZ_BUFFER_BYTES);
  }
  *out = w;
  return 0;
ioerr : {
  int e = errno;
  free(w);
  errno = e;
  return SF_EIO;
}
}

int sf_tape_writer_wrap(FILE *f, struct sf_tape_writer **out) {
  *out = NULL;
  struct sf_tape_writer *w = calloc(1, sizeof *w);
  if (!w) return SF_ENOMEM;
  w->f = f;
  *out = w;
  return 0;
}

int sf_tape_writer_write(struct sf_tape_writer *w, const struct sf_record *rec) {
  if (w->err) return w->err;
  /* An unencodable record (invalid UTF-8) is refused without poisoning the tape. */
  sf_jw_reset(&w->line);
  int rc = sf_record_encode_envelope(rec, &w->line);
  if (rc) return rc;
  sf_jw_bytes(&w->line, "\n", 1);
  if (sf_jw_status(&w->line)) return sf_jw_status(&w->line);
  const char *p = w->line.p;
  size_t n = w->line.len;
  if (w->gz) {
    if (gzwrite(w->gz, p, (unsigned)n) != (int)n) rc = SF_EIO;
  } else if (fwrite(p, 1, n, w->f) != n) {
    rc = SF_EIO;
  }
  if (rc) w->err = rc;
  return rc;
}

int sf_tape_writer_flush(struct sf_tape_writer *w) {
  if (w->gz) {
    if (gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK && !w->err) w->err = SF_EIO;
  } else if (fflush(w->f) != 0 && !w->err) {
    w->err = SF_EIO;
  }
  return w->err;
}

int sf_tape_writer_close(struct sf_tape_writer *w) {
  if (!w) return 0;
  int rc = w->err;
  if (w->gz) {
    if (gzclose(w->gz) != Z_OK && !rc) rc = SF_EIO;
  } else if (w->owned) {
    if (fclose(w->f) != 0 && !rc) rc = SF_EIO;
  } else if (fflush(w->f) != 0 && !rc) {
    rc = SF_EIO;
  }
  sf_jw_fini(&w->line);
  free(w);
  return rc;
}
