// Memory soak on the wasm engine: 10,000 saliency calls and 1,000 load/dispose
// cycles of the LeNet fixture (plus failing calls and every other method) leave
// the wasm memory where it was: its size (memory.buffer.byteLength, which never
// shrinks) and the heap in use (the size minus what malloc can still hand out
// without growing, probed in 64 KB blocks) stay flat. A leak of one buffer per
// call would show as megabytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILD, engineReady, load, loadFixture, relL2, wasmHeapUsed } from './helpers.js';

const engine = await engineReady;
const memoryBytes = () => engine.exports.memory.buffer.byteLength;

const heapUsed = () => wasmHeapUsed(engine);

const MB = (bytes) => (bytes / 2 ** 20).toFixed(2);

test(`soak: 10,000 saliency calls and 1,000 load/dispose cycles keep the wasm heap flat (${BUILD})`, async () => {
  const lenet = loadFixture('lenet');
  const { x, targets } = lenet.arrays;
  const one = { data: x.data.subarray(0, 784), shape: [1, 1, 28, 28] };
  const target = Array.from(targets.data);
  const model = await load(lenet.onnx, lenet.card);
  const reference = model.saliency(one, { target: target[0] }).map.data;

  // warm-up: the model's run memory and the allocator's free lists settle
  for (let k = 0; k < 20; k++) model.saliency(x, { target });
  const start = { bytes: memoryBytes(), used: heapUsed() };
  const t0 = performance.now();

  for (let k = 0; k < 10000; k++) {
    const { map } = model.saliency(one, { target: k % 10 });
    if (k % 10 === target[0] % 10 && k % 1000 === target[0]) {
      assert.deepEqual(map.data, reference, `saliency ${k} drifted`);
    }
  }
  const afterSaliency = { bytes: memoryBytes(), used: heapUsed() };
  const tSaliency = performance.now();

  for (let k = 0; k < 1000; k++) {
    const m = await load(lenet.onnx, lenet.card);
    if (k % 100 === 0) assert.ok(relL2(m.predict(x).logits.data, lenet.arrays.logits.data) < 1e-4, `load ${k}`);
    m.dispose();
  }
  const afterLoads = { bytes: memoryBytes(), used: heapUsed() };
  const tLoads = performance.now();

  // failing calls free what they allocated, and the other methods leak nothing either
  const nan = { data: one.data.map((v, k) => (k === 400 ? NaN : v)), shape: one.shape };
  for (let k = 0; k < 1000; k++) {
    assert.throws(() => model.saliency(k % 2 ? nan : one, { target: k % 2 ? 1 : 10 }));
    assert.throws(() => model.fool(one, { target: 1, learningRate: 0 }));
  }
  for (let k = 0; k < 50; k++) {
    model.saliency(one, { target: 3, method: 'smoothgrad', samples: 4, seed: k });
    model.saliency(one, { target: 3, method: 'integrated-gradients', steps: 4 });
    model.saliency(one, { target: 3, method: 'grad-cam' });
    model.saliency(one, { target: 3, method: 'guided-backprop' });
    model.saliency(one, { target: 3, method: 'gradient-x-input' });
    model.gradient(one, { target: 3, layer: 'input' });
    model.fool(one, { target: 3, maxIterations: 3 });
    model.fool(one, { method: 'pgd', steps: 3, seed: k });
    model.visualizeClass(3, { iterations: 3, seed: k });
    assert.throws(() => model.visualizeClass(3, { iterations: 5, onProgress: ({ iteration }) => iteration < 2 }), /cancelled/);
  }
  const end = { bytes: memoryBytes(), used: heapUsed() };
  const tEnd = performance.now();
  model.dispose();

  console.log(`soak (${BUILD}): wasm memory ${MB(start.bytes)} MB -> ${MB(afterSaliency.bytes)} (10,000 saliency calls,` +
    ` ${((tSaliency - t0) / 10).toFixed(0)} us each) -> ${MB(afterLoads.bytes)} (1,000 loads,` +
    ` ${((tLoads - tSaliency) / 1000).toFixed(1)} ms each) -> ${MB(end.bytes)} MB (failing calls, other methods);` +
    ` heap in use ${MB(start.used)} -> ${MB(afterSaliency.used)} -> ${MB(afterLoads.used)} -> ${MB(end.used)} MB` +
    ` (${((tEnd - t0) / 1000).toFixed(1)} s)`);
  // the probe itself may grow the memory by a page or two; a leak would be megabytes
  const slack = 4 * 65536;
  for (const [what, m] of [['10,000 saliency calls', afterSaliency], ['1,000 load/dispose cycles', afterLoads],
    ['failing calls and the other methods', end]]) {
    assert.ok(m.used <= start.used + slack, `${what}: the heap in use grew from ${start.used} to ${m.used} bytes`);
    assert.ok(m.bytes <= start.bytes + slack, `${what}: the wasm memory grew from ${start.bytes} to ${m.bytes} bytes`);
  }
});
