// Runs a graph written by export_graph.py with TF.js ops, for the TF.js peer.
// TF.js cannot read ONNX, and its conv/pool kernels are NHWC-only on the cpu and
// wasm backends, so 4-D activations live in NHWC here: the NCHW input is
// transposed once inside the differentiated function (so the gradient comes out
// NCHW like every other peer's), weights are re-laid out once at load, and
// layout-sensitive ops (Concat axis, Flatten) map ONNX's NCHW meaning.
// Only the ops of the bench networks exist; anything else throws at load.
import { readFileSync } from 'node:fs';

const NCHW_TO_NHWC_AXIS = [0, 3, 1, 2];

export function loadGraph(tf, graphPath, weightsPath) {
  const graph = JSON.parse(readFileSync(graphPath, 'utf8'));
  const bin = readFileSync(weightsPath);
  const floats = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  const raw = {};
  for (const [name, w] of Object.entries(graph.weights)) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    raw[name] = w.values ? { shape: w.shape, values: w.values } : { shape: w.shape, data: floats.subarray(w.offset, w.offset + size) };
  }
  const unsupported = [...new Set(graph.nodes.map((n) => n.op))].filter((op) => !(op in OPS));
  if (unsupported.length) throw new Error(`tfjs_graph: unsupported ops ${unsupported.join(', ')}`);
  // Each node gets its prepared (re-laid-out) weight tensors once, kept for every run.
  const steps = graph.nodes.map((n) => ({ node: n, prep: (PREP[n.op] ?? (() => ({})))(tf, n, raw) }));
  const scalar = (name) => (name && raw[name] ? (raw[name].data ?? raw[name].values)[0] : undefined);

  /** xNCHW: a [1,C,H,W] tensor -> logits [1, K]. Call inside tf.tidy / tf.grad. */
  function forward(xNCHW) {
    const env = new Map([[graph.input, tf.transpose(xNCHW, [0, 2, 3, 1])]]);
    for (const { node, prep } of steps) {
      const args = node.inputs.map((name) => env.get(name));
      env.set(node.outputs[0], OPS[node.op](tf, args, node.attrs, prep, { scalar: () => node.inputs.map(scalar) }));
    }
    return flattenNCHW(tf, env.get(graph.logits), 1);
  }
  const dispose = () => steps.forEach(({ prep }) => Object.values(prep).forEach((t) => t?.dispose?.()));
  return { graph, forward, dispose };
}

const onnxPads = (a) => a.pads ?? [0, 0, 0, 0]; // [top, left, bottom, right]
function tfPad(a) {
  const [t, l, b, r] = onnxPads(a);
  return t || l || b || r ? [[0, 0], [t, b], [l, r], [0, 0]] : 'valid';
}

// NHWC activations back to ONNX's NCHW order before anything that reads memory order.
function flattenNCHW(tf, x, axis) {
  const nchw = x.rank === 4 && x.shape[1] * x.shape[2] > 1 ? tf.transpose(x, [0, 3, 1, 2]) : x;
  const shape = x.rank === 4 ? [x.shape[0], x.shape[3], x.shape[1], x.shape[2]] : x.shape;
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  return tf.reshape(nchw, [outer, -1]);
}

