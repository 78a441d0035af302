// The numbers in docs/browser.md, measured: inference time per drawn digit on the demo page, and
// training samples/s of the same MLP in Chromium (the page's worker) and on Node (same loop, same
// data), on the page served cross-origin isolated (shared memory) and not (the unshared wasm build),
// plus a screenshot of the page (docs/figures/browser-demo.png). Prints the CPU model, the load
// average, the Chromium and Node versions with the results. Needs the build (npm run build) and
// /usr/bin/chromium.
//
//   node scripts/web-numbers.js [--epochs 3] [--no-screenshot]

const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const sn = require('../dist/lib');
const { serveStatic, webRoot } = require('../dist/lib/node/serve');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const epochs = Number(args[args.indexOf('--epochs') + 1] || 3);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The demo's default network: 784-128-10, ReLU, Adam 1e-3, batch 64, on the 10,000-image web subset. */
const NET = { hidden: 128, batch: 64, lr: 1e-3 };
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

function webData() {
  const read = (n, limit) => sn.readIdxFile(path.join(root, 'web', 'data', `mnist-web-${n}.idx.gz`), { limit });
  const x = read('train-images').data;
  return { x: Float32Array.from(x, (v) => v / 255), y: read('train-labels').data, test: read('test-images', 100).data };
}

/** Node: the worker's loop (BatchIterator + trainOnBatch), samples/s of each epoch after the first. */
function nodeTraining(backend, d, threads = true) {
  sn.setBackend(backend);
  if (backend === 'wasm') sn.getBackend().options.threads = threads;
  const model = new sn.Sequential([new sn.Dense({ units: NET.hidden, activation: 'relu' }), new sn.Dense({ units: 10 }), new sn.Softmax()], { inputShape: [784], seed: 1 });
  model.compile({ optimizer: 'adam', optimizerConfig: { learning_rate: NET.lr }, loss: 'cross_entropy' });
  const it = new sn.BatchIterator(d.x, d.y, { batchSize: NET.batch, featureSize: 784, numClasses: 10, seed: 1, alloc: (n) => sn.getBackend().alloc(n) });
  const tensors = new Map();
  const rates = [];
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    for (const b of it.epoch()) {
      const key = b.size;
      if (!tensors.has(key)) tensors.set(key, [new sn.Tensor(b.x, [b.size, 784]), new sn.Tensor(b.y, [b.size, 10])]);
      const [x, y] = tensors.get(key);
      model.trainOnBatch(x, y);
    }
    if (e > 0) rates.push(it.count / ((performance.now() - t0) / 1000));
  }
  model.dispose?.();
  return median(rates);
}

