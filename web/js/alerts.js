/* The alerts pane: AlertEvents newest first (200 kept), each with time, severity, score,
 * primary profile and direction, and the classifier that fired. Updates are batched (at most
 * every 200 ms, on an animation frame); alerts newer than the newest shown are prepended and
 * the oldest dropped, and only an out-of-order batch redraws the list. Clicking an alert opens the drawer on the smart-money event
 * it cites (its first evidence ref that is a known event id, else its first ref). */

import { el, profileInfo, directionInfo, timeET, eventKey, isNum, humanize } from './format.js';

const CAP = 200;
const SEV_RANK = { high: 2, medium: 1, low: 0 };

function alertId(a) {
  return a.trace_id || (a.meta && a.meta.trace_id) || `${eventKey(a).ts}:${eventKey(a).seq}:${a.score}`;
}

export class AlertsPane {
  constructor(root, { onOpen, isKnownEvent }) {
    this.list = root.querySelector('[data-role="alerts-list"]');
    this.countsEl = root.querySelector('[data-role="alerts-counts"]');
    this.sev = { high: 0, medium: 0, low: 0 };
    this.newQ = [];
    this.newTimer = null;
    this.empty = root.querySelector('[data-role="alerts-empty"]');
    this.onOpen = onOpen;
    this.isKnownEvent = isKnownEvent;
    this.items = [];
    this.ids = new Set();
    this.pending = [];
    this.scheduled = false;
    this.list.addEventListener('click', (ev) => {
      const row = ev.target.closest('.arow');
      if (row && row.dataset.ref) this.onOpen(row.dataset.ref);
    });
  }

  add(list, isSnapshot) {
    for (const a of list) {
      if (!a || typeof a !== 'object') continue;
      const id = alertId(a);
      if (this.ids.has(id)) continue;
      this.ids.add(id);
      this.pending.push({ a, fresh: !isSnapshot });
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => requestAnimationFrame(() => {
      this.scheduled = false;
      this.flush();
    }), 200);
  }

  flush() {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    const desc = (x, y) => eventKey(y.a).ts - eventKey(x.a).ts || eventKey(y.a).seq - eventKey(x.a).seq;
    batch.sort(desc);
    const newest = this.items[0];
    const inOrder = !newest || desc(batch[batch.length - 1], newest) < 0;
    for (const x of batch) {
      x.el = this.row(x.a, x.fresh);
      if (this.sev[x.a.severity] !== undefined) this.sev[x.a.severity]++;
    }
    if (inOrder) {
      this.items = batch.concat(this.items);
      const frag = document.createDocumentFragment();
      for (const x of batch) frag.append(x.el);
      this.list.prepend(frag);
    } else {
      this.items = this.items.concat(batch).sort(desc);
      this.list.replaceChildren(...this.items.map((x) => x.el));
    }
    if (this.items.length > CAP) {
      for (const x of this.items.splice(CAP)) {
        this.ids.delete(alertId(x.a));
        x.el.remove();
        if (this.sev[x.a.severity] !== undefined) this.sev[x.a.severity]--;
      }
    }
    this.empty.hidden = this.items.length > 0;
    const now = performance.now();
    for (const x of batch) if (x.fresh) this.newQ.push({ el: x.el, t: now });
    if (this.newQ.length && !this.newTimer) {
      /* plain class, cleared by one timer once 1.5 s old (no per-row CSS animation) */
      this.newTimer = setInterval(() => {
        const t = performance.now();
        while (this.newQ.length && t - this.newQ[0].t >= 1500) this.newQ.shift().el.classList.remove('new');
        if (!this.newQ.length) {
          clearInterval(this.newTimer);
          this.newTimer = null;
        }
      }, 250);
    }
    const c = this.sev;
    this.countsEl.innerHTML = `<span class="sev high" title="high">H ${c.high}</span><span class="sev medium" title="medium">M ${c.medium}</span><span class="sev low" title="low">L ${c.low}</span>`;
  }

  row(a, fresh) {
    const prof = profileInfo(a.primary_profile_id);
    const hit = Array.isArray(a.hits) && a.hits.length ? a.hits[0] : null;
    const dir = directionInfo(hit ? hit.direction : null);
    const refs = Array.isArray(a.evidence_refs) ? a.evidence_refs : [];
    const ref = refs.find((r) => this.isKnownEvent(r)) || refs[0] || '';
    const sev = SEV_RANK[a.severity] !== undefined ? a.severity : 'low';
    const what = hit && hit.classifier_id ? humanize(String(hit.classifier_id).replace(/^smart_money_/, '')) : '—';
    const und = a.underlying_id || (hit && hit.underlying_id) || '';
    return el('div', { class: `arow sev-${sev}${fresh ? ' new' : ''}`, 'data-testid': 'alert-row', 'data-ref': ref, title: refs.join('\n') },
      el('span', { class: 'a-time', text: timeET(eventKey(a).ts) }),
      el('span', { class: `sevb ${sev}`, text: { high: 'HIGH', medium: 'MED', low: 'LOW' }[sev] }),
      el('span', { class: 'a-score', text: isNum(a.score) ? Math.round(a.score) : '—' }),
      el('span', { class: 'chip', 'data-p': prof.id, text: prof.short }),
      el('span', { class: `a-dir ${dir.cls}`, text: dir.glyph }),
      el('span', { class: 'a-what', text: und ? `${und} · ${what}` : what }));
  }
}
