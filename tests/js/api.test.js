// The JS API's contract: clear errors for bad input of every kind, thrown as
// Errors with the engine's message, and the model still correct afterwards;
// progress, cancellation, cards, dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradlensError, PRESETS } from '../../js/index.js';
import { BUILD, load, loadFixture, relL2 } from './helpers.js';

const lenet = loadFixture('lenet');
const { x, targets } = lenet.arrays;
const target = Array.from(targets.data);

/** After a failed call the model must give the reference logits again. */
function assertStillCorrect(model) {
  assert.ok(relL2(model.predict(x).logits.data, lenet.arrays.logits.data) < 1e-4, 'the model is broken after the error');
}

test(`bad models are refused with a message naming the problem (${BUILD})`, async () => {
  const bytes = new Uint8Array(lenet.onnx);
  await assert.rejects(load(bytes.subarray(0, bytes.length >> 1), lenet.card), (e) => e instanceof GradlensError &&
    e.code === 'model' && /truncated or corrupt|malformed|dims need/.test(e.message));
  await assert.rejects(load(new Uint8Array(0), lenet.card), /not an ONNX model: the bytes are empty/);
  await assert.rejects(load(new TextEncoder().encode('{"not": "onnx"}'), lenet.card), /not an ONNX model/);
  // Rename the Relu operators: a valid model with an operator the engine lacks.
  const renamed = Buffer.from(bytes).toString('latin1').replaceAll('Relu', 'Relx');
  await assert.rejects(load(Buffer.from(renamed, 'latin1'), lenet.card), (e) => e.code === 'unsupported' &&
    /unsupported operators: Relx \(node '[^']+'\)/.test(e.message));
  // and the engine is fine afterwards
  const model = await load(bytes, lenet.card);
  assertStillCorrect(model);
  model.dispose();
});

test(`bad calls throw clear errors and leave the model usable (${BUILD})`, async () => {
  const model = await load(lenet.onnx, lenet.card);
  const cases = [
    [() => model.predict({ data: new Float32Array(3 * 28 * 27), shape: [3, 1, 28, 27] }), /images are 1x28x27 \(CxHxW\) but the model takes 1x28x28/],
    [() => model.predict({ data: Array.from(x.data), shape: x.shape }), /Float32Array/],
    [() => model.predict({ data: x.data, shape: [3, 784] }), /\[N, C, H, W\]/],
    [() => model.predict({ data: x.data.subarray(10), shape: x.shape }), /needs 2352/],
    [() => model.predict({ data: new Float32Array(0), shape: [0, 1, 28, 28] }), /batch is empty/],
    [() => model.predict({ data: x.data.map((v, k) => (k === 100 ? NaN : v)), shape: x.shape }), /image 0, channel 0, pixel \(3, 16\) is nan/],
    [() => model.predict({ data: x.data.map((v, k) => (k === 900 ? Infinity : v)), shape: x.shape }), /image 1.* is inf/],
    [() => model.predict({ data: x.data.map((v) => v * 255), shape: x.shape }), /pixels must be in \[0, 1\]/],
    [() => model.saliency(x, { target: [1, 2, 10] }), /target 10 of image 2 is out of range: the model has 10 classes/],
    [() => model.saliency(x, { target: [1, 2, -1] }), /out of range/],
    [() => model.saliency(x, { target: [1, 2.5, 3] }), /integer class id, got 2.5/],
    [() => model.saliency(x, { target: [1, 2] }), /2 targets for 3 images/],
    [() => model.saliency(x, {}), /integer class id, got undefined/],
    [() => model.saliency(x, { target: 1, method: 'magic' }), /unknown saliency method "magic"/],
    [() => model.fool(x, { target, learningRate: 0 }), /learningRate must be a positive number, got 0/],
    [() => model.fool(x, { target, learningRate: NaN }), /learningRate must be a finite number/],
    [() => model.fool(x, { target, maxIterations: -1 }), /maxIterations must be a non-negative integer/],
    [() => model.fool(x, { target, maxIterations: 1e9 }), /maxIterations must be between 0 and 100000/],
    [() => model.visualizeClass(3, { iterations: 2.5 }), /iterations must be a non-negative integer/],
    [() => model.visualizeClass(3, { jitter: 40 }), /jitter \(40, 40\) must be between 0 and the image size/],
    [() => model.visualizeClass(11), /target 11 .* out of range/],
    [() => model.visualizeClass(3, { seed: -1 }), /seed must be a non-negative integer/],
    [() => model.visualizeClass(3, { init: { data: x.data, shape: x.shape } }), /init must be one image/],
    [() => model.gradient(x, { target, layer: 'no-such-node' }), /no node output named "no-such-node"/],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, message);
    assertStillCorrect(model);
  }
  model.dispose();
  assert.throws(() => model.predict(x), /disposed/);
});

