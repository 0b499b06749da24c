// The engine against PyTorch on the fixture networks (tests/fixtures, made by
// make_fixtures.py): logits, input gradients, saliency maps, the general
// backward, the first iterations of fooling and of class visualization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILD, FIXTURE_NAMES, load, loadFixture, maxAbsDiff, relL2 } from './helpers.js';

function close(actual, expected, tol, what) {
  const err = relL2(actual, expected);
  assert.ok(err <= tol, `${what}: relative L2 error ${err.toExponential(2)} > ${tol}`);
}

for (const name of FIXTURE_NAMES) {
  test(`${name} (${BUILD}): matches PyTorch`, async (t) => {
    const f = loadFixture(name);
    const model = await load(f.onnx, f.card);
    const { x, targets } = f.arrays;
    const target = Array.from(targets.data);
    t.after(() => model.dispose());

    await t.test('shapes', () => {
      assert.deepEqual(model.inputShape, [1, ...f.meta.input_shape]);
      assert.equal(model.numClasses, f.meta.num_classes);
    });

    await t.test('logits and probabilities (1e-4)', () => {
      const { logits, probs } = model.predict(x);
      assert.deepEqual(logits.shape, f.arrays.logits.shape);
      close(logits.data, f.arrays.logits.data, 1e-4, 'logits');
      close(probs.data, f.arrays.probs.data, 1e-4, 'probs');
    });

    await t.test('saliency: gradient of the target logit (1e-3)', () => {
      const { map, grad } = model.saliency(x, { target });
      assert.deepEqual(map.shape, [x.shape[0], x.shape[2], x.shape[3]]);
      close(grad.data, f.arrays.grad.data, 1e-3, 'gradient');
      close(map.data, f.arrays.saliency.data, 1e-3, 'saliency map');
    });

    await t.test('gradient of any weighting of the scores (1e-3)', () => {
      const { grad } = model.gradient(x, { weights: f.arrays.score_weights });
      close(grad.data, f.arrays.grad_weighted.data, 1e-3, 'weighted gradient');
    });

    await t.test('fool: the first 3 iterations of the cs231n rule', () => {
      const r = model.fool(x, { target, maxIterations: 3 });
      assert.deepEqual(r.iterations, Array.from(f.arrays.fool3_iterations.data));
      assert.deepEqual(r.success, Array.from(f.arrays.fool3_success.data, Boolean));
      close(r.image.data, f.arrays.fool3_x.data, 1e-4, 'fooling image');
      close(r.logits.data, f.arrays.fool3_logits.data, 1e-4, 'final logits');
      for (let i = 0; i < x.shape[0]; i++) {
        const per = x.data.length / x.shape[0];
        const d = r.image.data.subarray(i * per, (i + 1) * per).map((v, k) => v - x.data[i * per + k]);
        assert.ok(Math.abs(r.linf[i] - d.reduce((m, v) => Math.max(m, Math.abs(v)), 0)) < 1e-6, 'L-inf');
        assert.ok(Math.abs(r.l2[i] - Math.hypot(...d)) < 1e-4, 'L2');
      }
    });

    await t.test('fool: success and iteration counts to the cap of 100', () => {
      const r = model.fool(x, { target });
      for (let i = 0; i < target.length; i++) {
        if (r.success[i]) assert.equal(model.predict({ data: r.image.data.slice(i * x.data.length / target.length, (i + 1) * x.data.length / target.length), shape: [1, ...x.shape.slice(1)] }).logits.data.indexOf(Math.max(...r.logits.data.slice(i * model.numClasses, (i + 1) * model.numClasses))), target[i]);
        else assert.equal(r.iterations[i], 100);
        // float rounding may move a decision by an iteration when the margin is tiny
        assert.ok(Math.abs(r.iterations[i] - f.arrays.fool100_iterations.data[i]) <= 2,
          `image ${i}: ${r.iterations[i]} iterations vs PyTorch's ${f.arrays.fool100_iterations.data[i]}`);
        assert.ok(r.image.data.every((v) => v >= 0 && v <= 1), 'pixels stay in [0,1]');
      }
    });

    await t.test('visualizeClass: seeded noise and 3 iterations', () => {
      const opts = { seed: f.meta.vis_seed };
      const init = model.visualizeClass(f.meta.vis_target, { ...opts, iterations: 0 });
      assert.ok(maxAbsDiff(init.image.data, f.arrays.vis_init.data) <= 1e-6, 'noise differs from the fixture PRNG');
      const v = model.visualizeClass(f.meta.vis_target, { ...opts, iterations: 3 });
      close(v.image.data, f.arrays.vis3_x.data, 1e-4, 'visualization after 3 iterations');
      const again = model.visualizeClass(f.meta.vis_target, { ...opts, iterations: 3 });
      assert.deepEqual(again.image.data, v.image.data, 'not deterministic');
    });
  });
}
