/* DBN files: the I/O wrapper around the sans-I/O decoder. A file is plain DBN or a sequence of
 * zstd frames (Databento's `.dbn.zst`), told apart by the first four bytes (zstd frame magic
 * 28 B5 2F FD, RFC 8878 section 3.1.1) rather than by the file name. Decompression streams
 * through ZSTD_decompressStream with the library's recommended buffer sizes, so memory stays
 * bounded whatever the file size; the decoder is fed each decompressed chunk as it comes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "smartflow/dbn.h"
#include "smartflow/err.h"

struct sf_dbn_file {
  FILE *fp;
  char *path;
  bool zstd;
  ZSTD_DStream *zs;
  uint8_t *in;
  size_t in_cap;
  ZSTD_inBuffer zin;
  uint8_t *out;
  size_t out_cap, out_len, out_pos;
  size_t zlast; /* last ZSTD_decompressStream hint: 0 at a frame boundary */
  bool eof;
  struct sf_dbn_decoder dec;
  char errmsg[512];
};

static int set_err(struct sf_dbn_file *f, int err, const char *why) {
  snprintf(f->errmsg, sizeof f->errmsg, "%s: %s", f->path, why);
  return err;
}

/* Refills f->out with the next chunk of the uncompressed stream. Returns 1, 0 at end, or an
 * error. */
static int refill(struct sf_dbn_file *f) {
  f->out_pos = f->out_len = 0;
  if (!f->zstd) {
    size_t n = fread(f->out, 1, f->out_cap, f->fp);
    if (n == 0) {
      if (ferror(f->fp)) return set_err(f, SF_EIO, strerror(errno));
      return 0;
    }
    f->out_len = n;
    return 1;
  }
  while (f->out_len == 0) {
    if (f->zin.pos == f->zin.size && !f->eof) {
      size_t n = fread(f->in, 1, f->in_cap, f->fp);
      if (n == 0 && ferror(f->fp)) return set_err(f, SF_EIO, strerror(errno));
      if (n == 0) f->eof = true;
      f->zin.src = f->in;
      f->zin.size = n;
      f->zin.pos = 0;
    }
    ZSTD_outBuffer zout = {f->out, f->out_cap, 0};
    size_t in_before = f->zin.pos;
    size_t r = ZSTD_decompressStream(f->zs, &zout, &f->zin);
    if (ZSTD_isError(r)) {
      char why[200];
      snprintf(why, sizeof why, "zstd: %s", ZSTD_getErrorName(r));
      return set_err(f, SF_EPARSE, why);
    }
    /* A call that neither read nor wrote anything says nothing about frame boundaries. */
    if (f->zin.pos != in_before || zout.pos > 0) f->zlast = r;
    f->out_len = zout.pos;
    if (f->out_len == 0 && f->eof && f->zin.pos == f->zin.size) {
      /* No more input and nothing left inside the decompressor. */
      if (f->zlast != 0) return set_err(f, SF_ETRUNC, "zstd: input ends inside a compressed frame");
      return 0;
    }
  }
  return 1;
}

static int next_raw(struct sf_dbn_file *f, struct sf_dbn_record *rec, bool want_meta) {
  for (;;) {
    if (f->out_pos == f->out_len) {
      int r = refill(f);
      if (r < 0) return r;
      if (r == 0) {
        int rc = sf_dbn_decoder_finish(&f->dec);
        if (rc < 0) return set_err(f, rc, sf_dbn_decoder_errmsg(&f->dec));
        return 0;
      }
    }
    size_t used = 0;
    int rc = sf_dbn_decode(&f->dec, f->out + f->out_pos, f->out_len - f->out_pos, &used, rec);
    f->out_pos += used;
    if (rc == SF_EAGAIN) continue;
    if (rc < 0) return set_err(f, rc, sf_dbn_decoder_errmsg(&f->dec));
    if (rc == SF_DBN_METADATA) {
      if (want_meta) return 1;
      continue;
    }
    return 1;
  }
}

int sf_dbn_file_open(const char *path, struct sf_dbn_file **out, char *errbuf, size_t errcap) {
  int rc = SF_ENOMEM;
  *out = NULL;
  struct sf_dbn_file *f = calloc(1, sizeof *f);
  if (!f) goto fail_nomem;
  sf_dbn_decoder_init(&f->dec);
  f->path = strdup(path);
  if (!f->path) goto fail_nomem;
  f->fp = fopen(path, "rb");
  if (!f->fp) {
    rc = set_err(f, SF_EIO, strerror(errno));
    goto fail;
  }
  uint8_t magic[4] = {0};
  size_t got = fread(magic, 1, 4, f->fp);
  f->zstd = got == 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD;
  rewind(f->fp);
  f->in_cap = ZSTD_DStreamInSize();
  f->out_cap = ZSTD_DStreamOutSize();
  f->in = malloc(f->in_cap);
  f->out = malloc(f->out_cap);
  if (!f->in || !f->out) goto fail_nomem;
  if (f->zstd) {
    f->zs = ZSTD_createDStream();
    if (!f->zs) goto fail_nomem;
    ZSTD_initDStream(f->zs);
  }
  struct sf_dbn_record rec;
  rc = next_raw(f, &rec, true);
  if (rc == 0) {
    rc = set_err(f, SF_ETRUNC, "empty input: no DBN metadata");
    goto fail;
  }
  if (rc < 0) goto fail;
  *out = f;
  return 0;
fail_nomem:
  if (errbuf) snprintf(errbuf, errcap, "%s: out of memory", path);
  sf_dbn_file_close(f);
  return SF_ENOMEM;
fail:
  if (errbuf) snprintf(errbuf, errcap, "%s", f->errmsg);
  sf_dbn_file_close(f);
  return rc;
}

int sf_dbn_file_next(struct sf_dbn_file *f, struct sf_dbn_record *rec) { return next_raw(f, rec, false); }

const struct sf_dbn_metadata *sf_dbn_file_metadata(const struct sf_dbn_file *f) {
  return sf_dbn_decoder_metadata(&f->dec);
}

const struct sf_dbn_decoder *sf_dbn_file_decoder(const struct sf_dbn_file *f) { return &f->dec; }

const char *sf_dbn_file_errmsg(const struct sf_dbn_file *f) { return f->errmsg; }

void sf_dbn_file_close(struct sf_dbn_file *f) {
  if (!f) return;
  if (f->fp) fclose(f->fp);
  if (f->zs) ZSTD_freeDStream(f->zs);
  free(f->in);
  free(f->out);
  free(f->path);
  sf_dbn_decoder_fini(&f->dec);
  free(f);
}
