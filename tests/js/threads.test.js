// The threaded build (dist/gradlens-simd-mt.wasm) in Node: this process runs it on
// two threads, a worker_thread (createWorker) runs the single-threaded SIMD build,
// and every result must be the same bit for bit. The pool itself: gl_parallel_for
// hands contiguous, grain-aligned ranges to both threads (glw_parallel_probe says
// which thread computed each index), a trap in a thread's range reaches the caller
// as an error rather than a hang, and the engine's own errors stay Errors. Options
// that loadEngine only reads once are tried in child processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { GradlensError, loadEngine, loadModel } from '../../js/index.js';
import { createWorker } from '../../js/worker.js';

const ENGINE = fileURLToPath(new URL('../../js/engine.js', import.meta.url));
const engine = await loadEngine({ threads: 2 });
// After loadEngine: helpers.js loads the engine too (with the default options).
const { FIXTURES, FIXTURE_NAMES, loadFixture } = await import('./helpers.js');
const single = createWorker({ threads: 1 });
test.after(() => single.terminate());

// The pool's counters: {jobs (split across threads), ranges: per thread, 0 = the caller}.
function stats() {
  const ptr = engine.alloc(4 * 17);
  try {
    const started = engine.exports.glw_parallel_stats(ptr, 17);
    const values = Array.from(engine.i32(ptr, 17));
    return { jobs: values[0], ranges: values.slice(1, 1 + started) };
  } finally {
    engine.free(ptr);
  }
}

// Which thread computed each index of gl_parallel_for(n, grain).
function probe(n, grain) {
  const ptr = engine.alloc(4 * n);
  try {
    engine.exports.glw_parallel_probe(n, grain, ptr);
    return engine.i32(ptr, n);
  } finally {
    engine.free(ptr);
  }
}

// A script in a fresh Node process (loadEngine's options count once per process): its JSON output.
function inChild(source) {
  const script = `import * as engineModule from ${JSON.stringify(ENGINE)};\n${source}`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out);
}

test('loadEngine({threads: 2}) runs the threaded build on two threads, on shared memory', () => {
  assert.equal(engine.threads, 2);
  assert.equal(engine.threadsNote, null);
  assert.equal(engine.simd, true);
  assert.ok(engine.exports.memory instanceof WebAssembly.Memory);
  assert.ok(engine.memory instanceof SharedArrayBuffer);
});

test('gl_parallel_for: contiguous ranges aligned to the grain, computed by both threads', () => {
  const n = 1 << 16;
  const grain = 96;
  const before = stats();
  // The caller takes the worker's share when the worker has not picked it up by the
  // time the caller is done with its own (e.g. the machine is busy): then all of it
  // is thread 0's. Tried until the worker has computed its share at least once.
  let worker = 0;
  for (let attempt = 0; attempt < 1000 && worker === 0; attempt++) {
    const owner = probe(n, grain);
    const boundary = owner.indexOf(1);
    if (boundary < 0) {
      assert.ok(owner.every((t) => t === 0));
      continue;
    }
    worker++;
    // share 0 = grains [0, chunks/2), share 1 = the rest
    assert.equal(boundary, Math.floor(Math.ceil(n / grain) / 2) * grain);
    assert.ok(owner.subarray(0, boundary).every((t) => t === 0), 'the caller computed [0, boundary)');
    assert.ok(owner.subarray(boundary).every((t) => t === 1), 'the worker computed [boundary, n)');
  }
  assert.ok(worker > 0, 'the worker never computed a range');
  const after = stats();
  assert.ok(after.jobs > before.jobs);
  assert.ok(after.ranges[1] > before.ranges[1], 'the counters missed the worker\'s ranges');
});

