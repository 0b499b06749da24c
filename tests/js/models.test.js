// The shipped models, through gradlens: on the committed sample of 1,000 test
// images every prediction equals PyTorch's, and the cards record what was
// measured (accuracy through gradlens above the targets, the fooling figures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { BUILD, load } from './helpers.js';

const here = (p) => new URL(p, import.meta.url);
const TARGET_ACCURACY = { mnist: 0.985, 'fashion-mnist': 0.92 };

function predictions(model, bytes, count) {
  const x = { data: Float32Array.from(bytes.subarray(0, count * 784), (v) => v / 255), shape: [count, 1, 28, 28] };
  const logits = model.predict(x).logits.data;
  return Array.from({ length: count }, (_, i) => {
    const row = Array.from(logits.subarray(i * 10, (i + 1) * 10));
    return row.indexOf(Math.max(...row));
  });
}

for (const name of Object.keys(TARGET_ACCURACY)) {
  test(`${name} (${BUILD}): predictions equal PyTorch's on 1,000 test images; the card's figures`, async () => {
    const card = JSON.parse(readFileSync(here(`../../models/${name}.json`), 'utf8'));
    const sample = JSON.parse(readFileSync(here(`../data/${name}-test1000.json`), 'utf8'));
    const model = await load(here(`../../models/${name}.onnx`), card);
    const ours = predictions(model, readFileSync(here(`../data/${name}-test1000.u8`)), sample.count);
    const differ = ours.filter((p, i) => p !== sample.pytorch_predictions[i]).length;
    assert.equal(differ, 0, `${differ} predictions differ from PyTorch's`);
    const correct = ours.filter((p, i) => p === sample.labels[i]).length / sample.count;
    assert.equal(correct, sample.pytorch_accuracy);

    assert.ok(card.test_accuracy.gradlens >= TARGET_ACCURACY[name], `accuracy ${card.test_accuracy.gradlens}`);
    assert.equal(card.test_accuracy.gradlens, card.test_accuracy.pytorch);
    assert.ok(card.fooling.success_rate >= 0.99, `fooling succeeds on ${card.fooling.success_rate}`);
    for (const field of ['data', 'training', 'parameters', 'created', 'drawing']) assert.ok(card[field], `card lacks ${field}`);
    assert.ok(readFileSync(here(`../../models/${name}.onnx`)).length <= 2 << 20, 'model over 2 MB');

    // The demo's gallery: 10 test images per class, classified almost all right.
    const gallery = JSON.parse(readFileSync(here(`../../models/samples/${name}.json`), 'utf8'));
    assert.deepEqual(gallery.labels, Array.from({ length: 100 }, (_, k) => Math.floor(k / 10)));
    const galleryPredictions = predictions(model, readFileSync(here(`../../models/samples/${name}.u8`)), 100);
    assert.ok(galleryPredictions.filter((p, k) => p === gallery.labels[k]).length >= 85);
    model.dispose();
  });
}

const splits = here('../../build/data/');
test(`the recorded accuracy on the full test splits (${BUILD})`, {
  skip: existsSync(splits) ? false : 'build/data is absent: `make models` (or models/export_test_splits.py) writes it',
}, async () => {
  for (const name of Object.keys(TARGET_ACCURACY)) {
    const card = JSON.parse(readFileSync(here(`../../models/${name}.json`), 'utf8'));
    const split = JSON.parse(readFileSync(new URL(`${name}-test.json`, splits), 'utf8'));
    const model = await load(here(`../../models/${name}.onnx`), card);
    const ours = predictions(model, readFileSync(new URL(`${name}-test.u8`, splits)), split.count);
    const correct = ours.filter((p, i) => p === split.labels[i]).length / split.count;
    assert.equal(Number(correct.toFixed(4)), card.test_accuracy.gradlens);
    model.dispose();
  }
});
