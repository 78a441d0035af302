// The scratchnet command-line program: a thin commander shell. Each subcommand lives in
// bin/commands/<name>.ts, parses its flags, calls library functions from lib/, and prints.

import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentCommand } from './commands/agent';
import { aylaCommand } from './commands/ayla';
import { comparisonCommands } from './commands/compare';
import { customLayerCommand } from './commands/custom-layer';
import { dataCommand } from './commands/data';
import { dynamicLossCommand } from './commands/dynamic-loss';
import { fnnCnnCommand } from './commands/fnn-cnn';
import { confusionCommand } from './commands/confusion';
import { predictCommand } from './commands/predict';
import { samplesCommand } from './commands/samples';
import { sweepCommand } from './commands/sweep';
import { reportCommand } from './commands/report';
import { serveCommand } from './commands/serve';
import { trainCommand } from './commands/train';
import { acceptBothSpellings } from './cli';

/** The package version, read from package.json so it never drifts. */
export function packageVersion(): string {
  // dist/bin/program.js and bin/program.ts both sit two levels below the package root.
  for (const up of ['..', '../..']) {
    try {
      return JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')).version as string;
    } catch {
      // try the next level
    }
  }
  return '0.0.0';
}

/** Builds the program; tests call this and parse argv in-process. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('scratchnet')
    .description('Neural networks written from scratch in TypeScript, and the published experiments they reproduce on MNIST and Fashion-MNIST.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(trainCommand());
  program.addCommand(samplesCommand());
  program.addCommand(predictCommand());
  for (const c of comparisonCommands()) program.addCommand(c);
  program.addCommand(confusionCommand());
  program.addCommand(aylaCommand());
  program.addCommand(dynamicLossCommand());
  program.addCommand(customLayerCommand());
  program.addCommand(dataCommand());
  program.addCommand(sweepCommand());
  program.addCommand(agentCommand());
  program.addCommand(reportCommand());
  program.addCommand(serveCommand());
  program.addCommand(fnnCnnCommand());
  // Every command, including ones added above later, takes --batch-size and --batch_size alike.
  for (const c of program.commands) acceptBothSpellings(c);
  program.addHelpText('after', '\nMulti-word flags take either spelling on every command: --batch-size or --batch_size.\nQ1-Q10 are the questions of assignment 1 of DA6401, IIT Madras\'s deep-learning course.\nDocs: README.md and docs/ (docs/commands.md lists every flag).');
  return program;
}
