// Determinism: identical inputs and seeds give bit-identical outputs, call after
// call and process after process (predict, saliency, SmoothGrad, Integrated
// Gradients, Grad-CAM, the cs231n fooling rule, PGD, class visualization), and the
// SIMD and baseline builds agree within 1e-5 relative (L2) on every output (the
// baseline build runs the same vector algorithms on emulated 4-lane vectors, so
// they usually agree exactly).
//
// The engine is one instance per process, so the other build (and the second run
// of this one) is a child process: this file, run with GRADLENS_DETERMINISM_OUT
// set, computes the outputs and writes them there instead of testing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD, engineReady, load, loadFixture, relL2 } from './helpers.js';

// LeNet (plain convolutions, pooling, Gemm), SqueezeNet fire modules (Concat,
// ceil-mode pooling) and MobileNet v2 blocks (depthwise, ReLU6, residual Add).
const MODELS = ['lenet', 'squeezenet', 'mobilenet'];

/** Every output, by name, of one pass over the models (typed arrays and int lists). */
async function compute() {
  const out = {};
  for (const name of MODELS) {
    const f = loadFixture(name);
    const { x } = f.arrays;
    const target = Array.from(f.arrays.targets.data);
    const model = await load(f.onnx, f.card);
    const K = model.numClasses;
    const put = (key, value) => { out[`${name}.${key}`] = value; };
    const { logits, probs } = model.predict(x);
    put('predict.logits', logits.data);
    put('predict.probs', probs.data);
    const vanilla = model.saliency(x, { target });
    put('saliency.map', vanilla.map.data);
    put('saliency.grad', vanilla.grad.data);
    put('smoothgrad.grad', model.saliency(x, { target, method: 'smoothgrad', samples: 8, sigma: 0.1, seed: 7 }).grad.data);
    const ig = model.saliency(x, { target, method: 'integrated-gradients', steps: 16 });
    put('ig.attributions', ig.attributions.data);
    put('ig.completenessError', Float32Array.from(ig.completenessError));
    put('gradcam.map', model.saliency(x, { target, method: 'grad-cam' }).map.data);
    const fooled = model.fool(x, { target: target.map((t) => (t + 1) % K), maxIterations: 10 });
    put('fool.image', fooled.image.data);
    put('fool.logits', fooled.logits.data);
    put('fool.iterations', fooled.iterations);
    const pgd = model.fool(x, { method: 'pgd', steps: 5, seed: 3 });
    put('pgd.image', pgd.image.data);
    put('pgd.logits', pgd.logits.data);
    put('pgd.success', pgd.success.map(Number));
    const dream = model.visualizeClass(1 % K, { iterations: 20, seed: 5 });
    put('visualize.image', dream.image.data);
    put('visualize.logits', dream.logits.data);
    model.dispose();
  }
  return out;
}

/** The outputs as JSON (floats as exact base64 bytes), with the build that made them. */
async function encode(results) {
  const engine = await engineReady;
  return JSON.stringify({
    simd: engine.simd,
    results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v instanceof Float32Array
      ? { f32: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : { ints: v }])),
  });
}

function decode(text) {
  const { simd, results } = JSON.parse(text);
  return {
    simd,
    results: Object.fromEntries(Object.entries(results).map(([k, v]) => {
      if (!v.f32) return [k, v.ints];
      const b = Buffer.from(v.f32, 'base64');
      return [k, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))];
    })),
  };
}

/** This file in a child process on `build`: its outputs (checked to come from that build). */
function childRun(build) {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-determinism-'));
  try {
    const out = join(dir, 'out.json');
    execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, GRADLENS_WASM: build, GRADLENS_DETERMINISM_OUT: out, NODE_TEST_CONTEXT: '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const { simd, results } = decode(readFileSync(out, 'utf8'));
    assert.equal(simd, build === 'simd', `the child process ran the ${simd ? 'simd' : 'baseline'} build, not ${build}`);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bitIdentical(a, b) {
  if (a instanceof Float32Array) {
    return b instanceof Float32Array && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function assertBitIdentical(actual, expected, what) {
  assert.deepEqual(Object.keys(actual), Object.keys(expected));
  for (const key of Object.keys(expected)) assert.ok(bitIdentical(actual[key], expected[key]), `${what}: ${key} differs`);
}

if (process.env.GRADLENS_DETERMINISM_OUT) {
  writeFileSync(process.env.GRADLENS_DETERMINISM_OUT, await encode(await compute()));
} else {
  const first = await compute();

  test(`identical inputs and seeds: bit-identical outputs, call after call (${BUILD})`, async () => {
    assertBitIdentical(await compute(), first, 'a second pass in this process');
    assertBitIdentical(await compute(), first, 'a third pass in this process');
  });

  test(`identical inputs and seeds: bit-identical outputs in another process (${BUILD})`, () => {
    assertBitIdentical(childRun(BUILD), first, 'another process');
  });

  const other = BUILD === 'simd' ? 'baseline' : 'simd';
  test(`the ${BUILD} and ${other} builds agree within 1e-5 relative`, () => {
    const theirs = childRun(other);
    assert.deepEqual(Object.keys(theirs), Object.keys(first));
    let worst = 0;
    let worstKey = '';
    for (const [key, ours] of Object.entries(first)) {
      if (!(ours instanceof Float32Array)) {
        assert.deepEqual(theirs[key], ours, `${key}: ${BUILD} ${ours}, ${other} ${theirs[key]}`);
        continue;
      }
      const err = relL2(theirs[key], ours);
      if (err > worst) [worst, worstKey] = [err, key];
      assert.ok(err <= 1e-5, `${key}: relative L2 difference ${err.toExponential(2)} between ${BUILD} and ${other}`);
    }
    console.log(`${BUILD} vs ${other}: largest relative difference ${worst.toExponential(2)} (${worstKey}) over ${Object.keys(first).length} outputs`);
  });
}
