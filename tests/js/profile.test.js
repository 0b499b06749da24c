// model.profile(fn): per-node timing for benchmarks. What it counts must be right
// (nodes, FLOPs, images); the milliseconds themselves are not asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from '../../js/index.js';
import { engineReady, load, loadFixture } from './helpers.js';

await engineReady;

test('profile counts every node that ran, its FLOPs and the images it saw', async () => {
  const fx = loadFixture('squeezenet');
  const model = await load(fx.onnx, fx.card);
  const [, c, h, w] = model.inputShape;
  const x = { data: new Float32Array(2 * c * h * w).fill(0.5), shape: [2, c, h, w] };
  const nodes = model.profile(() => {
    model.predict(x);
    model.saliency(x, { target: [1, 2] });
  });
  const summary = await inspect(fx.onnx);
  const flops = nodes.reduce((sum, n) => sum + n.flops, 0);
  assert.ok(Math.abs(flops - summary.flops) <= 1e-9 * summary.flops, `profiled FLOPs ${flops} vs inspect ${summary.flops}`);
  const convs = nodes.filter((n) => n.op === 'Conv');
  assert.ok(convs.length > 0 && convs.every((n) => n.flops > 0 && n.weightShape.length === 4 && n.inputShape.length === 4));
  assert.deepEqual(convs[0].inputShape, [1, ...model.inputShape.slice(1)], 'the first Conv reads the image');
  assert.ok(nodes.every((n) => n.name.length > 0), 'unnamed nodes are named after their output');
  // 2 images forward in predict, 2 more in saliency's forward; 2 backward
  for (const n of nodes) {
    assert.equal(n.forwardImages, 4, `${n.name} forward images`);
    assert.ok(n.forwardMs >= 0 && n.backwardMs >= 0);
  }
  assert.ok(convs.every((n) => n.backwardImages === 2), 'every Conv ran backward for both images');
  // profiling stops afterwards: a second profile starts from zero
  const again = model.profile(() => model.predict(x));
  assert.ok(again.every((n) => n.forwardImages === 2 && n.backwardImages === 0));
  model.dispose();
});

test('profile names the algorithm each convolution ran', async () => {
  const expected = {
    // resnet: a stem from 3 channels (too few for Winograd), 3x3 stride-1 blocks of 8 and 16
    // channels, stride-2 convolutions and a strided 1x1 downsample
    resnet: ['im2col+gemm', 'winograd', 'winograd', 'im2col+gemm', 'winograd', 'im2col+gemm'],
    mobilenet: ['im2col+gemm', 'pointwise gemm', 'depthwise', 'pointwise gemm'],
  };
  for (const [name, first] of Object.entries(expected)) {
    const fx = loadFixture(name);
    const model = await load(fx.onnx, fx.card);
    const [, c, h, w] = model.inputShape;
    const x = { data: new Float32Array(c * h * w).fill(0.5), shape: [1, c, h, w] };
    const nodes = model.profile(() => model.saliency(x, { target: 1 }));
    const convs = nodes.filter((n) => n.op === 'Conv');
    assert.deepEqual(convs.slice(0, first.length).map((n) => n.algorithm), first, name);
    assert.ok(nodes.every((n) => (n.op === 'Conv') === (n.algorithm !== '')), `${name}: only Conv nodes name an algorithm`);
    model.dispose();
  }
});
