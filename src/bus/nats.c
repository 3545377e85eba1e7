/* The NATS JetStream bus backend (libnats 3.4, server 2.9). One connection per bus that
 * reconnects forever (natsOptions_SetMaxReconnect(-1)) with a pause and jitter between
 * attempts and a reconnect buffer for what is published meanwhile; connection events are
 * counted and their text kept in sf_bus_errmsg.
 *
 * Streams (SF_MARKET on options.> and equities.>, SF_FLOW on flow.>; file storage, duplicate
 * window) are created at open when missing. A consumer of SF_BUS_FILTER_MARKET has no filter
 * subject: it reads the whole market stream in publish order.
 * A publish sends the record's JSON with the Nats-Msg-Id header set to its trace_id (through
 * jsPubOptions.MsgId) and waits for the PubAck; a timeout, a "no responders" (JetStream not yet
 * up after a restart) or a disconnect is retried until publish_timeout_ms has passed, which is
 * safe because the server drops the duplicate if an earlier attempt was stored. With an async
 * window the PubAcks are counted by an ack handler and sf_bus_flush waits for them.
 *
 * Consumers are durable pull consumers with explicit acks, created with js_AddConsumer (not by
 * the subscribe call, so that neither destroying the subscription nor closing the process
 * deletes them) and bound with js_PullSubscribe; sf_bus_fetch is natsSubscription_Fetch. The
 * JetStream metadata of each message gives its stream sequence and delivery count. A payload
 * that does not decode is terminated (+TERM) and reported. */
#include "smartflow/version.h"

#include <string.h>

#include "bus/bus_impl.h"
#include "smartflow/err.h"
#include "smartflow/jsonw.h"

#if SF_HAVE_NATS

#include <jansson.h>
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "smartflow/record_json.h"

struct nbus {
  natsConnection *nc;
  jsCtx *js;
  uint64_t async_errors_seen; /* publish_errors at the last flush */
  /* Connection callbacks run on a library thread, possibly after natsConnection_Destroy
   * returned; the closed callback is the last one, so the bus waits for it before freeing
   * what the callbacks touch. */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int closed;
};

struct nsub {
  natsSubscription *ns;
  char stream[SF_BUS_NAME_MAX + 16];
};

static const char *status_text(natsStatus s) {
  const char *t = nats_GetLastError(NULL);
  return t && *t ? t : natsStatus_GetText(s);
}

/* 1 once sf_bus_close started: the disconnect is ours, not news. */
static int closing(struct sf_bus *bus) {
  int c;
  pthread_mutex_lock(&bus->lock);
  c = bus->closing;
  pthread_mutex_unlock(&bus->lock);
  return c;
}

static void on_disconnected(natsConnection *nc, void *closure) {
  struct sf_bus *bus = closure;
  (void)nc;
  if (closing(bus)) return;
  sf_bus_core_count(bus, &bus->stats.disconnects, 1);
  sf_bus_core_seterr(bus, "nats: disconnected, reconnecting");
}

static void on_reconnected(natsConnection *nc, void *closure) {
  struct sf_bus *bus = closure;
  (void)nc;
  sf_bus_core_count(bus, &bus->stats.reconnects, 1);
  sf_bus_core_seterr(bus, "nats: reconnected");
}

static void on_closed(natsConnection *nc, void *closure) {
  struct sf_bus *bus = closure;
  struct nbus *nb = bus->impl;
  (void)nc;
  pthread_mutex_lock(&nb->mu);
  nb->closed = 1;
  pthread_cond_broadcast(&nb->cv);
  pthread_mutex_unlock(&nb->mu);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure) {
  struct sf_bus *bus = closure;
  (void)nc;
  (void)sub;
  sf_bus_core_seterr(bus, "nats: asynchronous error: %s", natsStatus_GetText(err));
}

