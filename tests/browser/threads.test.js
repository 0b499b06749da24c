// The threaded engine in Chromium, on the demo's server (scripts/serve.mjs, with its
// CSP): on the cross-origin isolated page, createWorker({threads: 2}) runs the
// engine on two threads in its worker and gives the single-threaded build's results
// bit for bit (computed here, in Node), and the engine on the page's own main
// thread, which cannot block, splits work across two threads too (it spin-waits);
// the demo itself still works. Without COOP/COEP the engine falls back to one thread
// and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadEngine, loadModel } from '../../js/index.js';
import { CHROMIUM, FIXTURES, openDemo } from './harness.mjs';

const noChromium = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;

const onnx = readFileSync(`${FIXTURES}lenet.onnx`);
const card = JSON.parse(readFileSync(`${FIXTURES}lenet.json`, 'utf8'));
// Three 28x28 images, values in [0, 1].
const x = { data: Float32Array.from({ length: 3 * 784 }, (_, i) => ((i * 7919) % 1000) / 1000), shape: [3, 1, 28, 28] };
const TARGETS = [1, 2, 3];
const FOOL = { target: [4, 5, 6], maxIterations: 5 };

// The reference: this process's engine, the single-threaded SIMD build.
async function reference() {
  const engine = await loadEngine({ threads: 1 });
  assert.equal(engine.threads, 1);
  const model = await loadModel(onnx, card);
  try {
    return results(model.predict(x), model.saliency(x, { target: TARGETS }), model.fool(x, FOOL));
  } finally {
    model.dispose();
  }
}

function results(predict, saliency, fool) {
  const list = (tensor) => Array.from(tensor.data);
  return {
    logits: list(predict.logits), map: list(saliency.map), grad: list(saliency.grad),
    fooled: list(fool.image), iterations: Array.from(fool.iterations),
  };
}

// LeNet in createWorker({threads}) on the page: {threads, note, results}.
function inPageWorker(page, threads) {
  return page.evaluate(async ({ bytes, card, x, targets, fool, threads }) => {
    const { createWorker } = await import('/js/worker.js');
    const worker = createWorker({ threads });
    try {
      const model = await worker.loadModel(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)), card);
      const input = { data: Float32Array.from(x.data), shape: x.shape };
      const [predict, saliency, fooled] = [await model.predict(input), await model.saliency(input, { target: targets }),
        await model.fool(input, fool)];
      const list = (tensor) => Array.from(tensor.data);
      return {
        threads: model.threads,
        note: model.threadsNote,
        results: {
          logits: list(predict.logits), map: list(saliency.map), grad: list(saliency.grad),
          fooled: list(fooled.image), iterations: Array.from(fooled.iterations),
        },
      };
    } finally {
      worker.terminate();
    }
  }, {
    bytes: onnx.toString('base64'), card, x: { data: Array.from(x.data), shape: x.shape }, targets: TARGETS, fool: FOOL, threads,
  });
}

// The engine on the page's main thread: its threads, note, and which threads computed
// gl_parallel_for's ranges (tried until the worker took its share once).
function onPageMainThread(page) {
  return page.evaluate(async () => {
    const { loadEngine } = await import('/js/engine.js');
    const engine = await loadEngine({ threads: 2 });
    const threaded = typeof engine.exports.glw_parallel_probe === 'function';
    let workerComputed = false;
    if (threaded) {
      const n = 1 << 16;
      const ptr = engine.alloc(4 * n);
      for (let attempt = 0; attempt < 1000 && !workerComputed; attempt++) {
        engine.exports.glw_parallel_probe(n, 64, ptr);
        const owner = new Int32Array(engine.memory, ptr, n);
        workerComputed = owner[0] === 0 && owner[n - 1] === 1;
      }
      engine.free(ptr);
    }
    const shared = typeof SharedArrayBuffer === 'function' && engine.memory instanceof SharedArrayBuffer;
    return { threads: engine.threads, note: engine.threadsNote, shared, workerComputed };
  });
}

test('cross-origin isolated: two threads in the demo\'s worker and on its main thread; the demo still predicts',
  { skip: noChromium }, async () => {
    const expected = await reference();
    const demo = await openDemo({ isolated: true });
    try {
      const { page } = demo;
      await page.goto(demo.url);
      assert.equal(await page.evaluate(() => crossOriginIsolated), true);
      const inWorker = await inPageWorker(page, 2);
      assert.equal(inWorker.threads, 2);
      assert.equal(inWorker.note, null);
      assert.deepEqual(inWorker.results, expected, 'two threads in the browser differ from one in Node');
      const main = await onPageMainThread(page);
      assert.deepEqual(main, { threads: 2, note: null, shared: true, workerComputed: true });
      // The demo's own engine (its worker, the default thread count) still answers.
      await page.waitForSelector('#top-classes li');
      assert.deepEqual(demo.errors, [], 'console errors, page errors or CSP violations');
    } finally {
      await demo.close();
    }
  });

test('not cross-origin isolated: one thread, with the reason in threadsNote', { skip: noChromium }, async () => {
  const expected = await reference();
  const demo = await openDemo({ isolated: false });
  try {
    const { page } = demo;
    await page.goto(demo.url);
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    const inWorker = await inPageWorker(page, 2);
    assert.equal(inWorker.threads, 1);
    assert.match(inWorker.note, /cross-origin isolated.*one thread/);
    assert.deepEqual(inWorker.results, expected);
    const main = await onPageMainThread(page);
    assert.equal(main.threads, 1);
    assert.equal(main.shared, false);
    assert.match(main.note, /cross-origin isolated.*one thread/);
    assert.deepEqual(demo.errors, [], 'console errors, page errors or CSP violations');
  } finally {
    await demo.close();
  }
});
