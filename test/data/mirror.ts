// Starts test/data/mirror-server.js (the loopback stand-in for the data set mirrors) in its own process,
// serving the repository's data/ folder, and hands the tests its URLs and request counts.

import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { findPackageRoot } from '../../lib/node/data';

export interface Mirror {
  port: number;
  /** The base URL of one mode for one folder, e.g. base('404', 'mnist') = http://127.0.0.1:P/404/mnist/. */
  base(mode: string, folder?: string): string;
  /** Requests so far, by path. */
  stats(): Promise<Record<string, number>>;
  stop(): void;
}

export async function startMirror(): Promise<Mirror> {
  const root = findPackageRoot();
  const child: ChildProcess = spawn(process.execPath, [join(root, 'test', 'data', 'mirror-server.js'), join(root, 'data')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`mirror server exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    port,
    base: (mode, folder = 'mnist') => `http://127.0.0.1:${port}/${mode}/${folder}/`,
    stats: () =>
      new Promise((resolve, reject) => {
        // A fresh connection each time: a kept-alive one can be closed by the server as it is reused.
        get(`http://127.0.0.1:${port}/stats`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(JSON.parse(body) as Record<string, number>));
        }).on('error', reject);
      }),
    stop: () => {
      child.stdin?.end();
      child.kill();
    },
  };
}
