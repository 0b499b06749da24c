// One small member of each torchvision classifier family (tests/fixtures/families,
// made by make_fixtures.py's second section), as torch.onnx.export writes it at
// opsets 11, 13 and 17 (and unfolded where that differs): every export loads, its
// logits match PyTorch within 1e-4 and its input gradients within 1e-3 relative
// L2, and a batch gives bit for bit what its images give one at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { BUILD, FAMILIES, load, loadFixture, relL2 } from './helpers.js';

function close(actual, expected, tol, what) {
  const err = relL2(actual, expected);
  assert.ok(err <= tol, `${what}: relative L2 error ${err.toExponential(2)} > ${tol}`);
  return err;
}

const names = readdirSync(FAMILIES).filter((f) => f.endsWith('.ref.json')).map((f) => f.slice(0, -'.ref.json'.length));

test('every family is present', () => {
  assert.deepEqual(names.sort(), ['alexnet', 'densenet', 'efficientnet_b0', 'googlenet', 'mnasnet', 'mobilenet_v3_small',
    'regnet_y', 'resnext', 'shufflenet_v2', 'vgg', 'vgg_bn']);
});

for (const name of names) {
  const f = loadFixture(name, FAMILIES);
  // the pixels are stored as bytes: x = k / 255, the same float32 values torch used
  const x = { data: Float32Array.from(f.arrays.x_u8.data, (v) => v / 255), shape: f.arrays.x_u8.shape };
  const target = Array.from(f.arrays.targets.data);
  const perImage = x.data.length / x.shape[0];

  for (const [file, { opset, do_constant_folding: folded }] of Object.entries(f.meta.exports)) {
    test(`${name} opset ${opset}${folded ? '' : ' unfolded'} (${BUILD}): matches PyTorch`, async (t) => {
      const model = await load(readFileSync(`${FAMILIES}${file}`), f.card);
      t.after(() => model.dispose());
      assert.deepEqual(model.inputShape, [1, ...f.meta.input_shape]);
      assert.equal(model.numClasses, f.meta.num_classes);

      const { logits } = model.predict(x);
      const logitErr = close(logits.data, f.arrays.logits.data, 1e-4, 'logits');
      const { grad } = model.saliency(x, { target });
      const gradErr = close(grad.data, f.arrays.grad.data, 1e-3, 'input gradient');
      t.diagnostic(`relative L2 error: logits ${logitErr.toExponential(2)}, gradient ${gradErr.toExponential(2)}`);

      for (let i = 0; i < x.shape[0]; i++) {
        const one = { data: x.data.slice(i * perImage, (i + 1) * perImage), shape: [1, ...x.shape.slice(1)] };
        const k = f.meta.num_classes;
        assert.deepEqual(model.predict(one).logits.data, logits.data.slice(i * k, (i + 1) * k), `image ${i} alone: logits`);
        const single = model.saliency(one, { target: target[i] }).grad.data;
        assert.deepEqual(single, grad.data.slice(i * perImage, (i + 1) * perImage), `image ${i} alone: gradient`);
      }
    });
  }
}