static void on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure) {
  struct sf_bus *bus = closure;
  (void)js;
  if (pae) {
    sf_bus_core_count(bus, &bus->stats.publish_errors, 1);
    sf_bus_core_seterr(bus, "publish %s: %s", natsMsg_GetSubject(msg),
                       pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
  } else if (pa && pa->Duplicate) {
    sf_bus_core_count(bus, &bus->stats.duplicates, 1);
  } else {
    sf_bus_core_count(bus, &bus->stats.published, 1);
  }
  natsMsg_Destroy(msg); /* the ack handler owns it */
}

static int ensure_stream(struct sf_bus *bus, struct nbus *nb, int stream) {
  char name[SF_BUS_NAME_MAX + 16], subj[2][SF_BUS_SUBJECT_MAX];
  const char *subjects[2] = {subj[0], subj[1]};
  int nsubj = 0;
  jsStreamInfo *si = NULL;
  jsStreamConfig cfg;
  jsErrCode jerr = 0;
  natsStatus s;

  sf_bus_core_stream_name(bus, stream, name, sizeof name);
  for (; nsubj < 2 && sf_bus_stream_families[stream][nsubj]; nsubj++)
    snprintf(subj[nsubj], sizeof subj[nsubj], "%s%s.>", bus->subject_prefix,
             sf_bus_stream_families[stream][nsubj]);
  /* Right after a server (re)start JetStream may not answer yet: retry for a while. */
  int64_t deadline = sf_bus_core_now_ns() + bus->opts.publish_timeout_ms * 1000000;
  for (;;) {
    s = js_GetStreamInfo(&si, nb->js, name, NULL, &jerr);
    if ((s != NATS_NO_RESPONDERS && s != NATS_TIMEOUT) || sf_bus_core_now_ns() >= deadline) break;
    nats_Sleep(50);
  }
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return 0;
  }
  if (s != NATS_NOT_FOUND) {
    sf_bus_core_seterr(bus, "nats: stream %s info: %s (jetstream error %d)", name, status_text(s), (int)jerr);
    return s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS ? SF_ESERVER : SF_EIO;
  }
  jsStreamConfig_Init(&cfg);
  cfg.Name = name;
  cfg.Subjects = subjects;
  cfg.SubjectsLen = nsubj;
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;
  cfg.Duplicates = bus->opts.dup_window_ms * 1000000;
  s = js_AddStream(&si, nb->js, &cfg, NULL, &jerr);
  if (s != NATS_OK) {
    sf_bus_core_seterr(bus, "nats: creating stream %s on %s: %s (jetstream error %d)", name, subj[0],
                       status_text(s), (int)jerr);
    return SF_ESERVER;
  }
  jsStreamInfo_Destroy(si);
  return 0;
}

static void nb_free(struct nbus *nb) {
  if (!nb) return;
  if (nb->js) jsCtx_Destroy(nb->js);
  if (nb->nc) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    natsConnection_Close(nb->nc);
    pthread_mutex_lock(&nb->mu);
    while (!nb->closed)
      if (pthread_cond_timedwait(&nb->cv, &nb->mu, &ts) != 0) break;
    pthread_mutex_unlock(&nb->mu);
    natsConnection_Destroy(nb->nc);
  }
  pthread_cond_destroy(&nb->cv);
  pthread_mutex_destroy(&nb->mu);
  free(nb);
}