test('gl_parallel_for: n no larger than the grain, and n = 0, run on the caller', () => {
  const before = stats();
  assert.deepEqual(Array.from(probe(5, 5)), [0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(probe(1, 64)), [0]);
  probe(0, 1);
  assert.equal(stats().jobs, before.jobs, 'a job that cannot be split was split');
});

test('setThreads(1) parks the worker; setThreads(2) brings it back; no more than were started', () => {
  try {
    assert.equal(engine.setThreads(1), 1);
    const before = stats();
    assert.ok(probe(4096, 16).every((t) => t === 0));
    assert.equal(stats().jobs, before.jobs);
    assert.equal(engine.setThreads(8), 2, 'only the threads loadEngine started');
    assert.throws(() => engine.setThreads(0), RangeError);
  } finally {
    engine.setThreads(2);
  }
  assert.equal(engine.threads, 2);
});

// What the models' calls below split: jobs, and ranges the worker computed.
const layers = { jobs: 0, workerRanges: 0 };

for (const name of FIXTURE_NAMES) {
  test(`${name}: two threads give the single-threaded SIMD build's results bit for bit`, async () => {
    const f = loadFixture(name);
    const { x, targets } = f.arrays;
    const target = Array.from(targets.data);
    const threaded = await loadModel(f.onnx, f.card);
    const reference = await single.loadModel(f.onnx, f.card);
    try {
      assert.equal(threaded.threads, 2);
      assert.equal(reference.threads, 1);
      assert.equal(reference.threadsNote, null);
      const same = async (what, run) => {
        const before = stats();
        const result = run(threaded);
        const after = stats();
        layers.jobs += after.jobs - before.jobs;
        layers.workerRanges += after.ranges[1] - before.ranges[1];
        assert.deepEqual(result, await run(reference), `${name}: ${what} differs`);
      };
      await same('predict', (m) => m.predict(x));
      await same('saliency', (m) => m.saliency(x, { target }));
      await same('integrated gradients', (m) => m.saliency(x, { target, method: 'integrated-gradients', steps: 4 }));
      await same('gradient', (m) => m.gradient(x, { weights: f.arrays.score_weights }));
      await same('fool, 3 iterations', (m) => m.fool(x, { target, maxIterations: 3 }));
      await same('fool', (m) => m.fool(x, { target }));
      await same('visualizeClass', (m) => m.visualizeClass(f.meta.vis_target, { seed: f.meta.vis_seed, iterations: 3 }));
    } finally {
      threaded.dispose();
      await reference.dispose();
    }
  });
}

test('the layers\' jobs reach the worker', (t) => {
  t.diagnostic(`the models' calls above split ${layers.jobs} jobs; the worker computed ${layers.workerRanges} ranges`);
  if (layers.jobs === 0) t.diagnostic('no layer splits its work through gl_parallel_for yet');
  else assert.ok(layers.workerRanges > 0, 'the worker computed none of the layers\' ranges');
});

test('a batch that grows the shared memory: views follow it, results stay the same', async () => {
  const f = loadFixture('tinycnn');
  const n = 64;
  const per = f.arrays.x.data.length / f.arrays.x.shape[0];
  const data = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const k = i % f.arrays.x.shape[0];
    data.set(f.arrays.x.data.subarray(k * per, (k + 1) * per), i * per);
  }
  const x = { data, shape: [n, ...f.arrays.x.shape.slice(1)] };
  const target = Array.from({ length: n }, (_, i) => i % f.meta.num_classes);
  const threaded = await loadModel(f.onnx, f.card);
  const reference = await single.loadModel(f.onnx, f.card);
  try {
    const size = engine.memory.byteLength;
    const result = threaded.saliency(x, { target });
    assert.ok(engine.memory.byteLength > size, `the memory did not grow (${size} bytes)`);
    assert.deepEqual(result, await reference.saliency(x, { target }));
    assert.ok(probe(1 << 12, 8).length === 1 << 12); // the pool still runs after the growth
  } finally {
    threaded.dispose();
    await reference.dispose();
  }
});

test('engine errors are Errors, and the threaded engine keeps working after them', async () => {
  const f = loadFixture('lenet');
  await assert.rejects(loadModel(new Uint8Array([8, 1, 18, 3, 1, 2]), f.card), (err) => err instanceof GradlensError);
  const model = await loadModel(f.onnx, f.card);
  try {
    const expected = model.predict(f.arrays.x);
    assert.throws(() => model.predict({ data: new Float32Array(3 * 28 * 28), shape: [1, 3, 28, 28] }),
      (err) => err instanceof GradlensError && err.code === 'argument');
    assert.throws(() => model.saliency(f.arrays.x, { target: 99 }), (err) => err instanceof Error);
    assert.deepEqual(model.predict(f.arrays.x), expected);
    assert.equal(engine.threads, 2);
  } finally {
    model.dispose();
  }
});

