// The report's charts as SVG text: the accuracy-vs-created scatter, the parallel-coordinates plot
// and the importance/correlation bars. One function, chartKit, holds them all and refers to
// nothing outside itself, so the same code draws the static SVG/PNG files in Node and, embedded in
// the HTML page as source text (chartKit.toString()), redraws the charts in the browser as the
// user brushes: the page and the files cannot drift apart.

import type { ReportModel, ReportRow } from '../../node/sweep/report/model';

/** Axis brushes of the parallel-coordinates plot: axis name → [y0, y1] in SVG pixels. */
export type Brushes = Record<string, [number, number]>;

export interface ChartKit {
  scatter(m: ReportModel, selected?: Set<string>): string;
  parallel(m: ReportModel, brushes?: Brushes): string;
  importance(m: ReportModel): string;
  /** Ids of the rows that pass every brush. */
  select(m: ReportModel, brushes: Brushes): Set<string>;
  /** Each axis's x position and value → y map (the page needs them to turn a drag into a brush). */
  axes(m: ReportModel): { name: string; x: number; top: number; bottom: number; y(v: unknown): number | null }[];
  fmt(v: unknown): string;
}

export function chartKit(): ChartKit {
  const FONT = "font-family=\"DejaVu Sans, Verdana, sans-serif\"";
  const STATE_COLORS: Record<string, string> = {
    finished: '#4c78a8', 'stopped-early': '#f58518', diverged: '#e45756', failed: '#9d755d', killed: '#bab0ac', running: '#72b7b2',
  };

  function esc(s: unknown): string {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  function fmt(v: unknown): string {
    if (typeof v !== 'number') return String(v);
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('e-', 'e−');
    if (Number.isInteger(v)) return String(v);
    return String(Number(v.toPrecision(3)));
  }

  /** Viridis, 5 stops, interpolated: t in [0, 1]. */
  function viridis(t: number): string {
    const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i;
    const c = stops[i].map((a, k) => Math.round(a + f * (stops[i + 1][k] - a)));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }

  function svgOpen(w: number, h: number, title: string): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="12">` +
      `<title>${esc(title)}</title><rect width="${w}" height="${h}" fill="white"/>`;
  }

  function niceTicks(lo: number, hi: number, n: number): number[] {
    const span = hi - lo || 1;
    const step0 = Math.pow(10, Math.floor(Math.log10(span / n)));
    const err = (n * step0) / span;
    const step = step0 * (err <= 0.15 ? 10 : err <= 0.35 ? 5 : err <= 0.75 ? 2 : 1);
    const out: number[] = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  function metricRange(m: ReportModel): [number, number] {
    const vs = m.rows.map((r) => r.value).filter((v): v is number => v !== null);
    if (vs.length === 0) return [0, 1];
    let lo = Math.min(...vs), hi = Math.max(...vs);
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    return [lo, hi];
  }

  function colorOf(m: ReportModel, r: ReportRow): string {
    const [lo, hi] = metricRange(m);
    if (r.value === null) return '#999';
    const t = (r.value - lo) / (hi - lo);
    return viridis(m.metric.goal === 'maximize' ? t : 1 - t);
  }

  function scatter(m: ReportModel, selected?: Set<string>): string {
    const W = 680, H = 360, L = 62, R = 130, T = 34, B = 46;
    const rows = m.rows.filter((r) => r.value !== null);
    const t0 = Math.min(...m.rows.map((r) => r.created));
    const xs = rows.map((r) => (r.created - t0) / 60000);
    const xMax = Math.max(1e-3, ...xs);
    const [ylo, yhi] = metricRange(m);
    const X = (v: number) => L + (v / xMax) * (W - L - R);
    const Y = (v: number) => H - B - ((v - ylo) / (yhi - ylo)) * (H - T - B);
    let s = svgOpen(W, H, `${m.metric.name} vs created`);
    s += `<text x="${L}" y="20" font-size="14" font-weight="bold">${esc(m.metric.name)} vs created</text>`;
    for (const v of niceTicks(ylo, yhi, 5)) {
      s += `<line x1="${L}" x2="${W - R}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eee"/><text x="${L - 6}" y="${Y(v) + 4}" text-anchor="end">${fmt(v)}</text>`;
    }
    for (const v of niceTicks(0, xMax, 6)) s += `<text x="${X(v)}" y="${H - B + 16}" text-anchor="middle">${fmt(v)}</text>`;
    s += `<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#888"/><line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#888"/>`;
    s += `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">minutes since the first run was created</text>`;
    s += `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(m.metric.name)}</text>`;
    // Best so far, as a step line (in creation order).
    const order = rows.map((r, i) => ({ r, x: xs[i] })).sort((a, b) => a.x - b.x);
    const sign = m.metric.goal === 'maximize' ? 1 : -1;
    let best = -Infinity, path = '';
    for (const { r, x } of order) {
      if (r.state !== 'finished' && r.state !== 'stopped-early') continue;
      if (sign * r.value! > best) {
        path += path ? ` H${X(x).toFixed(1)} V${Y(r.value!).toFixed(1)}` : `M${X(x).toFixed(1)} ${Y(r.value!).toFixed(1)}`;
        best = sign * r.value!;
      }
    }
    if (path) s += `<path d="${path} H${W - R}" fill="none" stroke="#54a24b" stroke-width="1.5" stroke-dasharray="4 3"/>`;
    rows.forEach((r, i) => {
      const on = !selected || selected.has(r.id);
      s += `<circle class="pt" data-id="${esc(r.id)}" cx="${X(xs[i]).toFixed(1)}" cy="${Y(r.value!).toFixed(1)}" r="4" fill="${STATE_COLORS[r.state] ?? '#999'}" fill-opacity="${on ? 0.85 : 0.12}" stroke="${on ? '#333' : 'none'}" stroke-width="0.5"><title>${esc(r.id)} ${esc(r.state)} ${fmt(r.value)}</title></circle>`;
    });
    let ly = T + 6;
    for (const st of Object.keys(STATE_COLORS)) {
      if (!m.rows.some((r) => r.state === st)) continue;
      s += `<circle cx="${W - R + 18}" cy="${ly}" r="4" fill="${STATE_COLORS[st]}"/><text x="${W - R + 28}" y="${ly + 4}">${st}</text>`;
      ly += 18;
    }
    s += `<line x1="${W - R + 12}" x2="${W - R + 26}" y1="${ly}" y2="${ly}" stroke="#54a24b" stroke-dasharray="4 3"/><text x="${W - R + 30}" y="${ly + 4}">best so far</text>`;
    return s + '</svg>';
  }

  function axes(m: ReportModel) {
    const T = 48, B = 360;
    const names = [...m.params.map((p) => p.name), m.metric.name];
    const W = Math.max(700, 120 * names.length + 60);
    const gap = (W - 100) / Math.max(1, names.length - 1);
    return names.map((name, i) => {
      const x = 50 + i * gap;
      const p = m.params.find((q) => q.name === name);
      let y: (v: unknown) => number | null;
      if (!p) {
        const [lo, hi] = metricRange(m);
        y = (v) => (typeof v === 'number' ? B - ((v - lo) / (hi - lo)) * (B - T) : null);
      } else if (p.type === 'categorical') {
        const vals = (p.values ?? []).map(String);
        y = (v) => {
          const k = vals.indexOf(String(v));
          return k < 0 ? null : vals.length === 1 ? (T + B) / 2 : B - (k / (vals.length - 1)) * (B - T);
        };
      } else {
        const nums = m.rows.map((r) => r.params[name]).filter((v): v is number => typeof v === 'number');
        const f = (v: number) => (p.log ? Math.log(v) : v);
        let lo = nums.length ? Math.min(...nums.map(f)) : 0, hi = nums.length ? Math.max(...nums.map(f)) : 1;
        if (lo === hi) { lo -= 1; hi += 1; }
        y = (v) => (typeof v === 'number' ? B - ((f(v) - lo) / (hi - lo)) * (B - T) : null);
      }
      return { name, x, top: T, bottom: B, y };
    });
  }

  function rowValue(r: ReportRow, name: string): unknown {
    return name in r.params ? r.params[name] : r.value;
  }

  function select(m: ReportModel, brushes: Brushes): Set<string> {
    const ax = axes(m);
    const out = new Set<string>();
    for (const r of m.rows) {
      let ok = true;
      for (const a of ax) {
        const b = brushes[a.name];
        if (!b) continue;
        const y = a.y(rowValue(r, a.name));
        if (y === null || y < Math.min(b[0], b[1]) - 0.5 || y > Math.max(b[0], b[1]) + 0.5) { ok = false; break; }
      }
      if (ok) out.add(r.id);
    }
    return out;
  }

  function parallel(m: ReportModel, brushes: Brushes = {}): string {
    const ax = axes(m);
    const W = Math.max(700, 120 * ax.length + 60), H = 400;
    const chosen = select(m, brushes);
    let s = svgOpen(W, H, 'parallel coordinates');
    s += `<text x="10" y="20" font-size="14" font-weight="bold">parallel coordinates</text>`;
    s += `<text x="${W - 10}" y="20" text-anchor="end" fill="#666">drag along an axis to filter the runs; click an axis to clear its filter</text>`;
    const rows = m.rows.filter((r) => r.value !== null);
    const line = (r: ReportRow) => {
      const pts = ax.map((a) => ({ x: a.x, y: a.y(rowValue(r, a.name)) }));
      return pts.every((p) => p.y !== null) ? 'M' + pts.map((p) => `${p.x.toFixed(1)} ${(p.y as number).toFixed(1)}`).join(' L') : '';
    };
    s += '<g class="lines" fill="none">';
    for (const r of rows) if (!chosen.has(r.id)) s += `<path d="${line(r)}" stroke="#ddd" stroke-width="1"/>`;
    // Better runs drawn last, on top; with many runs each line is fainter so the crowd shows.
    const sign = m.metric.goal === 'maximize' ? 1 : -1;
    const selected = rows.filter((q) => chosen.has(q.id));
    const opacity = Math.min(0.8, 0.15 + 25 / Math.max(1, selected.length)).toFixed(2);
    for (const r of selected.sort((a, b) => sign * (a.value! - b.value!))) {
      s += `<path class="run" data-id="${esc(r.id)}" d="${line(r)}" stroke="${colorOf(m, r)}" stroke-width="1.6" stroke-opacity="${opacity}"/>`;
    }
    s += '</g>';
    for (const a of ax) {
      const p = m.params.find((q) => q.name === a.name);
      s += `<g class="axis" data-axis="${esc(a.name)}">`;
      s += `<line x1="${a.x}" x2="${a.x}" y1="${a.top}" y2="${a.bottom}" stroke="#444"/>`;
      s += `<text x="${a.x}" y="${a.top - 14}" text-anchor="middle" font-weight="bold">${esc(a.name)}</text>`;
      let ticks: unknown[];
      if (p && p.type === 'categorical') ticks = p.values ?? [];
      else if (p && p.log) {
        const nums = m.rows.map((r) => r.params[a.name]).filter((v): v is number => typeof v === 'number');
        const lo = Math.floor(Math.log10(Math.min(...nums))), hi = Math.ceil(Math.log10(Math.max(...nums)));
        ticks = [];
        for (let e = lo; e <= hi; e++) ticks.push(Math.pow(10, e));
        ticks = ticks.filter((v) => { const y = a.y(v); return y !== null && y >= a.top - 0.5 && y <= a.bottom + 0.5; });
      } else {
        const vals = p ? m.rows.map((r) => r.params[a.name]) : m.rows.map((r) => r.value);
        const nums = vals.filter((v): v is number => typeof v === 'number');
        ticks = nums.length ? niceTicks(Math.min(...nums), Math.max(...nums), 5) : [];
      }
      for (const t of ticks) {
        const y = a.y(t);
        if (y === null) continue;
        // A white box behind each label keeps it readable over the lines.
        const label = fmt(t);
        s += `<line x1="${a.x - 4}" x2="${a.x}" y1="${y}" y2="${y}" stroke="#444"/><rect x="${(a.x - 9 - 6.4 * label.length).toFixed(1)}" y="${y - 7}" width="${(6.4 * label.length + 3).toFixed(1)}" height="14" fill="white" fill-opacity="0.85"/><text x="${a.x - 7}" y="${y + 4}" text-anchor="end" font-size="11">${esc(label)}</text>`;
      }
      const b = brushes[a.name];
      if (b) s += `<rect class="brush" x="${a.x - 9}" y="${Math.min(b[0], b[1])}" width="18" height="${Math.abs(b[1] - b[0])}" fill="#4c78a8" fill-opacity="0.25" stroke="#4c78a8"/>`;
      s += `<rect class="brush-area" data-axis="${esc(a.name)}" x="${a.x - 12}" y="${a.top - 4}" width="24" height="${a.bottom - a.top + 8}" fill="transparent" style="cursor:crosshair"/>`;
      s += '</g>';
    }
    s += `<text x="10" y="${H - 12}" fill="#666">${chosen.size} of ${m.rows.length} runs selected; lines coloured by ${esc(m.metric.name)} (yellow = best)</text>`;
    return s + '</svg>';
  }

  function importance(m: ReportModel): string {
    const rows: { label: string; imp: number | null; r: number | null }[] = [];
    for (const e of m.importance) {
      rows.push({ label: e.param, imp: e.importance, r: e.correlation });
      for (const c of m.correlations) if (c.column.startsWith(e.param + '=')) rows.push({ label: '  ' + c.column, imp: null, r: c.r });
    }
    const W = 680, rowH = 20, T = 58, H = T + rowH * rows.length + 20;
    const L = 200, IW = 200, CX = L + IW + 150, CW = 110;
    let s = svgOpen(W, H, 'parameter importance');
    s += `<text x="10" y="20" font-size="14" font-weight="bold">parameter importance and correlation with ${esc(m.metric.name)}</text>`;
    s += `<text x="${L}" y="${T - 10}" font-weight="bold">importance (random forest)</text><text x="${CX}" y="${T - 10}" text-anchor="middle" font-weight="bold">correlation</text>`;
    s += `<line x1="${CX}" x2="${CX}" y1="${T - 4}" y2="${H - 16}" stroke="#888"/>`;
    rows.forEach((row, i) => {
      const y = T + i * rowH;
      s += `<text x="${L - 8}" y="${y + 14}" text-anchor="end" ${row.imp === null ? 'fill="#555"' : 'font-weight="bold"'} xml:space="preserve">${esc(row.label)}</text>`;
      if (row.imp !== null) {
        s += `<rect x="${L}" y="${y + 4}" width="${(row.imp * IW).toFixed(1)}" height="${rowH - 8}" fill="#4c78a8"/><text x="${L + row.imp * IW + 4}" y="${y + 14}">${row.imp.toFixed(3)}</text>`;
      }
      if (row.r !== null) {
        const w = Math.abs(row.r) * CW;
        s += `<rect x="${(row.r >= 0 ? CX : CX - w).toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${row.r >= 0 ? '#54a24b' : '#e45756'}"/>`;
        s += `<text x="${row.r >= 0 ? CX - 4 : CX + 4}" y="${y + 14}" text-anchor="${row.r >= 0 ? 'end' : 'start'}" fill="#333">${row.r.toFixed(2)}</text>`;
      }
    });
    return s + '</svg>';
  }

  return { scatter, parallel, importance, select, axes, fmt };
}