static int nb_open(struct sf_bus *bus, const char *url) {
  struct nbus *nb = calloc(1, sizeof *nb);
  natsOptions *no = NULL;
  jsOptions jo;
  natsStatus s;
  int rc = SF_EIO;

  if (!nb) return SF_ENOMEM;
  pthread_mutex_init(&nb->mu, NULL);
  pthread_cond_init(&nb->cv, NULL);
  bus->impl = nb; /* the callbacks find it there */
  s = natsOptions_Create(&no);
  if (s == NATS_OK) s = natsOptions_SetURL(no, url);
  if (s == NATS_OK) s = natsOptions_SetName(no, bus->client_name);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(no, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(no, bus->opts.reconnect_wait_ms);
  if (s == NATS_OK) s = natsOptions_SetReconnectJitter(no, bus->opts.reconnect_wait_ms / 4, 0);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectBufSize(
        no, (int)(bus->opts.reconnect_buf_bytes > 0x7fffffff ? 0x7fffffff : bus->opts.reconnect_buf_bytes));
  if (s == NATS_OK) s = natsOptions_SetTimeout(no, 2000);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(no, on_disconnected, bus);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(no, on_reconnected, bus);
  if (s == NATS_OK) s = natsOptions_SetErrorHandler(no, on_async_error, bus);
  if (s == NATS_OK) s = natsOptions_SetClosedCB(no, on_closed, bus);
  if (s != NATS_OK) {
    sf_bus_core_seterr(bus, "nats: options for %s: %s", url, status_text(s));
    rc = s == NATS_NO_MEMORY ? SF_ENOMEM : SF_EINVAL;
    goto fail;
  }
  s = natsConnection_Connect(&nb->nc, no);
  if (s != NATS_OK) {
    sf_bus_core_seterr(bus, "nats: cannot connect to %s: %s", url, status_text(s));
    rc = SF_EIO;
    goto fail;
  }
  jsOptions_Init(&jo);
  jo.Wait = bus->opts.publish_timeout_ms < 2000 ? bus->opts.publish_timeout_ms : 2000;
  jo.PublishAsync.MaxPending = bus->opts.async_window;
  jo.PublishAsync.AckHandler = on_pub_ack;
  jo.PublishAsync.AckHandlerClosure = bus;
  s = natsConnection_JetStream(&nb->js, nb->nc, &jo);
  if (s != NATS_OK) {
    sf_bus_core_seterr(bus, "nats: jetstream context: %s", status_text(s));
    rc = SF_EIO;
    goto fail;
  }
  for (int f = 0; f < SF_BUS_STREAMS; f++)
    if ((rc = ensure_stream(bus, nb, f)) != 0) goto fail;
  natsOptions_Destroy(no);
  bus->impl = nb;
  return 0;
fail:
  natsOptions_Destroy(no);
  pthread_mutex_lock(&bus->lock);
  bus->closing = 1;
  pthread_mutex_unlock(&bus->lock);
  nb_free(nb);
  bus->impl = NULL;
  return rc;
}

static void nb_close(struct sf_bus *bus) {
  struct nbus *nb = bus->impl;
  if (bus->opts.async_window > 0) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = bus->opts.publish_timeout_ms;
    if (js_PublishAsyncComplete(nb->js, &po) != NATS_OK)
      sf_bus_core_seterr(bus, "nats: closing with publishes still waiting for their PubAck");
  }
  natsConnection_FlushTimeout(nb->nc, 2000);
  nb_free(nb);
}

/* Transient: the server is slow or away and the client reconnects by itself. NATS_IO_ERROR is
 * a write to a socket the server closed (EPIPE), before the client noticed the disconnect: the
 * message did not go, and a retry is safe (the trace id deduplicates). */
static int retryable(natsStatus s) {
  return s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || s == NATS_CONNECTION_DISCONNECTED ||
         s == NATS_STALE_CONNECTION || s == NATS_IO_ERROR;
}

static int nb_publish(struct sf_bus *bus, const char *subject, int stream, const struct sf_record *r) {
  struct nbus *nb = bus->impl;
  const char *trace_id = sf_record_meta(r)->trace_id;
  int64_t deadline = sf_bus_core_now_ns() + bus->opts.publish_timeout_ms * 1000000, pause_ms = 20;
  struct sf_jw w; /* the payload text: the record's encoding */
  const char *payload = NULL;
  size_t payload_len = 0;
  natsMsg *m = NULL;
  jsPubAck *pa = NULL;
  jsPubOptions po;
  jsErrCode jerr = 0;
  natsStatus s;
  int rc = 0;
  (void)stream;

  sf_jw_init(&w);
  rc = sf_record_encode(r, &w);
  if (!rc && (payload = sf_jw_cstr(&w, &payload_len)) == NULL) rc = SF_ENOMEM;
  if (rc) {
    sf_bus_core_seterr(bus, "publish %s: cannot encode the record: %s", trace_id,
                       rc == SF_EINVAL ? "a string is not valid UTF-8" : sf_strerror(rc));
    goto fail;
  }
  jsPubOptions_Init(&po);
  po.MsgId = trace_id; /* the Nats-Msg-Id header: server-side dedup */
  for (;;) {
    s = natsMsg_Create(&m, subject, NULL, payload, (int)payload_len);
    if (s != NATS_OK) {
      rc = SF_ENOMEM;
      sf_bus_core_seterr(bus, "publish %s: %s", trace_id, status_text(s));
      goto fail;
    }
    if (bus->opts.async_window > 0) {
      s = js_PublishMsgAsync(nb->js, &m, &po); /* takes m on success */
    } else {
      s = js_PublishMsg(&pa, nb->js, m, &po, &jerr);
    }
    natsMsg_Destroy(m);
    m = NULL;
    if (s == NATS_OK) break;
    if (!retryable(s) || sf_bus_core_now_ns() + pause_ms * 1000000 >= deadline) {
      rc = s == NATS_TIMEOUT ? SF_ETIMEOUT : s == NATS_CONNECTION_CLOSED ? SF_ECLOSED : SF_ESERVER;
      sf_bus_core_seterr(bus, "publish %s on %s: %s (jetstream error %d)", trace_id, subject, status_text(s),
                         (int)jerr);
      goto fail;
    }
    sf_bus_core_count(bus, &bus->stats.retries, 1);
    nats_Sleep(pause_ms);
    if (pause_ms < 500) pause_ms *= 2;
  }
  if (pa) {
    sf_bus_core_count(bus, pa->Duplicate ? &bus->stats.duplicates : &bus->stats.published, 1);
    jsPubAck_Destroy(pa);
  }
  sf_jw_fini(&w);
  return 0;
fail:
  sf_bus_core_count(bus, &bus->stats.publish_errors, 1);
  sf_jw_fini(&w);
  return rc;
}

