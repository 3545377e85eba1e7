/* Replay mode: pages `/replay/smart-money` forward from a chosen time and releases events into
 * its own store as a replay clock advances at the chosen speed (×1 is real time; `max` lets
 * 40 events out per 100 ms tick). Pages are prefetched while fewer than 200 events wait; a
 * quiet stretch longer than a minute of event time is skipped, so a replay of a session with
 * gaps does not sit idle. State: idle | loading | playing | paused | done | error. */

import { replaySmartMoney } from './api.js';
import { eventKey } from './format.js';
import { EventStore } from './store.js';

const TICK_MS = 100;
const PAGE = 500;
const LOW_WATER = 200;
const GAP_MS = 60000;

export class Replay {
  constructor(onState) {
    this.onState = onState;
    this.store = new EventStore(8000);
    this.state = 'idle';
    this.timer = null;
    this.buffer = [];
    this.next = null;
    this.fetching = false;
    this.clock = 0;
    this.speed = 1;
    this.released = 0;
    this.gen = 0;
  }

  setState(s, detail) {
    this.state = s;
    if (this.onState) this.onState(s, detail);
  }

  async start(fromMs, speed) {
    this.stop();
    this.gen += 1;
    this.store.clear();
    this.buffer = [];
    this.released = 0;
    this.speed = speed;
    this.clock = fromMs;
    this.next = { ts: fromMs - 1, seq: Number.MAX_SAFE_INTEGER };
    this.setState('loading');
    await this.fetchPage(this.gen);
    if (this.state === 'error' || this.state === 'idle') return;
    if (this.buffer.length) this.clock = Math.max(this.clock, eventKey(this.buffer[0]).ts - 1);
    this.setState('playing');
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  async fetchPage(gen) {
    if (this.fetching || !this.next) return;
    this.fetching = true;
    try {
      const body = await replaySmartMoney(this.next.ts, this.next.seq, PAGE);
      if (gen !== this.gen) return;
      const data = Array.isArray(body && body.data) ? body.data : [];
      for (const e of data) this.buffer.push(e);
      this.next = body && body.next && typeof body.next.ts === 'number' ? body.next : null;
    } catch (e) {
      if (gen !== this.gen) return;
      this.stop();
      this.setState('error', e.message);
    } finally {
      if (gen === this.gen) this.fetching = false;
    }
  }

  tick() {
    if (this.state !== 'playing') return;
    if (this.buffer.length < LOW_WATER && this.next && !this.fetching) this.fetchPage(this.gen);
    if (!this.buffer.length) {
      if (!this.next && !this.fetching) {
        this.stopTimer();
        this.setState('done');
      }
      return;
    }
    const out = [];
    if (this.speed === 'max') {
      while (out.length < 40 && this.buffer.length) out.push(this.buffer.shift());
      this.clock = eventKey(out[out.length - 1]).ts;
    } else {
      this.clock += TICK_MS * this.speed;
      const headTs = eventKey(this.buffer[0]).ts;
      if (headTs - this.clock > GAP_MS) this.clock = headTs;
      while (this.buffer.length && eventKey(this.buffer[0]).ts <= this.clock) out.push(this.buffer.shift());
    }
    if (out.length) {
      this.released += out.length;
      this.store.add(out, 'top');
    }
    this.setState('playing');
  }

  togglePause() {
    if (this.state === 'playing') {
      this.setState('paused');
      return true;
    }
    if (this.state === 'paused') {
      this.setState('playing');
      return true;
    }
    return false;
  }

  setSpeed(s) {
    this.speed = s;
  }

  stopTimer() {
    clearInterval(this.timer);
    this.timer = null;
  }

  stop() {
    this.gen += 1;
    this.fetching = false;
    this.stopTimer();
    if (this.state !== 'idle') this.setState('idle');
  }

  active() {
    return this.state !== 'idle';
  }
}
