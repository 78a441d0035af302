// The report as one self-contained HTML file (no CDN, no external file: it opens offline): the
// data embedded once as JSON, the chart code (chartKit) embedded as source, and a small script for
// the sortable runs table and the brushing. Beside it, the same charts as SVG and PNG.

import { svgToPng } from '../../plot/render';
import { saveFigure } from '../../plot/save';
import { writeFileAtomic } from '../../fs';
import { chartKit } from '../../../sweep/report/charts';
import type { ReportModel } from './model';

/**
 * The page's own script, run in the browser as pageMain(DATA, kit, document). The DOM is typed
 * loosely (`any`) because lib/ compiles without the DOM's type library.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dom = any;
function pageMain(DATA: ReportModel, kit: ReturnType<typeof chartKit>, doc: Dom): void {
  let brushes: Record<string, [number, number]> = {};
  let sortKey = 'value';
  let sortDir = DATA.metric.goal === 'maximize' ? -1 : 1;
  const cols: { key: string; label: string; get(r: (typeof DATA.rows)[number]): unknown }[] = [
    { key: 'id', label: 'trial', get: (r) => r.id },
    { key: 'state', label: 'state', get: (r) => r.state },
    { key: 'value', label: DATA.metric.name, get: (r) => r.value },
    { key: 'test_accuracy', label: 'test_accuracy', get: (r) => r.test_accuracy },
    { key: 'epochs', label: 'epochs run', get: (r) => r.epochs },
    { key: 'created', label: 'created', get: (r) => r.created },
    ...DATA.params.map((p) => ({ key: 'p:' + p.name, label: p.name, get: (r: (typeof DATA.rows)[number]) => r.params[p.name] })),
  ];
  const el = (id: string): Dom => doc.getElementById(id);

  function renderTable(): void {
    const chosen = kit.select(DATA, brushes);
    const col = cols.find((c) => c.key === sortKey)!;
    const rows = DATA.rows.filter((r) => chosen.has(r.id)).sort((a, b) => {
      const x = col.get(a), y = col.get(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sortDir;
    });
    const head = cols.map((c) => `<th data-key="${c.key}" class="${c.key === sortKey ? (sortDir > 0 ? 'asc' : 'desc') : ''}">${c.label}</th>`).join('');
    const body = rows.map((r) => '<tr data-id="' + r.id + '">' + cols.map((c) => {
      const v = c.get(r);
      const text = v === null || v === undefined ? '–' : c.key === 'created' ? new Date(v as number).toISOString().replace('T', ' ').slice(0, 19) : typeof v === 'number' && (c.key === 'value' || c.key === 'test_accuracy') ? v.toFixed(4) : kit.fmt(v);
      return `<td class="${c.key === 'state' ? 'st-' + r.state : ''}">${text}</td>`;
    }).join('') + '</tr>').join('');
    el('runs').innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body}</tbody>`;
    el('count').textContent = `${rows.length} of ${DATA.rows.length} runs` + (Object.keys(brushes).length ? ' (filtered by the parallel-coordinates brushes)' : '');
    el('scatter').innerHTML = kit.scatter(DATA, chosen);
  }

  function renderParallel(): void {
    el('parallel').innerHTML = kit.parallel(DATA, brushes);
  }

  el('runs').addEventListener('click', (e: Dom) => {
    const th = (e.target as Dom).closest('th');
    if (!th) return;
    const key = th.getAttribute('data-key')!;
    sortDir = key === sortKey ? -sortDir : 1;
    sortKey = key;
    renderTable();
  });

  // Brushing: press on an axis, drag, release. A click without a drag clears that axis.
  let drag: { axis: string; y0: number; moved: boolean } | null = null;
  const svgY = (e: Dom): number => {
    const svg = el('parallel').querySelector('svg');
    const box = svg.getBoundingClientRect();
    return ((e.clientY - box.top) / box.height) * svg.viewBox.baseVal.height;
  };
  el('parallel').addEventListener('mousedown', (e: Dom) => {
    const t = (e.target as Dom).closest('.brush-area, .brush');
    const g = (e.target as Dom).closest('.axis');
    if (!t || !g) return;
    e.preventDefault();
    drag = { axis: g.getAttribute('data-axis')!, y0: svgY(e), moved: false };
  });
  doc.addEventListener('mousemove', (e: Dom) => {
    if (!drag) return;
    const y = svgY(e);
    if (Math.abs(y - drag.y0) < 3 && !drag.moved) return;
    drag.moved = true;
    const a = kit.axes(DATA).find((x) => x.name === drag!.axis)!;
    const clamp = (v: number) => Math.max(a.top - 4, Math.min(a.bottom + 4, v));
    brushes[drag.axis] = [clamp(drag.y0), clamp(y)];
    renderParallel();
    renderTable();
  });
  doc.addEventListener('mouseup', () => {
    if (!drag) return;
    if (!drag.moved) {
      const next = { ...brushes };
      delete next[drag.axis];
      brushes = next;
      renderParallel();
      renderTable();
    }
    drag = null;
  });
  el('clear').addEventListener('click', () => {
    brushes = {};
    renderParallel();
    renderTable();
  });

  el('importance').innerHTML = kit.importance(DATA);
  renderParallel();
  renderTable();
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The report page's HTML text. */
export function reportHtml(m: ReportModel): string {
  // JSON inside <script>: escape '<' so no "</script>" in a value can end the element.
  const data = JSON.stringify(m).replace(/</g, '\\u003c');
  const best = m.best;
  const bestBlock = best
    ? `<p>Best run: <b>${esc(best.id)}</b>, ${esc(m.metric.name)} <b>${best.value.toFixed(4)}</b>` +
      (best.test_accuracy === null ? '' : `, test accuracy ${best.test_accuracy.toFixed(4)}`) + '</p>' +
      `<div class="cfg">${Object.entries(best.config).map(([k, v]) => `<span>${esc(k)}</span><b>${esc(String(v))}</b>`).join('')}</div>` +
      `<p>Reproduce it:</p><pre id="trainline">${esc(best.trainLine)}</pre>`
    : '<p>No run has finished yet.</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>scratchnet report: ${esc(m.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
#parallel svg { user-select: none; }
table { border-collapse: collapse; font-size: 13px; }
#runs th { cursor: pointer; background: #f3f3f3; position: sticky; top: 0; }
#runs th.asc::after { content: " ▲"; } #runs th.desc::after { content: " ▼"; }
#runs td, #runs th { border: 1px solid #ddd; padding: 3px 7px; text-align: right; white-space: nowrap; }
.cfg { display: inline-grid; grid-template-columns: repeat(5, auto auto); gap: 3px 10px; font-size: 13px; }
.cfg span { color: #666; text-align: right; } .cfg b { font-weight: 600; margin-right: 14px; }
#runs td:nth-child(1), #runs td:nth-child(2) { text-align: left; }
.st-finished { color: #2a5d8f; } .st-diverged { color: #c0392b; } .st-failed { color: #7b4a2d; } .st-stopped-early { color: #b8600b; } .st-killed { color: #888; }
pre { background: #f6f6f6; padding: 8px; white-space: pre-wrap; }
.tablewrap { height: 520px; overflow: auto; }  /* fixed: a filtered, shorter table must not scroll the page under the brush */
button { margin-left: 12px; }
</style></head>
<body>
<h1>scratchnet report: ${esc(m.title)}</h1>
<p>${esc(m.source)}; metric <b>${esc(m.metric.name)}</b> (${m.metric.goal}); generated ${esc(m.generated)}.</p>
<h2>Best configuration</h2>
${bestBlock}
<div class="charts">
<div class="chart" id="scatter"></div>
<div class="chart" id="importance"></div>
</div>
<h2>Parallel coordinates</h2>
<div class="chart" id="parallel"></div>
<h2>Runs <span id="count"></span><button id="clear">clear filters</button></h2>
<div class="tablewrap"><table id="runs"></table></div>
<script>
"use strict";
const DATA = ${data};
const kit = (${chartKit.toString()})();
(${pageMain.toString()})(DATA, kit, document);
</script>
</body></html>
`;
}

/**
 * Writes the report: `out` (the HTML page) and, beside it, <base>-scatter, -parallel and
 * -importance as SVG and PNG. Returns the paths written.
 */
export async function writeReport(m: ReportModel, out: string): Promise<string[]> {
  const kit = chartKit();
  const base = out.replace(/\.html?$/i, '');
  const written = [writeFileAtomic(out, reportHtml(m))];
  for (const [name, svg] of [['scatter', kit.scatter(m)], ['parallel', kit.parallel(m)], ['importance', kit.importance(m)]] as const) {
    const { png, width, height } = svgToPng(svg, 2);
    written.push(...await saveFigure(`${base}-${name}`, { svg, png, width, height }));
  }
  return written;
}
