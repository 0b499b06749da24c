// Real pretrained models from ../shared/realdata (not part of the repository):
// every model loads (the float16 SqueezeNet included) and on every photo the
// top-1 class equals the reference in expected/ (onnxruntime), with
// probabilities close to it. Skipped with a reason where the folder is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { imageToTensor } from '../../js/index.js';
import { BUILD, REALDATA, hasRealdata, load, readImage } from './helpers.js';

const skip = hasRealdata ? false : `${REALDATA} is absent (real models are not part of the repository)`;

// Cards for the shared models, from realdata/README.md and expected/*.json
// ("tf" mode is p / 127.5 - 1). `scores` says what expected/ holds.
const MODELS = {
  'squeezenet1.1_fp16': { labels: 'imagenet_1000.txt', channels: 'BGR', scale: 255, mean: [104, 117, 123], std: [1], scores: 'probs' },
  'mobilenet_v1_0.25_128_float': { labels: 'imagenet_1001_with_background_coral.txt', channels: 'RGB', scale: 255, mean: [127.5], std: [127.5], scores: 'probs' },
  'mobilenet_v2_1.0_224_float': { labels: 'imagenet_1001_with_background_coral.txt', channels: 'RGB', scale: 255, mean: [127.5], std: [127.5], scores: 'probs' },
  cifar10_resnet8_float: { labels: 'cifar10.txt', channels: 'RGB', scale: 255, mean: [0], std: [1], scores: 'probs' },
  mnist_cntk: { labels: 'mnist.txt', channels: 'GRAY', scale: 255, mean: [0], std: [1], scores: 'logits' },
};

// Probabilities within 1e-3 of the reference (measured: within 3e-6); mnist_cntk's
// expected/ holds raw scores in the hundreds, compared within 1e-3 relative.
const TOLERANCE = 1e-3;

for (const [name, spec] of Object.entries(MODELS)) {
  test(`${name} (${BUILD}): top-1 on every photo equals expected/`, { skip }, async () => {
    const expected = JSON.parse(readFileSync(`${REALDATA}expected/${name}.json`, 'utf8'));
    const size = expected.input_shape[2];
    const labels = readFileSync(`${REALDATA}labels/${spec.labels}`, 'utf8').trim().split('\n');
    const { channels, scale, mean, std } = spec;
    const model = await load(`${REALDATA}models/${name}.onnx`, { labels, input: { channels, size: [size, size], scale, mean, std } });
    let photos = 0;
    for (const [photo, top5] of Object.entries(expected.results)) {
      if (!existsSync(`${REALDATA}images/${photo}`)) continue;
      photos++;
      const image = await readImage(`${REALDATA}images/${photo}`);
      // tools/prep.py: Pillow bilinear; ImageNet: shorter side to size/0.875, centre crop
      const crop = expected.preprocessing.resize === 'crop';
      const x = imageToTensor(image, { size: [size, size], channels, crop: crop ? 'center' : 'none', cropFraction: crop ? 0.875 : 1, resampler: 'pillow' });
      const out = model.predict(x)[spec.scores].data;
      const best = out.indexOf(Math.max(...out));
      assert.equal(best, top5[0].index, `${photo}: top-1 is ${best} (${labels[best]}), expected ${top5[0].index} (${top5[0].label})`);
      for (const { index, value } of top5) {
        const tol = TOLERANCE * (spec.scores === 'logits' ? Math.abs(value) : 1);
        assert.ok(Math.abs(out[index] - value) <= tol, `${photo}: class ${index} ${out[index]} vs ${value} (tolerance ${tol})`);
      }
    }
    assert.ok(photos >= 2, 'no photos found');
    model.dispose();
  });
}

test(`saliency and fooling on the real SqueezeNet (${BUILD})`, { skip }, async () => {
  const labels = readFileSync(`${REALDATA}labels/imagenet_1000.txt`, 'utf8').trim().split('\n');
  const model = await load(`${REALDATA}models/squeezenet1.1_fp16.onnx`, {
    labels, input: { channels: 'BGR', size: [224, 224], scale: 255, mean: [104, 117, 123], std: [1] },
  });
  const image = await readImage(`${REALDATA}images/coral_cat.png`);
  const x = imageToTensor(image, { size: [224, 224], channels: 'BGR', cropFraction: 0.875 });
  const cat = model.topK(x, 1)[0].index;
  const { map } = model.saliency(x, { target: cat });
  // the cat is in the middle of the photo: the centre holds more saliency than the border
  let centre = 0;
  let border = 0;
  for (let y = 0; y < 224; y++) {
    for (let xx = 0; xx < 224; xx++) {
      const inside = y >= 56 && y < 168 && xx >= 56 && xx < 168;
      if (inside) centre += map.data[y * 224 + xx];
      else border += map.data[y * 224 + xx];
    }
  }
  assert.ok(centre / (112 * 112) > border / (224 * 224 - 112 * 112), 'saliency is not concentrated on the cat');
  const fooled = model.fool(x, { target: 954 /* banana */, maxIterations: 100 });
  assert.ok(fooled.success[0], `not fooled in ${fooled.iterations[0]} iterations`);
  // small next to the image (L2 norm of the photo: ~200): each step moves the pixels by 1 in L2
  assert.ok(fooled.l2[0] <= fooled.iterations[0] + 1e-3, `L2 ${fooled.l2[0]} after ${fooled.iterations[0]} steps`);
  assert.equal(model.topK(fooled.image, 1)[0].index, 954);
  model.dispose();
});
