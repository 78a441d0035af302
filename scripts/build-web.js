// `npm run build:web`: the browser build. Bundles the platform-free library (lib/web/index.ts) as one
// ES module, dist/web/scratchnet.js (what `import ... from 'scratchnet/web'` gets), and the demo page
// (web/) beside it: page script, training worker, HTML/CSS, the demo model and the web MNIST subset.
// Fails if anything in the bundle reaches for a Node built-in (esbuild cannot resolve it for a browser).
// Plain JavaScript so it runs before anything is compiled.

const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'web');

/** Until the wasm backend loads in browsers, its module is swapped for a stand-in that says so. */
const noWasm = {
  name: 'no-wasm',
  setup(build) {
    build.onResolve({ filter: /^\.\/wasm$/ }, (args) =>
      args.importer.endsWith(path.join('lib', 'backend', 'index.ts')) ? { path: path.join(root, 'lib', 'web', 'no-wasm.ts') } : undefined);
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [noWasm],
  // The backend picks its default from SCRATCHNET_BACKEND on Node; a page has no environment.
  define: { 'process.env.SCRATCHNET_BACKEND': 'undefined' },
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
