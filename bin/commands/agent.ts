// `scratchnet agent`: runs the trials of sweeps started elsewhere with `scratchnet sweep --queue`.
// It takes trials from the open sweep on a Redis queue, runs each as a `train` run in one of W
// worker processes here, and sends epochs and results back. Runs until Ctrl-C or SIGTERM.

import { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { parseQueueAddress, PASSWORD_ENV } from '../../lib/node/queue/connection';
import { LocalTransport } from '../../lib/node/sweep/local-transport';
import { addSharedFlags, intArg } from '../cli';
import { checkTrainConfig } from '../train-flags';

export function agentCommand(): Command {
  const cmd = new Command('agent')
    .description('run the trials of a sweep started with `scratchnet sweep --queue` on another machine (or this one)')
    .requiredOption('--queue <address>', `the sweep's Redis: redis://[USER:PASSWORD@]HOST:PORT[/DB] or rediss://… (password also from $${PASSWORD_ENV})`)
    .option('--workers <n>', 'trials run at once, one worker process each (default: the number of cores)', intArg('--workers'))
    .option('--sweep <id>', 'serve only this sweep (default: the oldest open sweep, then the next)');
  // A job never names paths: the agent reads its own data and writes its own copy of each run.
  addSharedFlags(cmd, { dataDir: true, out: { default: 'runs', help: "root folder for this machine's copy of each run record" } });
  return cmd.action(async (opts: { queue: string; workers?: number; sweep?: string; out: string; dataDir?: string }) => {
    const address = parseQueueAddress(opts.queue);
    // Loaded here, not at the top: BullMQ and its Redis client take ~0.3 s to load, which every
    // other command would pay.
    const { QueueAgent } = await import('../../lib/node/queue/agent');
    const workers = opts.workers ?? availableParallelism();
    const agent = new QueueAgent({
      address, slots: workers, sweep: opts.sweep,
      runner: new LocalTransport({ workers }),
      checkConfig: checkTrainConfig,
      local: { runsRoot: opts.out, dataDir: opts.dataDir },
    });
    await agent.start();
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.stderr.write(`agent: ${signal}: stopping; trials running here go back to the queue\n`);
        void agent.close().then(resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    process.exit(0); // a connection still retrying (Redis away) must not keep the process alive
  });
}
