/* The alerts pane: AlertEvents newest first (200 kept), each with time, severity, score,
 * primary profile and direction, and the classifier that fired. Updates are batched per
 * animation frame like the tape. Clicking an alert opens the drawer on the smart-money event
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
    this.counts = root.querySelector('[data-role="alerts-counts"]');
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
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  flush() {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    for (const x of batch) this.items.push(x);
    this.items.sort((x, y) => eventKey(y.a).ts - eventKey(x.a).ts || eventKey(y.a).seq - eventKey(x.a).seq);
    if (this.items.length > CAP) {
      for (const x of this.items.splice(CAP)) this.ids.delete(alertId(x.a));
    }
    const frag = document.createDocumentFragment();
    const c = { high: 0, medium: 0, low: 0 };
    for (const x of this.items) {
      frag.append(this.row(x.a, x.fresh));
      x.fresh = false;
      if (c[x.a.severity] !== undefined) c[x.a.severity]++;
    }
    this.list.replaceChildren(frag);
    this.empty.hidden = this.items.length > 0;
    this.counts.innerHTML = `<span class="sev high">H ${c.high}</span><span class="sev medium">M ${c.medium}</span><span class="sev low">L ${c.low}</span>`;
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
    return el('div', { class: `arow sev-${sev}${fresh ? ' flash' : ''}`, 'data-testid': 'alert-row', 'data-ref': ref, title: refs.join('\n') },
      el('span', { class: 'a-time', text: timeET(eventKey(a).ts) }),
      el('span', { class: `sevb ${sev}`, text: sev.slice(0, 3).toUpperCase() }),
      el('span', { class: 'a-score', text: isNum(a.score) ? Math.round(a.score) : '—' }),
      el('span', { class: 'chip', 'data-p': prof.id, text: prof.short }),
      el('span', { class: `a-dir ${dir.cls}`, text: dir.glyph }),
      el('span', { class: 'a-what', text: und ? `${und} · ${what}` : what }));
  }
}