/** The page served with or without the isolation headers: inference and training figures. */
async function measurePage(browser, d, isolate, backends) {
  const { server, url } = await serveStatic({ root: webRoot(), port: 0, isolate });
  const page = await browser.newPage({ viewport: { width: 1180, height: 860 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.evaluate(() => window.demo.ready);

  // Inference: 100 MNIST test digits drawn into the pad, each classified as a stroke would be.
  const ms = await page.evaluate((digits) => {
    const pad = document.getElementById('pad');
    const ctx = pad.getContext('2d');
    const tmp = document.createElement('canvas');
    tmp.width = tmp.height = 28;
    window.demo.state.predictMs.length = 0;
    for (let n = 0; n < digits.length / 784; n++) {
      const img = new ImageData(28, 28);
      for (let i = 0; i < 784; i++) img.data.set([digits[n * 784 + i], digits[n * 784 + i], digits[n * 784 + i], 255], 4 * i);
      tmp.getContext('2d').putImageData(img, 0, 0);
      ctx.drawImage(tmp, 0, 0, pad.width, pad.height);
      window.demo.classify();
    }
    return window.demo.state.predictMs.slice(5);
  }, Array.from(d.test));
  const backendName = await page.evaluate(() => document.getElementById('backend-info').textContent);
  // The CNN's forward pass alone, on one digit, on the reference backend and on wasm, in a second copy
  // of the library (the page's own scratchnet.js module).
  const forward = await page.evaluate(async (digits) => {
    const sn = await import('./scratchnet.js');
    const x = new sn.Tensor(Float32Array.from(digits.slice(0, 784), (v) => v / 255), [1, 28, 28, 1]);
    const out = {};
    for (const name of ['reference', 'wasm']) {
      if (name === 'wasm') await sn.loadWasmBackendFromUrl(new URL('./', location.href), { threads: false });
      else sn.setBackend('reference');
      const model = await sn.fetchModel('models/mnist-cnn.snet');
      // Timed 100 calls at a time: a page that is not cross-origin isolated gets a clock coarsened to 0.1 ms.
      const ms = [];
      for (let r = 0; r < 12; r++) {
        const t0 = performance.now();
        for (let i = 0; i < 100; i++) model.predict(x);
        ms.push((performance.now() - t0) / 100);
      }
      out[name] = ms.slice(2).sort((a, b) => a - b)[5];
    }
    return out;
  }, Array.from(d.test));

  // Training in the page's worker, on each backend it offers.
  const chromiumRates = {};
  for (const backend of backends) {
    await page.fill('#hidden', String(NET.hidden));
    await page.fill('#batch', String(NET.batch));
    await page.fill('#lr', String(NET.lr));
    await page.selectOption('#ntrain', '10000');
    await page.selectOption('#backend', backend);
    await page.click('#train');
    await page.waitForFunction((n) => window.demo.state.epochs.length >= n || window.demo.state.errors.length > 0, epochs, { timeout: 600_000 });
    await page.click('#stop');
    await page.waitForFunction(() => !window.demo.state.training);
    const st = await page.evaluate(() => ({ epochs: window.demo.state.epochs, run: window.demo.state.run, errors: window.demo.state.errors }));
    if (st.errors.length) throw new Error(st.errors.join('; '));
    chromiumRates[backend] = { rate: median(st.epochs.slice(1, epochs).map((e) => e.samplesPerSecond)), run: st.run, stats: st.epochs[st.epochs.length - 1].threadStats };
  }

  if (isolate && !args.includes('--no-screenshot')) {
    // A hand-drawn-looking 7 for the picture: two strokes with the mouse.
    await page.click('#clear');
    const box = await page.locator('#pad').boundingBox();
    const strokeTo = async (pts) => {
      await page.mouse.move(box.x + pts[0][0], box.y + pts[0][1]);
      await page.mouse.down();
      for (const [x, y] of pts.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 8 });
      await page.mouse.up();
    };
    await strokeTo([[70, 70], [200, 62], [215, 70], [150, 160], [120, 230]]);
    await strokeTo([[110, 145], [190, 140]]);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(root, 'docs', 'figures', 'browser-demo.png') });
  }
  await page.close();
  server.close();
  return { ms, forward, backendName, chromiumRates, errors };
}

async function main() {
  const d = webData();
  const load = [os.loadavg()[0]];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const version = browser.version();
  const pages = [
    ['cross-origin isolated', await measurePage(browser, d, true, ['wasm-threads', 'wasm', 'reference'])],
    ['not isolated', await measurePage(browser, d, false, ['wasm'])],
  ];
  await browser.close();

  const nodeRef = nodeTraining('reference', d);
  const nodeWasm = nodeTraining('wasm', d, true);
  const nodeWasm1 = nodeTraining('wasm', d, false);
  sn.shutdownWasm?.();
  load.push(os.loadavg()[0]);
  const cpu = os.cpus()[0].model;
  console.log(`CPU ${cpu}, ${os.cpus().length} cores; load average ${load.map((l) => l.toFixed(1)).join(' → ')}; Chromium ${version}; Node ${process.version}`);
  for (const [name, p] of pages) {
    console.log(`page ${name}: ${p.backendName} errors: ${p.errors.length ? p.errors.join('; ') : 'none'}`);
    console.log(`  inference per drawn digit (read pad, preprocess, CNN forward; median of ${p.ms.length}${name === 'not isolated' ? ', clock in 0.1 ms steps there' : ''}): ${median(p.ms).toFixed(2)} ms`);
    console.log(`  CNN forward alone, one digit (median of 10 x 100 calls): reference ${p.forward.reference.toFixed(3)} ms, wasm ${p.forward.wasm.toFixed(3)} ms`);
    console.log(`  training 784-${NET.hidden}-10 ReLU, Adam, batch ${NET.batch}, 10,000 images, median samples/s of epochs 2..${epochs}:`);
    for (const [k, v] of Object.entries(p.chromiumRates)) {
      console.log(`    Chromium worker, ${k} (got ${v.run.name}${v.run.name === 'wasm' ? (v.run.threads ? ', 2 threads' : ', 1 thread') + (v.run.shared ? ', shared memory' : ', unshared memory') : ''}${v.stats ? `; helper ran ${v.stats.worker} GEMM halves, took back ${v.stats.stolen}` : ''}): ${Math.round(v.rate)}`);
    }
  }
  console.log(`  Node reference: ${Math.round(nodeRef)}`);
  console.log(`  Node wasm, 2 threads: ${Math.round(nodeWasm)}`);
  console.log(`  Node wasm, 1 thread: ${Math.round(nodeWasm1)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
