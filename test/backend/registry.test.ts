// Backend selection: 'wasm' is the default where it loads, SCRATCHNET_BACKEND forces a choice,
// and setBackend names both.

import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { getBackend, listBackends, setBackend, shutdownWasm } from '../../lib/backend';

afterAll(() => shutdownWasm());

type BackendModule = typeof import('../../lib/backend');
type NodePlatformModule = typeof import('../../lib/node/platform');

/**
 * Runs fn on a fresh module registry (Node's platform installed again, then a new backend module that
 * has chosen nothing yet) with SCRATCHNET_BACKEND set to env (unset for undefined); restores it after.
 */
function withFreshBackend(env: string | undefined, fn: (fresh: BackendModule, node: NodePlatformModule) => void): void {
  const saved = process.env.SCRATCHNET_BACKEND;
  if (env === undefined) delete process.env.SCRATCHNET_BACKEND;
  else process.env.SCRATCHNET_BACKEND = env;
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const node = require('../../lib/node/platform') as NodePlatformModule;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      fn(require('../../lib/backend') as BackendModule, node);
    });
  } finally {
    if (saved === undefined) delete process.env.SCRATCHNET_BACKEND;
    else process.env.SCRATCHNET_BACKEND = saved;
  }
}

describe('backend registry', () => {
  test('wasm is registered and selected by default', () => {
    expect(listBackends()).toEqual(expect.arrayContaining(['reference', 'wasm']));
    expect(getBackend().name).toBe(process.env.SCRATCHNET_BACKEND ?? 'wasm');
  });

  test('setBackend switches between wasm (one shared instance) and reference', () => {
    const saved = getBackend().name;
    const w = setBackend('wasm');
    expect(w.name).toBe('wasm');
    expect(setBackend('wasm')).toBe(w);
    expect(setBackend('reference').name).toBe('reference');
    expect(() => setBackend('gpu')).toThrow(/unknown backend 'gpu'/);
    setBackend(saved);
  });

  test('without kernels.wasm the default is silently the reference, and setBackend(\'wasm\') says why', () => {
    withFreshBackend(undefined, (fresh, { nodePlatform }) => {
      // Node's platform, except that it finds no kernels.wasm.
      fresh.setPlatform({ ...nodePlatform, readWasm: (f) => (f.endsWith('kernels.wasm') ? null : nodePlatform.readWasm(f)) });
      expect(fresh.getBackend().name).toBe('reference');
      expect(() => fresh.setBackend('wasm')).toThrow(/wasm backend unavailable: kernels\.wasm not found .*npm run build/);
    });
  });

  test('SCRATCHNET_BACKEND=reference forces the reference backend', () => {
    withFreshBackend('reference', (fresh) => {
      expect(fresh.getBackend().name).toBe('reference');
      expect(fresh.setBackend('wasm').name).toBe('wasm'); // still selectable explicitly
      fresh.shutdownWasm();
    });
  });

  test('nothing happens at import: no environment read, no wasm compiled, no memory reserved, until first use or ready()', () => {
    // A fresh process imports the built package as a user does, with the environment and the WebAssembly
    // constructors watched; then ready() must load the default backend (and only then compile).
    const script = `
      const seen = [];
      process.env = new Proxy(process.env, { get(t, k) { if (typeof k === 'string' && k.startsWith('SCRATCHNET')) seen.push('env ' + k); return t[k]; } });
      for (const name of ['Module', 'Memory', 'Instance']) {
        const Real = WebAssembly[name];
        WebAssembly[name] = new Proxy(Real, { construct(t, args) { seen.push(name); return Reflect.construct(t, args); } });
      }
      const lib = require(${JSON.stringify(path.resolve(__dirname, '../../dist/lib/index.js'))});
      const atImport = seen.splice(0);
      const backend = lib.ready();
      console.log(JSON.stringify({ atImport, atReady: [...new Set(seen)], name: backend.name, same: lib.getBackend() === backend }));
      lib.shutdownWasm();
    `;
    const env = { ...process.env };
    delete env.SCRATCHNET_BACKEND;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { atImport: string[]; atReady: string[]; name: string; same: boolean };
    expect(out.atImport).toEqual([]);
    expect(out.atReady).toEqual(expect.arrayContaining(['env SCRATCHNET_BACKEND', 'Module', 'Memory', 'Instance']));
    expect(out).toMatchObject({ name: 'wasm', same: true });
  });

  test('SCRATCHNET_BACKEND with an unknown name says which names exist, on first use', () => {
    withFreshBackend('gpu', (fresh) => {
      expect(() => fresh.getBackend()).toThrow(/SCRATCHNET_BACKEND='gpu': expected one of reference, wasm/);
    });
  });
});

describe('Node\'s platform', () => {
  // The core computes on the wasm backend only where an edge installed a platform that reads the built
  // files (lib/node/platform.ts); without it a Node program would silently fall back to the reference
  // backend. Every Node entry point imports it.
  const ROOT = path.resolve(__dirname, '../..');
  test.each(['lib/index.ts', 'bin/scratchnet.ts', 'lib/node/sweep/local-worker.ts', 'bench/run.ts', 'bench/epochs.ts', 'bench/mlp.ts', 'bench/fnn-cnn.ts', 'bench/gemm.ts', 'test/setup-platform.ts'])('%s installs it', (file) => {
    const src = readFileSync(path.join(ROOT, file), 'utf8');
    expect(src).toMatch(/^import '(\.\.?\/)+(lib\/)?(node\/)?platform';/m);
  });

  test('in dist/: with it installed the default backend is wasm; without it, silently the reference (hence the imports)', () => {
    const run = (install: boolean) => {
      const script = `${install ? `require(${JSON.stringify(path.join(ROOT, 'dist/lib/node/platform.js'))});` : ''}
        const b = require(${JSON.stringify(path.join(ROOT, 'dist/lib/backend/index.js'))});
        console.log(b.platform().name, b.getBackend().name); b.shutdownWasm();`;
      const env = { ...process.env };
      delete env.SCRATCHNET_BACKEND;
      return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env }).stdout.trim();
    };
    expect(run(true)).toBe('node wasm');
    expect(run(false)).toBe('none reference');
  });
});