test(`cards are checked against the model (${BUILD})`, async () => {
  const bad = [
    [{ ...lenet.card, labels: ['a', 'b'] }, /2 labels but the model has 10 classes/],
    [{ ...lenet.card, input: { ...lenet.card.input, channels: 'RGB' } }, /RGB but the model takes 1 channel/],
    [{ ...lenet.card, input: { ...lenet.card.input, size: [32, 32] } }, /does not match the model's input 28x28/],
    [{ ...lenet.card, input: { ...lenet.card.input, std: [0] } }, /std values must be positive/],
    [{ ...lenet.card, input: { ...lenet.card.input, mean: [1, 2] } }, /mean needs 1 or 1 values/],
  ];
  for (const [card, message] of bad) await assert.rejects(load(lenet.onnx, card), message);
  const plain = await load(lenet.onnx);
  assert.equal(plain.labels[3], 'class 3');
  assert.equal(plain.card.input.channels, 'GRAY');
  plain.dispose();
  assert.deepEqual(PRESETS.torchvision.mean, [0.485, 0.456, 0.406]);
});

test(`progress and cancellation (${BUILD})`, async () => {
  const model = await load(lenet.onnx, lenet.card);
  const seen = [];
  const r = model.fool(x, { target, maxIterations: 5, onProgress: (p) => { seen.push(p); } });
  assert.equal(seen.length, Math.max(...r.iterations) + 1, 'one report per forward pass');
  assert.deepEqual(seen.map((p) => p.iteration), seen.map((_, k) => k));
  assert.equal(seen[0].values.length, 3);
  assert.ok(seen.every((p) => p.values.every((v) => v >= 0 && v <= 1)), 'values are target probabilities');
  assert.ok(seen.at(-1).values[0] > seen[0].values[0], 'the target probability rises');

  assert.throws(() => model.fool(x, { target, onProgress: ({ iteration }) => iteration < 2 }),
    (e) => e.name === 'AbortError' && /cancelled at iteration 2/.test(e.message));
  const controller = new AbortController();
  assert.throws(() => model.visualizeClass(3, {
    signal: controller.signal,
    onProgress: ({ iteration }) => { if (iteration === 4) controller.abort(); },
  }), /cancelled at iteration 4/);
  assertStillCorrect(model);
  const scores = [];
  model.visualizeClass(3, { iterations: 30, onProgress: ({ values }) => { scores.push(values[0]); } });
  assert.equal(scores.length, 30);
  assert.ok(scores.at(-1) > scores[0] + 1, `the class score rises (${scores[0]} -> ${scores.at(-1)})`);
  model.dispose();
});

test(`saliency is the gradient of the logit, not of the softmax or the loss (${BUILD})`, async () => {
  const model = await load(lenet.onnx, lenet.card);
  const { map, grad } = model.saliency(x, { target });
  // the map is max over channels of |g|: here one channel
  assert.deepEqual(map.data, grad.data.map(Math.abs));
  // a different target gives a different map
  const other = model.saliency(x, { target: target.map((t) => (t + 1) % 10) });
  assert.ok(relL2(other.map.data, map.data) > 0.1);
  // a single target applies to the whole batch
  const one = model.saliency(x, { target: 4 });
  assert.deepEqual(one.map.shape, [3, 28, 28]);
  model.dispose();
});

test(`gradient to a named layer (${BUILD})`, async () => {
  const model = await load(lenet.onnx, lenet.card);
  const f = loadFixture('lenet');
  const { grad, value } = model.gradient(x, { weights: f.arrays.score_weights, layer: 'input' });
  assert.deepEqual(grad.shape, [3, 1, 28, 28]);
  // the network input z = (p - mean) / std, so dS/dz = dS/dp * std
  const full = model.gradient(x, { weights: f.arrays.score_weights });
  assert.ok(relL2(full.grad.data, grad.data.map((v) => v / 0.3081)) < 1e-5);
  assert.ok(relL2(value.data, x.data.map((v) => (v - 0.1307) / 0.3081)) < 1e-5);
  model.dispose();
});
