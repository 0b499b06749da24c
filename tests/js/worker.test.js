// createWorker in Node (worker_threads): the same results as the direct API,
// progress, cancellation in place (shared memory) and by restarting the thread,
// errors as Errors with the engine's message, and a script that ends on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GradlensError } from '../../js/index.js';
import { createWorker } from '../../js/worker.js';
import { BUILD, FIXTURES, load, loadFixture } from './helpers.js';

const lenet = loadFixture('lenet');
const { x } = lenet.arrays;
const targets = Array.from(lenet.arrays.targets.data);
const MODEL = `${FIXTURES}lenet.onnx`;
const CARD = `${FIXTURES}lenet.json`;
const LONG_RUN = { iterations: 100_000 }; // visualizeClass for minutes unless stopped

const startWorker = (options) => createWorker({ simd: BUILD === 'simd', ...options });
const isAbort = (err) => err instanceof GradlensError && err.name === 'AbortError' && err.code === 'cancelled';

// Tensors compared bit for bit: both sides run the same engine build.
function assertSameTensors(actual, expected, what) {
  assert.deepEqual(actual, expected, `${what} differs from the direct API's`);
}

// Runs fn({worker, model, direct}): LeNet loaded in `worker` and directly; then
// frees both.
async function withLenet(fn, worker = startWorker()) {
  const direct = await load(MODEL, CARD);
  try {
    await fn({ worker, model: await worker.loadModel(MODEL, CARD), direct });
  } finally {
    direct.dispose();
    worker.terminate();
  }
}

// A worker without shared memory, as on a page that is not cross-origin isolated.
function startWorkerWithoutSharedMemory() {
  const shared = globalThis.SharedArrayBuffer;
  globalThis.SharedArrayBuffer = undefined;
  try {
    return startWorker();
  } finally {
    globalThis.SharedArrayBuffer = shared;
  }
}

test(`every method gives the direct API's result (${BUILD})`, () => withLenet(async ({ model, direct }) => {
  assert.deepEqual([model.inputShape, model.numClasses, model.labels, model.card, model.simd],
    [direct.inputShape, direct.numClasses, direct.labels, direct.card, direct.simd]);
  assertSameTensors(await model.predict(x), direct.predict(x), 'predict');
  assert.deepEqual(await model.topK(x, 3, 1), direct.topK(x, 3, 1));
  for (const method of ['vanilla', 'smoothgrad', 'integrated-gradients', 'grad-cam']) {
    const options = { target: targets, method, samples: 4, steps: 8 };
    assertSameTensors(await model.saliency(x, options), direct.saliency(x, options), `saliency ${method}`);
  }
  assertSameTensors(await model.gradient(x, { target: 2 }), direct.gradient(x, { target: 2 }), 'gradient');
  const fool = { target: [3, 4, 5], maxIterations: 20 };
  assertSameTensors(await model.fool(x, fool), direct.fool(x, fool), 'fool');
  const pgd = { method: 'pgd', steps: 3, seed: 7 };
  assertSameTensors(await model.fool(x, pgd), direct.fool(x, pgd), 'pgd');
  const dream = { iterations: 15, seed: 3 };
  assertSameTensors(await model.visualizeClass(7, dream), direct.visualizeClass(7, dream), 'visualizeClass');
  await model.randomizeLayer(undefined, { seed: 5 });
  direct.randomizeLayer(undefined, { seed: 5 });
  assertSameTensors(await model.predict(x), direct.predict(x), 'predict after randomizeLayer');
  await model.dispose();
  await assert.rejects(model.predict(x), /this model was disposed/);
}));

test('progress arrives, at most about every 50 ms', () => withLenet(async ({ model }) => {
  const seen = [];
  const started = performance.now();
  await model.visualizeClass(1, {
    iterations: 400, onProgress: (progress) => { seen.push({ at: performance.now(), ...progress }); },
  });
  const took = performance.now() - started;
  assert.ok(seen.length >= 1, 'no progress');
  assert.equal(seen[0].iteration, 0);
  assert.ok(seen.every(({ values }) => values.length === 1 && Number.isFinite(values[0])));
  assert.ok(seen.every((p, k) => k === 0 || p.iteration > seen[k - 1].iteration), 'iterations in order');
  assert.ok(seen.length <= took / 50 + 2, `${seen.length} progress messages in ${took.toFixed(0)} ms`);
  const fooled = [];
  await model.fool(x, { target: targets, maxIterations: 5, onProgress: ({ values }) => { fooled.push(values); } });
  assert.equal(fooled[0].length, 3, 'one probability per image');
}));

