// Builds the wasm kernels into dist/lib/backend/wasm/ (npm run build runs this before tsc):
//   kernels.wasm      assembly/kernels.ts, SIMD
//   kernels-fma.wasm  the same source with relaxed SIMD (fused multiply-add), used where the runtime accepts it
//   step.wasm         assembly/step.ts, SIMD
//   image.wasm        assembly/image.ts, SIMD (the image layers' kernels)
// Every module imports the one shared memory and places its static data at the memory map's staticData
// (lib/backend/wasm/layout.json, the map's only declaration: the JS side derives its addresses from it too).

const { execFileSync } = require('child_process');
const path = require('path');
const layout = require('../lib/backend/wasm/layout.json');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'lib', 'backend', 'wasm');
const asc = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'asc.cmd' : 'asc');
const common = ['-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--enable', 'threads', '--importMemory', '--sharedMemory',
  '--initialMemory', '1', '--maximumMemory', '65536', '--memoryBase', String(layout.staticData)];

const builds = [
  ['assembly/kernels.ts', 'kernels.wasm', []],
  ['assembly/kernels.ts', 'kernels-fma.wasm', ['--enable', 'relaxed-simd']],
  ['assembly/step.ts', 'step.wasm', []],
  ['assembly/image.ts', 'image.wasm', []],
];
for (const [source, file, extra] of builds) {
  execFileSync(asc, [source, ...common, ...extra, '-o', path.join(out, file)], { cwd: root, stdio: 'inherit' });
}
