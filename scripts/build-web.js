// `npm run build:web`: the browser build. Bundles the platform-free library (lib/web/index.ts) as one
// ES module, dist/web/scratchnet.js (what `import ... from 'scratchnet/web'` gets), and the demo page
// (web/) beside it: page script, training worker, HTML/CSS, the demo model and the web MNIST subset.
// Fails if anything in the bundle reaches for a Node built-in other than the three the wasm backend's
// loader imports (shimmed below): esbuild cannot resolve them for a browser.
// Plain JavaScript so it runs before anything is compiled.

const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'web');

/**
 * The wasm backend's Node-only imports, for the browser: fs, path and v8 are never needed there (the
 * modules are handed over compiled, lib/web/wasm.ts), worker_threads' Worker runs on a Web Worker.
 */
const shims = {
  name: 'node-shims',
  setup(build) {
    const to = { fs: 'fs.ts', path: 'path.ts', worker_threads: 'worker-threads.ts', v8: 'v8.ts' };
    build.onResolve({ filter: /^(fs|path|worker_threads|v8)$/ }, (args) => ({ path: path.join(root, 'lib', 'web', 'shims', to[args.path]) }));
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [shims],
  // A page has no environment (the backend's and the wasm threads' switches keep their defaults) and
  // warns on its console.
  define: { 'process.env.SCRATCHNET_BACKEND': 'undefined', 'process.env.SCRATCHNET_WASM_THREADS': 'undefined', 'process.emitWarning': 'console.warn' },
};

function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'lib', 'web', 'index.ts')], outfile: path.join(out, 'scratchnet.js') });
  await esbuild.build({
    ...common,
    entryPoints: { demo: path.join(root, 'web', 'demo.ts'), 'train-worker': path.join(root, 'web', 'train-worker.ts') },
    outdir: out,
  });
  for (const f of ['index.html', 'style.css']) copy(path.join(root, 'web', f), path.join(out, f));
  // The wasm kernels, fetched by loadWasmBackendFromUrl from beside the page's scripts.
  for (const f of ['kernels.wasm', 'step.wasm']) copy(path.join(root, 'dist', 'lib', 'backend', 'wasm', f), path.join(out, f));
  for (const dir of ['data', 'models']) {
    const src = path.join(root, 'web', dir);
    if (!fs.existsSync(src)) continue;
    for (const f of fs.readdirSync(src)) copy(path.join(src, f), path.join(out, dir, f));
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
