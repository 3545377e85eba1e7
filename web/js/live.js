/* The multiplexed `/ws/live` connection. Subscribes to the channels it is given once the
 * server says `ready` (and again after every reconnect), turns server ops into callbacks, and
 * keeps itself alive: a `ping` every 10 s, a dead-connection check when nothing (heartbeat or
 * data) has arrived for 40 s, and reconnection with exponential backoff plus jitter
 * (0.5 s doubling to 15 s). State is `live` while subscribed, `reconnecting` between
 * attempts, `offline` after several failures in a row or when the browser is offline. */

import { wsURL } from './api.js';

const PING_MS = 10000;
const DEAD_MS = 40000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const OFFLINE_AFTER = 4;

export class LiveConnection {
  constructor({ channels, onSnapshot, onEvent, onState, onHeartbeat, onError }) {
    this.channels = channels;
    this.cb = { onSnapshot, onEvent, onState, onHeartbeat, onError };
    this.ws = null;
    this.state = 'reconnecting'; /* until the first ready: "connecting" */
    this.failures = 0;
    this.lastMessageAt = 0;
    this.lastHeartbeatAt = 0;
    this.lastHeartbeatTs = null;
    this.rttMs = null;
    this.pingSentAt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.nextRetryAt = 0;
    this.messages = 0;
    this.stopped = false;
    window.addEventListener('online', () => this.reconnectNow());
    window.addEventListener('offline', () => this.setState('offline'));
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    if (this.cb.onState) this.cb.onState(s);
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    let ws;
    try {
      ws = new WebSocket(wsURL('/ws/live'));
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.lastMessageAt = performance.now();
    };
    ws.onmessage = (ev) => this.handle(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pingTimer);
      if (!this.stopped) this.scheduleRetry();
    };
    ws.onerror = () => {
      /* onclose follows and schedules the retry. */
    };
  }

  scheduleRetry() {
    this.failures += 1;
    const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(this.failures - 1, 10));
    const delay = Math.round(exp * (0.75 + Math.random() * 0.5));
    this.nextRetryAt = Date.now() + delay;
    this.setState(this.failures > OFFLINE_AFTER || navigator.onLine === false ? 'offline' : 'reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.ws) return;
    this.failures = 0;
    this.connect();
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  subscribe() {
    this.send({ op: 'subscribe', subscriptions: this.channels.map((c) => ({ channel: c })) });
  }

  handle(data) {
    this.lastMessageAt = performance.now();
    this.messages += 1;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      if (this.cb.onError) this.cb.onError('live: message is not JSON');
      return;
    }
    switch (msg.op) {
      case 'ready':
        this.failures = 0;
        this.subscribe();
        this.setState('live');
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.tick(), PING_MS);
        if (this.send({ op: 'ping' })) this.pingSentAt = performance.now();
        break;
      case 'heartbeat':
        this.lastHeartbeatAt = performance.now();
        this.lastHeartbeatTs = typeof msg.ts === 'number' ? msg.ts : null;
        if (this.pingSentAt) {
          this.rttMs = Math.round(this.lastHeartbeatAt - this.pingSentAt);
          this.pingSentAt = 0;
        }
        if (this.cb.onHeartbeat) this.cb.onHeartbeat(msg);
        break;
      case 'snapshot':
        if (msg.snapshot && this.cb.onSnapshot) this.cb.onSnapshot(msg.snapshot);
        break;
      case 'event':
        if (this.cb.onEvent) this.cb.onEvent(msg.subscription, msg.item, msg.watermark);
        break;
      case 'error':
        if (this.cb.onError) this.cb.onError(`server: ${msg.message || 'error'}`);
        break;
      default:
        break;
    }
  }

  tick() {
    if (!this.ws) return;
    if (performance.now() - this.lastMessageAt > DEAD_MS) {
      /* Silent for too long: drop it and let onclose reconnect. */
      const ws = this.ws;
      this.ws = null;
      clearInterval(this.pingTimer);
      try {
        ws.close();
      } catch (e) {
        /* already closing */
      }
      this.scheduleRetry();
      return;
    }
    if (this.send({ op: 'ping' })) this.pingSentAt = performance.now();
  }

  /* Seconds since the last heartbeat, or null before the first. */
  heartbeatAge() {
    return this.lastHeartbeatAt ? (performance.now() - this.lastHeartbeatAt) / 1000 : null;
  }
}