const PREP = {
  Conv(tf, n, raw) {
    const w = raw[n.inputs[1]];
    const [o, i, kh, kw] = w.shape;
    const group = n.attrs.group ?? 1;
    const bias = n.inputs[2] ? tf.tensor1d(raw[n.inputs[2]].data) : null;
    if (group === 1) return { kind: 'conv', filter: tf.tidy(() => tf.tensor4d(w.data, w.shape).transpose([2, 3, 1, 0])), bias };
    if (i !== 1) throw new Error(`tfjs_graph: grouped Conv with ${i} channels per group`);
    // depthwise: ONNX [C*m, 1, kh, kw] -> TF.js [kh, kw, C, m]
    const filter = tf.tidy(() => tf.tensor4d(w.data, w.shape).reshape([group, o / group, kh, kw]).transpose([2, 3, 0, 1]));
    return { kind: 'depthwise', filter, bias };
  },
  Gemm(tf, n, raw) {
    const w = raw[n.inputs[1]];
    const c = n.inputs[2] ? raw[n.inputs[2]] : null;
    return { b: tf.tensor(w.data, w.shape), c: c ? tf.tensor(c.data, c.shape) : null };
  },
  BatchNormalization(tf, n, raw) {
    const [scale, bias, mean, variance] = n.inputs.slice(1).map((name) => tf.tensor1d(raw[name].data));
    return { scale, bias, mean, variance };
  },
  MatMul(tf, n, raw) {
    const w = raw[n.inputs[1]];
    return w ? { b: tf.tensor(w.data, w.shape) } : {};
  },
  Add: binaryPrep, Mul: binaryPrep,
};

function binaryPrep(tf, n, raw) {
  // A constant operand must be a scalar: ONNX broadcasts a [C] tensor over W in NCHW, which NHWC would silently change.
  const prep = {};
  n.inputs.forEach((name, k) => {
    if (!raw[name]) return;
    if (raw[name].data.length !== 1) throw new Error(`tfjs_graph: ${n.op} with a non-scalar constant`);
    prep[k] = tf.scalar(raw[name].data[0]);
  });
  return prep;
}

const OPS = {
  Conv(tf, [x], a, p) {
    const strides = a.strides ?? [1, 1];
    const dil = a.dilations ?? [1, 1];
    const y = p.kind === 'conv'
      ? tf.conv2d(x, p.filter, strides, tfPad(a), 'NHWC', dil)
      : tf.depthwiseConv2d(x, p.filter, strides, tfPad(a), 'NHWC', dil);
    return p.bias ? tf.add(y, p.bias) : y;
  },
  Relu: (tf, [x]) => tf.relu(x),
  Clip(tf, [x], a, p, { scalar }) {
    const [, lo, hi] = scalar();
    return tf.clipByValue(x, lo ?? a.min ?? -Infinity, hi ?? a.max ?? Infinity);
  },
  MaxPool(tf, [x], a) {
    if (a.ceil_mode) throw new Error('tfjs_graph: MaxPool ceil_mode');
    const pad = tfPad(a);
    const padded = pad === 'valid' ? x : tf.pad(x, pad, -Infinity); // pads never win a max
    return tf.maxPool(padded, a.kernel_shape, a.strides ?? [1, 1], 'valid');
  },
  AveragePool(tf, [x], a) {
    if (a.ceil_mode || tfPad(a) !== 'valid') throw new Error('tfjs_graph: padded or ceil-mode AveragePool');
    return tf.avgPool(x, a.kernel_shape, a.strides ?? [1, 1], 'valid');
  },
  GlobalAveragePool: (tf, [x]) => tf.mean(x, [1, 2], true),
  Concat: (tf, xs, a) => tf.concat(xs, xs[0].rank === 4 ? NCHW_TO_NHWC_AXIS[(a.axis + 4) % 4] : a.axis),
  Add: (tf, [x, y], a, p) => tf.add(p[0] ?? x, p[1] ?? y),
  Mul: (tf, [x, y], a, p) => tf.mul(p[0] ?? x, p[1] ?? y),
  Flatten: (tf, [x], a) => flattenNCHW(tf, x, a.axis ?? 1),
  Gemm(tf, [x], a, p) {
    let y = tf.matMul(x, p.b, Boolean(a.transA), Boolean(a.transB));
    if ((a.alpha ?? 1) !== 1) y = tf.mul(y, a.alpha);
    return p.c ? tf.add(y, (a.beta ?? 1) === 1 ? p.c : tf.mul(p.c, a.beta)) : y;
  },
  MatMul: (tf, [x, y], a, p) => tf.matMul(x, p.b ?? y),
  BatchNormalization: (tf, [x], a, p) => tf.batchNorm(x, p.mean, p.variance, p.bias, p.scale, a.epsilon ?? 1e-5),
};