for (const inPlace of [true, false]) {
  const how = inPlace ? 'in place (shared memory)' : 'by restarting the thread (no shared memory)';
  test(`cancelling ${how} stops a long run at once and the worker stays usable`, () => withLenet(async ({ worker, model, direct }) => {
    assert.equal(worker.cancelsInPlace, inPlace);
    // A randomized layer survives a restart: the new thread redoes it.
    await model.randomizeLayer(undefined, { seed: 9 });
    direct.randomizeLayer(undefined, { seed: 9 });

    const controller = new AbortController();
    const started = performance.now();
    const running = model.visualizeClass(3, { ...LONG_RUN, signal: controller.signal,
      onProgress: ({ iteration }) => { if (iteration >= 20) controller.abort(); } });
    const queued = model.predict(x);
    await assert.rejects(running, isAbort);
    assert.ok(performance.now() - started < 10_000, 'the run was not stopped');
    assertSameTensors(await queued, direct.predict(x), 'a job queued behind the cancelled one');

    // onProgress returning false cancels too.
    await assert.rejects(model.fool(x, { target: targets, maxIterations: 100_000, learningRate: 1e-6,
      onProgress: ({ iteration }) => iteration < 10 }), isAbort);
    assertSameTensors(await model.predict(x), direct.predict(x), 'predict after cancelling');
  }, inPlace ? startWorker() : startWorkerWithoutSharedMemory()));
}

test('queued and already-aborted calls are dropped without running', () => withLenet(async ({ model }) => {
  await assert.rejects(model.saliency(x, { target: 1, signal: AbortSignal.abort() }), isAbort);
  const stop = new AbortController();
  const running = model.visualizeClass(3, { ...LONG_RUN, signal: stop.signal });
  const dropped = new AbortController();
  const queued = model.saliency(x, { target: 1, signal: dropped.signal });
  dropped.abort();
  await assert.rejects(queued, isAbort);
  stop.abort();
  await assert.rejects(running, isAbort);
  assert.equal((await model.topK(x, 1)).length, 1);
}));

test('errors arrive as Errors with the engine\'s message, and the model stays usable', () => withLenet(async ({ worker, model, direct }) => {
  const sameError = async (call, directCall) => {
    let expected;
    try {
      directCall();
    } catch (err) {
      expected = err;
    }
    await assert.rejects(call(), (err) => err.constructor === expected.constructor && err.name === expected.name &&
      err.message === expected.message && err.code === expected.code);
  };
  await sameError(() => model.saliency(x, { target: [1, 2, 10] }), () => direct.saliency(x, { target: [1, 2, 10] }));
  await sameError(() => model.saliency(x, { target: 1, method: 'magic' }), () => direct.saliency(x, { target: 1, method: 'magic' }));
  const nan = { data: x.data.map((v, k) => (k === 5 ? NaN : v)), shape: x.shape };
  await sameError(() => model.predict(nan), () => direct.predict(nan));
  await sameError(() => model.visualizeClass(3, { jitter: 40 }), () => direct.visualizeClass(3, { jitter: 40 }));
  await assert.rejects(worker.loadModel(new Uint8Array(lenet.onnx).subarray(0, 100), CARD),
    (err) => err instanceof GradlensError && err.code === 'model');
  await assert.rejects(worker.loadModel(`${FIXTURES}no-such-model.onnx`), /ENOENT/);
  assertSameTensors(await model.predict(x), direct.predict(x), 'predict after the errors');
}));

test('terminate rejects pending and later calls', async () => {
  const worker = startWorker();
  const model = await worker.loadModel(MODEL, CARD);
  const running = model.visualizeClass(3, LONG_RUN);
  worker.terminate();
  await assert.rejects(running, /the worker was terminated/);
  await assert.rejects(model.predict(x), /the worker was terminated/);
});

test('a Node script that never calls terminate() still ends when its work is done', () => {
  const script = `
    import { createWorker } from ${JSON.stringify(fileURLToPath(new URL('../../js/worker.js', import.meta.url)))};
    const model = await createWorker().loadModel(${JSON.stringify(MODEL)});
    console.log((await model.topK({ data: new Float32Array(784), shape: [1, 1, 28, 28] }, 1)).length);`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8' });
  assert.equal(output.trim(), '1');
});
