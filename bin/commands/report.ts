// `scratchnet report`: one self-contained HTML page (plus SVG/PNG charts) for a sweep or a project.

import { Command } from 'commander';
import { projectReport, sweepReport } from '../../lib/node/sweep/report/model';
import { writeReport } from '../../lib/node/sweep/report/html';
import { findState, listStates, loadState } from '../../lib/node/sweep/store';
import { DEFAULT_CONFIG } from '../../lib/node/experiments/assignment';
import { addSharedFlags, Reporter } from '../cli';

export function reportCommand(): Command {
  const cmd = new Command('report')
    .description('write one self-contained HTML report (runs table, scatter, parallel coordinates, importance) of a sweep or project, plus its charts as SVG/PNG')
    .option('--sweep <id>', 'report this sweep (default: the newest sweep, when --project is not given)')
    .option('--project <name>', 'report every run recorded under <runs>/<project>/')
    .option('--runs <dir>', 'root folder of the run records', 'runs');
  addSharedFlags(cmd, { json: true, out: { default: 'report.html', help: 'the HTML file to write (its charts go beside it as <name>-scatter/-parallel/-importance .svg and .png)' } });
  return cmd.action((opts: Record<string, unknown>) => runReport(opts));
}

async function runReport(opts: Record<string, unknown>): Promise<void> {
  const reporter = new Reporter(opts.json === true);
  const runs = opts.runs as string;
  if (opts.sweep && opts.project) throw new Error('give --sweep <id> or --project <name>, not both');
  let model;
  if (opts.project) {
    model = projectReport(runs, opts.project as string);
  } else {
    let file: string;
    if (opts.sweep) file = findState(runs, opts.sweep as string);
    else {
      const all = listStates(runs).map((f) => ({ f, s: loadState(f) })).sort((a, b) => a.s.created.localeCompare(b.s.created));
      if (all.length === 0) throw new Error(`no sweep under ${runs}/*/sweeps/ (run one with: npx scratchnet sweep examples/sweeps/assignment.yaml --count 20); or use --project ${DEFAULT_CONFIG.wandb_project}`);
      file = all[all.length - 1].f;
    }
    model = sweepReport(loadState(file));
  }
  const written = await writeReport(model, opts.out as string);
  reporter.line(`${model.title}: ${model.rows.length} runs`);
  if (model.best) reporter.line(`best ${model.best.id}  ${model.metric.name} ${model.best.value.toFixed(4)}\nreproduce: ${model.best.trainLine}`);
  for (const f of written) reporter.line(`wrote ${f}`);
  reporter.result({ files: written, best: model.best });
}
