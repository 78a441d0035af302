// Builds the wasm kernels into dist/lib/backend/wasm/ (npm run build runs this before tsc):
//   kernels.wasm      assembly/kernels.ts, SIMD
//   kernels-fma.wasm  the same source with relaxed SIMD (fused multiply-add), used where the runtime accepts it
//   step.wasm         assembly/step.ts, SIMD
//   image.wasm        assembly/image.ts, SIMD (the image layers' kernels)
// Every module imports the one shared memory and places its static data at the memory map's staticData
// (lib/backend/wasm/layout.json, the map's only declaration: the JS side derives its addresses from it too).
// unshared/ holds the same four built for an unshared memory (a page that is not cross-origin isolated
// cannot have shared memory): asc without --sharedMemory, whose output differs only in the memory
// import's flags, so the kernels are the same instructions.

const { promisify } = require('util');
const execFile = promisify(require('child_process').execFile);
const path = require('path');
const layout = require('../lib/backend/wasm/layout.json');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'lib', 'backend', 'wasm');
const asc = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'asc.cmd' : 'asc');
const common = ['-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--enable', 'threads', '--importMemory',
  '--initialMemory', '1', '--maximumMemory', '65536', '--memoryBase', String(layout.staticData)];

const builds = [
  ['assembly/kernels.ts', 'kernels.wasm', []],
  ['assembly/kernels.ts', 'kernels-fma.wasm', ['--enable', 'relaxed-simd']],
  ['assembly/step.ts', 'step.wasm', []],
  ['assembly/image.ts', 'image.wasm', []],
];
// Two asc processes at a time (each build is single-threaded).
const jobs = builds.flatMap(([source, file, extra]) => [
  [source, ...common, '--sharedMemory', ...extra, '-o', path.join(out, file)],
  [source, ...common, ...extra, '-o', path.join(out, 'unshared', file)],
]);
async function main() {
  const run = async () => {
    for (let args = jobs.shift(); args; args = jobs.shift()) await execFile(asc, args, { cwd: root });
  };
  await Promise.all([run(), run()]);
}
main().catch((e) => {
  console.error(e.stderr || e.message);
  process.exit(1);
});