static int nb_flush(struct sf_bus *bus, int64_t timeout_ms) {
  struct nbus *nb = bus->impl;
  struct sf_bus_stats st;
  jsPubOptions po;
  natsStatus s;
  if (bus->opts.async_window <= 0) return 0;
  jsPubOptions_Init(&po);
  po.MaxWait = timeout_ms;
  s = js_PublishAsyncComplete(nb->js, &po);
  if (s == NATS_TIMEOUT) {
    sf_bus_core_seterr(bus, "flush: PubAcks still missing after %lld ms", (long long)timeout_ms);
    return SF_ETIMEOUT;
  }
  if (s != NATS_OK) {
    sf_bus_core_seterr(bus, "flush: %s", status_text(s));
    return SF_ESERVER;
  }
  sf_bus_stats(bus, &st);
  if (st.publish_errors != nb->async_errors_seen) {
    nb->async_errors_seen = st.publish_errors;
    return SF_ESERVER;
  }
  return 0;
}

static int nb_subscribe(struct sf_bus_sub *sub) {
  struct sf_bus *bus = sub->bus;
  struct nbus *nb = bus->impl;
  struct nsub *ns = calloc(1, sizeof *ns);
  jsConsumerInfo *ci = NULL;
  jsConsumerConfig cc;
  jsSubOptions so;
  jsErrCode jerr = 0;
  natsStatus s;
  int rc = SF_ESERVER;

  if (!ns) return SF_ENOMEM;
  const char *want = sub->unfiltered ? "" : sub->filter;
  sf_bus_core_stream_name(bus, sub->stream, ns->stream, sizeof ns->stream);
  jsConsumerConfig_Init(&cc);
  cc.Durable = sub->durable;
  cc.AckPolicy = js_AckExplicit;
  cc.AckWait = sub->opts.ack_wait_ms * 1000000;
  cc.MaxAckPending = sub->opts.max_ack_pending;
  cc.FilterSubject = sub->unfiltered ? NULL : sub->filter;
  cc.DeliverPolicy = js_DeliverAll;
  s = js_GetConsumerInfo(&ci, nb->js, ns->stream, sub->durable, NULL, &jerr);
  if (s == NATS_OK) {
    const char *have = ci->Config && ci->Config->FilterSubject ? ci->Config->FilterSubject : "";
    if (strcmp(have, want) != 0) {
      sf_bus_core_seterr(bus, "subscribe %s: durable exists on %s with filter \"%s\", not \"%s\"",
                         sub->durable, ns->stream, have, want);
      rc = SF_EINVAL;
      goto fail;
    }
    if (ci->Config->AckWait != cc.AckWait || ci->Config->MaxAckPending != cc.MaxAckPending) {
      jsConsumerInfo_Destroy(ci);
      ci = NULL;
      s = js_UpdateConsumer(&ci, nb->js, ns->stream, &cc, NULL, &jerr);
    }
  } else if (s == NATS_NOT_FOUND) {
    s = js_AddConsumer(&ci, nb->js, ns->stream, &cc, NULL, &jerr);
  }
  if (s != NATS_OK) {
    sf_bus_core_seterr(bus, "subscribe %s on %s (%s): %s (jetstream error %d)", sub->durable, ns->stream,
                       sub->filter, status_text(s), (int)jerr);
    rc = s == NATS_NO_MEMORY ? SF_ENOMEM : SF_ESERVER;
    goto fail;
  }
  jsConsumerInfo_Destroy(ci);
  ci = NULL;
  jsSubOptions_Init(&so);
  so.Stream = ns->stream;
  so.Consumer = sub->durable;
  s = js_PullSubscribe(&ns->ns, nb->js, sub->unfiltered ? NULL : sub->filter, sub->durable, NULL, &so, &jerr);
  if (s != NATS_OK) {
    sf_bus_core_seterr(bus, "subscribe %s: binding to %s: %s (jetstream error %d)", sub->durable, ns->stream,
                       status_text(s), (int)jerr);
    goto fail;
  }
  sub->impl = ns;
  return 0;
fail:
  jsConsumerInfo_Destroy(ci);
  free(ns);
  return rc;
}

