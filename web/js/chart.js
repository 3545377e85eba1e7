/* Premium per profile over time: one stacked bar per minute (ET), profiles in their fixed
 * colours, abstained flow in grey on top. Drawn by hand on a canvas scaled for the device
 * pixel ratio, redrawn at most every 250 ms, with a hover read-out of the minute under the
 * pointer. Buckets are kept incrementally as events arrive; the window is the last `minutes`
 * minutes up to the newest event seen (event time, so replay and history chart too). */

import { PROFILES, NO_PROFILE, money, hmET, eventKey, isNum } from './format.js';

const SERIES = PROFILES.concat([NO_PROFILE]);
const SERIES_INDEX = new Map(SERIES.map((p, i) => [p.id, i]));

function niceStep(max, ticks) {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  const step = n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10;
  return step * mag;
}

export class PremiumChart {
  constructor(canvas, tip, legend, minutes = 60) {
    this.canvas = canvas;
    this.tip = tip;
    this.legend = legend;
    this.minutes = minutes;
    this.buckets = new Map(); /* minute index -> Float64Array(SERIES.length) */
    this.lastMinute = null;
    this.dirty = true;
    this.lastDraw = 0;
    this.hoverX = null;
    this.timer = null;
    new ResizeObserver(() => this.invalidate(true)).observe(canvas.parentElement);
    canvas.addEventListener('mousemove', (ev) => {
      const r = canvas.getBoundingClientRect();
      this.hoverX = ev.clientX - r.left;
      this.invalidate(true);
    });
    canvas.addEventListener('mouseleave', () => {
      this.hoverX = null;
      this.tip.hidden = true;
      this.invalidate(true);
    });
  }

  setMinutes(m) {
    this.minutes = m;
    this.invalidate(true);
  }

  reset(items) {
    this.buckets.clear();
    this.lastMinute = null;
    this.add(items);
  }

  add(items) {
    for (const e of items) {
      const prem = e.features && e.features.total_premium;
      if (!isNum(prem)) continue;
      const { ts } = eventKey(e);
      if (!ts) continue;
      const m = Math.floor(ts / 60000);
      let b = this.buckets.get(m);
      if (!b) {
        b = new Float64Array(SERIES.length);
        this.buckets.set(m, b);
      }
      const idx = e.abstained || !e.primary_profile_id ? SERIES.length - 1 : SERIES_INDEX.get(e.primary_profile_id);
      b[idx === undefined ? SERIES.length - 1 : idx] += prem;
      if (this.lastMinute === null || m > this.lastMinute) this.lastMinute = m;
    }
    /* keep memory bounded: a day of minutes */
    if (this.buckets.size > 1500) {
      const cut = this.lastMinute - 1440;
      for (const k of this.buckets.keys()) if (k < cut) this.buckets.delete(k);
    }
    this.invalidate(false);
  }

