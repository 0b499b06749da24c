// inspect(): a model's summary without loading it, down to the unsupported
// operators by node, on fixtures and on fixtures with operators renamed in their
// bytes (as api.test.js does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GradlensError, inspect } from '../../js/index.js';
import { BUILD, FAMILIES, engineReady, loadFixture } from './helpers.js';

const lenet = loadFixture('lenet');
/** The fixture's bytes with every `from` replaced by `to` (same length: the protobuf stays valid). */
function renamed(bytes, from, to) {
  return Buffer.from(Buffer.from(bytes).toString('latin1').replaceAll(from, to), 'latin1');
}

// LeNet's multiply-adds: conv 5x5 1->6 on 24x24 outputs, conv 5x5 6->16 on 8x8, fc 256-120-84-10
const CONV1 = 6 * 24 * 24 * 25;
const LENET_MACS = CONV1 + 16 * 8 * 8 * 6 * 25 + 256 * 120 + 120 * 84 + 84 * 10;

test(`inspect counts LeNet's operators, parameters and FLOPs (${BUILD})`, async () => {
  await engineReady;
  const s = await inspect(lenet.onnx);
  assert.equal(s.opset, 9);
  assert.equal(s.producer, 'pytorch 1.13.0');
  assert.deepEqual(s.inputs, [{ name: 'input', type: 'float32', shape: [null, 1, 28, 28] }]);
  assert.deepEqual(s.outputs, [{ name: 'output', type: 'float32', shape: [null, 10] }]);
  assert.equal(s.nodes, 13);
  assert.deepEqual(s.operators, { Conv: 2, Relu: 4, MaxPool: 2, Flatten: 1, Gemm: 3, LogSoftmax: 1 });
  assert.equal(s.parameters, 6 * 25 + 6 + 16 * 150 + 16 + 256 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10);
  assert.equal(s.flops, 2 * LENET_MACS);
  assert.deepEqual([s.unsupported, s.errors, s.skipped, s.loadable], [[], [], 0, true]);
});

test(`inspect lists every unsupported operator by node and counts the supported part (${BUILD})`, async () => {
  const s = await inspect(renamed(lenet.onnx, 'Relu', 'Relx'));
  assert.equal(s.operators.Relx, 4);
  assert.deepEqual(s.unsupported.map((u) => u.op), ['Relx', 'Relx', 'Relx', 'Relx']);
  assert.ok(s.unsupported.every((u) => /^\/net\/(features|classifier)\/.*\/Relx$/.test(u.node)), JSON.stringify(s.unsupported));
  // only the first convolution is before an unsupported node
  assert.equal(s.flops, 2 * CONV1);
  assert.equal(s.skipped, 8);
  assert.equal(s.loadable, false);
});

test(`inspect reports a supported operator it cannot build, with the engine's message (${BUILD})`, async () => {
  // Flatten -> Sigmoid: the first Gemm then sees a 4-D tensor whose rows are 4 wide
  const s = await inspect(renamed(lenet.onnx, 'Flatten', 'Sigmoid'));
  assert.deepEqual(s.unsupported, []);
  assert.equal(s.errors.length, 1);
  assert.equal(s.errors[0].op, 'Gemm');
  assert.match(s.errors[0].message, /A '[^']+' has 4 columns but B '[^']+' has 256 rows/);
  assert.equal(s.loadable, false);
});

test(`inspect sees through the shape arithmetic of a dynamic export (${BUILD})`, async () => {
  const f = loadFixture('shufflenet_v2', FAMILIES);
  const file = Object.keys(f.meta.exports).find((name) => !f.meta.exports[name].do_constant_folding);
  const s = await inspect(readFileSync(`${FAMILIES}${file}`));
  assert.ok(s.operators.Shape > 0 && s.operators.Gather > 0 && s.operators.Transpose > 0);
  assert.deepEqual([s.unsupported, s.errors, s.loadable], [[], [], true]);
  assert.equal(s.inputs[0].shape[0], null, 'the batch is symbolic');
  assert.ok(s.flops > 0);
});

test(`inspect refuses what is not an ONNX model (${BUILD})`, async () => {
  await assert.rejects(inspect(new TextEncoder().encode('{"not": "onnx"}')),
    (e) => e instanceof GradlensError && e.code === 'model' && /not an ONNX model/.test(e.message));
});