/* Decodes one message and hands it on. Returns the callback's value; *delivered as in
 * sf_bus_core_deliver. Takes m. */
static int handle_one(struct sf_bus_sub *sub, natsMsg *m, int *delivered) {
  const char *subject = natsMsg_GetSubject(m);
  const char *data = natsMsg_GetData(m);
  size_t len = (size_t)natsMsg_GetDataLength(m), plen = strlen(sub->bus->subject_prefix);
  jsMsgMetaData *meta = NULL;
  uint64_t deliveries = 1, seq = 0;
  json_error_t jerr;
  json_t *j = NULL;
  struct sf_record rec;
  struct sf_errbuf eb;
  struct sf_bus_msg *msg;
  char why[300];
  int type, ret = 0;

  *delivered = 0;
  if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
    deliveries = meta->NumDelivered;
    seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
  }
  type = strlen(subject) > plen ? sf_bus_type_of_subject(subject + plen) : -1;
  if (type < 0) {
    snprintf(why, sizeof why, "subject carries no known record type");
    goto reject;
  }
  j = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &jerr);
  if (!j) {
    snprintf(why, sizeof why, "JSON syntax at offset %d: %s", jerr.position, jerr.text);
    goto reject;
  }
  eb.msg[0] = '\0';
  if (sf_record_from_json((enum sf_record_type)type, j, &rec, &eb) != 0) {
    snprintf(why, sizeof why, "%s", eb.msg[0] ? eb.msg : "not a valid record");
    goto reject;
  }
  json_decref(j);
  msg = sf_bus_core_msg_new(sub, subject, deliveries, seq, m);
  if (!msg) {
    natsMsg_Nak(m, NULL);
    natsMsg_Destroy(m);
    sf_record_fini(&rec);
    return SF_ENOMEM;
  }
  ret = sf_bus_core_deliver(sub, &rec, msg, delivered);
  sf_record_fini(&rec);
  return ret;
reject:
  json_decref(j);
  sf_bus_core_reject(sub, subject, data ? data : "", len, why);
  natsMsg_Term(m, NULL);
  natsMsg_Destroy(m);
  return 0;
}

/* The server ended the pull request because it is shutting down (a graceful stop, as in a
 * restart): the connection goes next and is re-established; the consumer is fine. libnats
 * reports it as a plain error whose text names it. */
static int server_shutting_down(void) {
  const char *t = nats_GetLastError(NULL);
  return t && strstr(t, "Server Shutdown") != NULL;
}

static int nb_fetch(struct sf_bus_sub *sub, size_t max, int64_t timeout_ms) {
  struct nbus *nb = sub->bus->impl;
  struct nsub *ns = sub->impl;
  natsMsgList list = {0};
  jsErrCode jerr = 0;
  natsStatus s;
  int delivered = 0, ret = 0, i;

  s = natsSubscription_Fetch(&list, ns->ns, (int)max, timeout_ms, &jerr);
  if (s == NATS_TIMEOUT) return 0;
  if (s != NATS_OK) {
    natsConnStatus cs = natsConnection_Status(nb->nc);
    if (cs == NATS_CONN_STATUS_CLOSED) {
      sf_bus_core_seterr(sub->bus, "fetch %s: connection closed", sub->durable);
      return SF_ECLOSED;
    }
    if (cs != NATS_CONN_STATUS_CONNECTED || retryable(s) || server_shutting_down()) {
      /* Re-establishing the connection: nothing to deliver yet; do not spin. */
      nats_Sleep(timeout_ms < 100 ? timeout_ms : 100);
      return 0;
    }
    sf_bus_core_seterr(sub->bus, "fetch %s: %s (jetstream error %d)", sub->durable, status_text(s),
                       (int)jerr);
    return SF_ESERVER;
  }
  for (i = 0; i < list.Count; i++) {
    natsMsg *m = list.Msgs[i];
    int got;
    list.Msgs[i] = NULL;
    ret = handle_one(sub, m, &got);
    delivered += got;
    if (ret != 0) {
      i++;
      break;
    }
  }
  for (; i < list.Count; i++) {
    /* Stopped early: the rest go back for immediate redelivery. */
    natsMsg_Nak(list.Msgs[i], NULL);
  }
  natsMsgList_Destroy(&list);
  return ret != 0 ? ret : delivered;
}

