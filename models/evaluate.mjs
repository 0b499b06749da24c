// Measures the shipped models through gradlens itself and records the figures in
// their cards: test accuracy on the full test split, and the cs231n fooling rule
// on 200 test images with a random wrong target each (success rate within 100
// iterations, median iterations, median L-inf of the perturbation).
//
//   node models/evaluate.mjs        (after models/export_test_splits.py; `make models` runs both)
import { readFileSync, writeFileSync } from 'node:fs';
import { loadModel } from '../js/index.js';

const here = (p) => new URL(p, import.meta.url);
const FOOL_IMAGES = 200;
const BATCH = 100;

function split(name) {
  const meta = JSON.parse(readFileSync(here(`../build/data/${name}-test.json`), 'utf8'));
  return { bytes: readFileSync(here(`../build/data/${name}-test.u8`)), labels: meta.labels };
}

const batchOf = (bytes, first, n) => ({
  data: Float32Array.from(bytes.subarray(first * 784, (first + n) * 784), (v) => v / 255), shape: [n, 1, 28, 28],
});

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function accuracy(model, { bytes, labels }) {
  let correct = 0;
  for (let first = 0; first < labels.length; first += BATCH) {
    const n = Math.min(BATCH, labels.length - first);
    const logits = model.predict(batchOf(bytes, first, n)).logits.data;
    for (let i = 0; i < n; i++) {
      const row = Array.from(logits.subarray(i * 10, (i + 1) * 10));
      correct += row.indexOf(Math.max(...row)) === labels[first + i];
    }
  }
  return correct / labels.length;
}

// 200 images spread over the split and a wrong target each, from a fixed LCG so
// the measurement is reproducible.
function foolingRun(model, { bytes, labels }) {
  let state = 2016;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const images = [];
  const targets = [];
  for (let k = 0; k < FOOL_IMAGES; k++) {
    const index = Math.floor((k * labels.length) / FOOL_IMAGES);
    images.push(index);
    targets.push((labels[index] + 1 + (next() % 9)) % 10);
  }
  const x = { data: new Float32Array(FOOL_IMAGES * 784), shape: [FOOL_IMAGES, 1, 28, 28] };
  images.forEach((index, k) => x.data.set(batchOf(bytes, index, 1).data, k * 784));
  const r = model.fool(x, { target: targets });
  return {
    method: 'cs231n rule: x += g / ||g||_2 on the target logit, pixels clamped to [0,1], at most 100 iterations',
    images: FOOL_IMAGES,
    targets: 'a random wrong class per image (seeded)',
    success_rate: r.success.filter(Boolean).length / FOOL_IMAGES,
    median_iterations: median(r.iterations),
    median_linf: Number(median(r.linf).toFixed(4)),
    median_l2: Number(median(r.l2).toFixed(3)),
  };
}

for (const name of ['mnist', 'fashion-mnist']) {
  const cardPath = here(`${name}.json`);
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  const model = await loadModel(here(`${name}.onnx`), card);
  const data = split(name);
  card.test_accuracy = { ...card.test_accuracy, gradlens: Number(accuracy(model, data).toFixed(4)) };
  card.fooling = foolingRun(model, data);
  model.dispose();
  writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
  console.log(`${name}: accuracy ${card.test_accuracy.gradlens} (PyTorch ${card.test_accuracy.pytorch}, n ${card.test_accuracy.n}); ` +
    `fooling ${card.fooling.success_rate * 100}% in <= 100 iterations, median ${card.fooling.median_iterations} iterations, ` +
    `median L-inf ${card.fooling.median_linf}`);
}