test('createWorker({threads: 2}): the engine\'s threads run in workers of its worker_thread', async () => {
  const f = loadFixture('resnet');
  const worker = createWorker({ threads: 2 });
  try {
    const model = await worker.loadModel(`${FIXTURES}resnet.onnx`, `${FIXTURES}resnet.json`);
    assert.equal(model.threads, 2);
    assert.equal(model.threadsNote, null);
    const direct = await loadModel(f.onnx, f.card);
    try {
      const options = { target: Array.from(f.arrays.targets.data) };
      assert.deepEqual(await model.saliency(f.arrays.x, options), direct.saliency(f.arrays.x, options));
    } finally {
      direct.dispose();
    }
  } finally {
    worker.terminate();
  }
});

test('the default: half the logical cores rounded up, at most 4 (as onnxruntime-web); the process ends', () => {
  const expected = Math.min(4, Math.ceil(availableParallelism() / 2));
  const result = inChild(`const e = await engineModule.loadEngine();
    const shared = e.memory instanceof SharedArrayBuffer;
    console.log(JSON.stringify({ threads: e.threads, note: e.threadsNote, shared }));`);
  assert.deepEqual(result, { threads: expected, note: null, shared: expected > 1 });
});

test('threads: 1 is the single-threaded build; without SIMD, threads fall back to one with a note', () => {
  const one = inChild(`const e = await engineModule.loadEngine({ threads: 1 });
    const shared = e.memory instanceof SharedArrayBuffer;
    console.log(JSON.stringify({ threads: e.threads, note: e.threadsNote, shared }));`);
  assert.deepEqual(one, { threads: 1, note: null, shared: false });
  const baseline = inChild(`const e = await engineModule.loadEngine({ threads: 2, simd: false });
    console.log(JSON.stringify({ threads: e.threads, note: e.threadsNote, simd: e.simd }));`);
  assert.equal(baseline.threads, 1);
  assert.equal(baseline.simd, false);
  assert.match(baseline.note, /SIMD.*one thread/);
});

test('threads must be a whole number', () => {
  const result = inChild(`const out = [];
    for (const threads of [1.5, -1, 'two']) {
      await engineModule.loadEngine({ threads }).then(() => out.push('loaded'), (err) => out.push(err.name));
    }
    console.log(JSON.stringify(out));`);
  assert.deepEqual(result, ['RangeError', 'RangeError', 'RangeError']);
});

test('a trap in a range (either thread\'s) reaches the caller as an error; the process still ends', () => {
  // owner placed so that share 0's indices are inside the memory and share 1's beyond its end.
  const result = inChild(`const e = await engineModule.loadEngine({ threads: 2 });
    const n = 1024;
    const owner = e.memory.byteLength - 4 * (n / 2);
    let error = null;
    try { e.exports.glw_parallel_probe(n, 1, owner); } catch (err) { error = err.constructor.name; }
    // later jobs run (on the caller alone)
    const ok = e.alloc(4 * 1024);
    e.exports.glw_parallel_probe(1024, 1, ok);
    console.log(JSON.stringify({ error, owners: [...new Set(e.i32(ok, 1024))] }));`);
  assert.deepEqual(result, { error: 'RuntimeError', owners: [0] });
});

test('without dist/gradlens-simd-mt.wasm (a host that serves the other builds only), one thread and a note', () => {
  const result = inChild(`const fs = await import('node:fs/promises');
    const { readFile } = fs;
    // engine.js reads the .wasm through fs/promises in Node: the threaded one goes missing.
    fs.default.readFile = async (path, ...rest) => {
      if (String(path).endsWith('gradlens-simd-mt.wasm')) throw new Error('ENOENT: no such file');
      return readFile(path, ...rest);
    };
    (await import('node:module')).syncBuiltinESMExports();
    const e = await engineModule.loadEngine({ threads: 2 });
    console.log(JSON.stringify({ threads: e.threads, note: e.threadsNote }));`);
  assert.equal(result.threads, 1);
  assert.match(result.note, /could not load the threaded build .*gradlens-simd-mt\.wasm.*one thread/);
});