static int nb_ack(struct sf_bus_msg *msg) {
  natsMsg *m = msg->impl;
  natsStatus s = natsMsg_Ack(m, NULL);
  natsMsg_Destroy(m);
  if (s != NATS_OK) {
    sf_bus_core_seterr(msg->sub->bus, "ack %s seq %llu: %s", msg->subject, (unsigned long long)msg->seq,
                       natsStatus_GetText(s));
    return SF_EIO;
  }
  return 0;
}

static int nb_nak(struct sf_bus_msg *msg, int64_t delay_ms) {
  natsMsg *m = msg->impl;
  natsStatus s = delay_ms > 0 ? natsMsg_NakWithDelay(m, delay_ms, NULL) : natsMsg_Nak(m, NULL);
  natsMsg_Destroy(m);
  if (s != NATS_OK) {
    sf_bus_core_seterr(msg->sub->bus, "nak %s seq %llu: %s", msg->subject, (unsigned long long)msg->seq,
                       natsStatus_GetText(s));
    return SF_EIO;
  }
  return 0;
}

static void nb_release(struct sf_bus_msg *msg) { natsMsg_Destroy(msg->impl); }

static void nb_sub_close(struct sf_bus_sub *sub) {
  struct nbus *nb = sub->bus->impl;
  struct nsub *ns = sub->impl;
  /* Acks are fire-and-forget publishes: make sure they left before the subscription goes.
   * Destroy (not Unsubscribe) keeps the durable consumer on the server. */
  natsConnection_FlushTimeout(nb->nc, 2000);
  natsSubscription_Destroy(ns->ns);
  free(ns);
}

#else /* libnats compiled out */

static int nb_open(struct sf_bus *bus, const char *url) {
  sf_bus_core_seterr(bus, "bus %s: this build has no NATS support (SF_WITH_NATS=OFF)", url);
  return SF_ENOTSUP;
}
static void nb_close(struct sf_bus *bus) { (void)bus; }
static int nb_publish(struct sf_bus *bus, const char *subject, int stream, const struct sf_record *r) {
  (void)bus, (void)subject, (void)stream, (void)r;
  return SF_ENOTSUP;
}
static int nb_flush(struct sf_bus *bus, int64_t timeout_ms) {
  (void)bus, (void)timeout_ms;
  return SF_ENOTSUP;
}
static int nb_subscribe(struct sf_bus_sub *sub) {
  (void)sub;
  return SF_ENOTSUP;
}
static int nb_fetch(struct sf_bus_sub *sub, size_t max, int64_t timeout_ms) {
  (void)sub, (void)max, (void)timeout_ms;
  return SF_ENOTSUP;
}
static int nb_ack(struct sf_bus_msg *msg) {
  (void)msg;
  return SF_ENOTSUP;
}
static int nb_nak(struct sf_bus_msg *msg, int64_t delay_ms) {
  (void)msg, (void)delay_ms;
  return SF_ENOTSUP;
}
static void nb_release(struct sf_bus_msg *msg) { (void)msg; }
static void nb_sub_close(struct sf_bus_sub *sub) { (void)sub; }

#endif

const struct sf_bus_backend sf_bus_nats_backend = {
    .name = "nats",
    .open = nb_open,
    .close = nb_close,
    .publish = nb_publish,
    .flush = nb_flush,
    .subscribe = nb_subscribe,
    .fetch = nb_fetch,
    .ack = nb_ack,
    .nak = nb_nak,
    .release = nb_release,
    .sub_close = nb_sub_close,
};
