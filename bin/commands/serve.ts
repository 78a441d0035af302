// `scratchnet serve`: the demo page (draw a digit, train in the browser) on localhost, with the
// cross-origin isolation headers that let the page use threads. Runs until interrupted.

import { Command, InvalidArgumentError } from 'commander';
import { serveStatic } from '../../lib/node/serve';

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError(`expected an integer port 0..65535, got '${v}'`);
  return n;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the browser demo (draw a digit, train in the page) on localhost with the headers wasm threads need')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 8080)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--root <dir>', 'folder to serve instead of the built demo (dist/web)')
    .action(async (opts: { port: number; host: string; root?: string }) => {
      const { url } = await serveStatic({ port: opts.port, host: opts.host, root: opts.root });
      console.log(`scratchnet demo at ${url} (Ctrl-C to stop)`);
    });
}