  invalidate(now) {
    this.dirty = true;
    if (this.timer) return;
    const wait = now ? 0 : Math.max(0, 250 - (performance.now() - this.lastDraw));
    this.timer = setTimeout(() => {
      this.timer = null;
      requestAnimationFrame(() => this.draw());
    }, wait);
  }

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    this.lastDraw = performance.now();
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const W = c.parentElement.clientWidth;
    const H = c.parentElement.clientHeight;
    if (W <= 0 || H <= 0) return;
    if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) {
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
      c.style.width = `${W}px`;
      c.style.height = `${H}px`;
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    if (!this.theme) {
      /* read once: getComputedStyle on every draw would force a style pass */
      const css = getComputedStyle(document.documentElement);
      this.theme = {
        grid: css.getPropertyValue('--grid').trim() || '#1c232d',
        axis: css.getPropertyValue('--muted').trim() || '#6b7685',
        font: `10px ${css.getPropertyValue('--mono').trim() || 'monospace'}`,
      };
    }
    const { grid, axis, font } = this.theme;
    g.font = font;
    g.textBaseline = 'middle';

    const L = 46;
    const R = 6;
    const T = 6;
    const B = 16;
    const pw = W - L - R;
    const ph = H - T - B;
    const n = this.minutes;
    const end = this.lastMinute === null ? Math.floor(Date.now() / 60000) : this.lastMinute;
    const start = end - n + 1;
    let max = 0;
    const totals = new Float64Array(SERIES.length);
    for (let m = start; m <= end; m++) {
      const b = this.buckets.get(m);
      if (!b) continue;
      let s = 0;
      for (let i = 0; i < b.length; i++) {
        s += b[i];
        totals[i] += b[i];
      }
      if (s > max) max = s;
    }
    const step = max > 0 ? niceStep(max, 4) : 1;
    const top = max > 0 ? Math.ceil(max / step) * step : 4;
    const y = (v) => T + ph - (v / top) * ph;

    /* grid and y labels */
    g.strokeStyle = grid;
    g.lineWidth = 1;
    g.fillStyle = axis;
    g.textAlign = 'right';
    for (let v = 0; v <= top + 1e-9; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      g.beginPath();
      g.moveTo(L, yy);
      g.lineTo(W - R, yy);
      g.stroke();
      g.fillText(max > 0 ? money(v) : '', L - 4, yy);
    }

    /* bars */
    const slot = pw / n;
    const bw = Math.max(1, slot - (slot > 4 ? 1 : 0));
    for (let m = start; m <= end; m++) {
      const b = this.buckets.get(m);
      if (!b) continue;
      const x = L + (m - start) * slot;
      let acc = 0;
      for (let i = 0; i < SERIES.length; i++) {
        if (!b[i]) continue;
        const y0 = y(acc);
        acc += b[i];
        const y1 = y(acc);
        g.fillStyle = SERIES[i].color;
        g.fillRect(x, y1, bw, Math.max(0.5, y0 - y1));
      }
    }

    /* time labels */
    g.fillStyle = axis;
    g.textAlign = 'center';
    const every = n <= 30 ? 5 : n <= 90 ? 10 : n <= 240 ? 30 : 60;
    for (let m = start; m <= end; m++) {
      if (m % every !== 0) continue;
      const x = L + (m - start + 0.5) * slot;
      g.fillText(hmET(m * 60000), x, H - B / 2 + 1);
      g.strokeStyle = grid;
      g.beginPath();
      g.moveTo(Math.round(x) + 0.5, T + ph);
      g.lineTo(Math.round(x) + 0.5, T + ph + 3);
      g.stroke();
    }

    /* hover read-out */
    if (this.hoverX !== null && this.hoverX >= L && this.hoverX <= W - R) {
      const m = start + Math.floor((this.hoverX - L) / slot);
      const x = L + (m - start) * slot;
      g.fillStyle = 'rgba(255,255,255,0.06)';
      g.fillRect(x, T, slot, ph);
      const b = this.buckets.get(m);
      const lines = [`${hmET(m * 60000)} ET`];
      let s = 0;
      if (b) {
        for (let i = 0; i < SERIES.length; i++) {
          if (!b[i]) continue;
          s += b[i];
          lines.push(`<i style="background:${SERIES[i].color}"></i>${SERIES[i].short} ${money(b[i])}`);
        }
      }
      lines.push(`<b>Σ ${money(s)}</b>`);
      this.tip.innerHTML = lines.join('<br>');
      this.tip.hidden = false;
      this.tip.style.left = `${Math.min(W - 120, Math.max(0, x + slot + 6))}px`;
    } else {
      this.tip.hidden = true;
    }

    this.drawLegend(totals);
  }

  drawLegend(totals) {
    if (!this.legend) return;
    let sum = 0;
    for (const t of totals) sum += t;
    const html = SERIES.map((p, i) => `<span class="lg" title="${p.label}"><i style="background:${p.color}"></i>${p.short}<b>${money(totals[i])}</b></span>`).join('');
    const full = `${html}<span class="lg sum">Σ<b>${money(sum)}</b></span>`;
    if (this.legend.innerHTML !== full) this.legend.innerHTML = full;
  }
}
