// `npm run build:web`: the browser build. Bundles the platform-free library (lib/web/index.ts) as one
// ES module, dist/web/scratchnet.js (what `import ... from 'scratchnet/web'` gets), and the demo page
// (web/) beside it: page script, training worker, HTML/CSS, the demo model and the web MNIST subset.
// Fails if anything in the bundle reaches for a Node built-in: esbuild cannot resolve them for a browser
// (the core takes what it needs from the platform, lib/web/platform.ts here).
// Plain JavaScript so it runs before anything is compiled.

const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'web');

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
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
  // The wasm modules, fetched by loadWasmBackendFromUrl from beside the page's scripts: every one built
  // (scripts/build-wasm.js), the shared build and, under unshared/, the unshared one.
  const wasm = path.join(root, 'dist', 'lib', 'backend', 'wasm');
  for (const dir of ['', 'unshared']) {
    for (const f of fs.readdirSync(path.join(wasm, dir)).filter((n) => n.endsWith('.wasm'))) copy(path.join(wasm, dir, f), path.join(out, dir, f));
  }
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
