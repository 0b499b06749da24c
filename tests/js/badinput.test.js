// Bad input through the JS API, on the wasm engine: every case is a thrown Error
// whose message names the problem (never a WebAssembly trap), the process stays
// alive, and the next valid call is still correct.
//
//   - 1,000 broken models from a seeded generator (byte flips and truncations of
//     real models; structural breakage built with tests/js/onnx-writer.js:
//     duplicated and dropped fields, huge and negative dimensions, cycles,
//     dangling inputs, wrong initializer sizes, mismatched shapes, unsupported
//     operators), each timed (at most 1 s) and each checked to grow the wasm
//     memory by no more than a small multiple of its own size; where the API has
//     inspect(), it must agree with loadModel about which ones load;
//   - models whose activations cannot fit: a clean out-of-memory error;
//   - bad images, targets and options beyond those of api.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as gradlens from '../../js/index.js';
import { BUILD, engineReady, load, loadFixture, relL2, wasmHeapUsed } from './helpers.js';
import { OnnxModel, tensor, tinyModel, weights } from './onnx-writer.js';

const { GradlensError, loadModel } = gradlens;
// inspect(): a summary of a model without loading it, where the API has it
const inspect = typeof gradlens.inspect === 'function' ? gradlens.inspect : null;
const engine = await engineReady;
const memoryBytes = () => engine.exports.memory.buffer.byteLength;
const lenet = loadFixture('lenet');
const { x } = lenet.arrays;
const target = Array.from(lenet.arrays.targets.data);
const reference = await load(lenet.onnx, lenet.card);

/** The engine is still right: the reference model gives PyTorch's logits. */
function assertEngineCorrect(what) {
  const err = relL2(reference.predict(x).logits.data, lenet.arrays.logits.data);
  assert.ok(err < 1e-4, `after ${what}: the reference model is broken (relative error ${err})`);
}

const heapUsed = () => wasmHeapUsed(engine);

/**
 * Runs fn with at most about `allowance` bytes of the wasm heap available: the rest
 * of the free heap is taken (64 KB blocks) for the duration, so fn's peak need
 * beyond the allowance shows as memory growth. Returns fn's value and that growth.
 */
async function withHeapAllowance(allowance, fn) {
  const size = memoryBytes();
  const blocks = [];
  for (;;) { // take everything (the last block may grow the memory a little)
    const p = engine.exports.glw_malloc(65536);
    if (!p) break;
    blocks.push(p);
    if (memoryBytes() !== size) break;
  }
  for (let k = Math.ceil(allowance / 65536); k > 0 && blocks.length; k--) engine.exports.glw_free_buffer(blocks.pop());
  const before = memoryBytes();
  try {
    const value = await fn();
    return { value, growth: memoryBytes() - before };
  } finally {
    for (const p of blocks) engine.exports.glw_free_buffer(p);
  }
}

/** A clean error: an Error with a message, never a wasm trap (RuntimeError). */
function assertCleanError(e, what) {
  assert.ok(e instanceof Error, `${what}: threw a non-Error ${String(e)}`);
  assert.ok(!(e instanceof WebAssembly.RuntimeError), `${what}: the engine trapped: ${e.message}`);
  assert.ok(typeof e.message === 'string' && e.message.length > 8, `${what}: no message`);
  if (e instanceof GradlensError) {
    assert.ok(['argument', 'model', 'unsupported', 'out-of-memory'].includes(e.code), `${what}: code ${e.code}`);
  }
}

// ---- the generator ---------------------------------------------------------------
/** mulberry32: a small seeded PRNG, so every run tests the same 1,000 models. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HUGE = [2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 62, 2n ** 63n - 1n, 2 ** 28 + 1, 1e6, 65536];
const NEGATIVE = [-1, -2, -(2 ** 31), -(2n ** 63n), -1024];

/**
 * A small valid classifier on 1 or 3 channels with the operators the families
 * break: Conv(w, b) -> Relu -> MaxPool -> Conv(w2) -> GlobalAveragePool -> Flatten
 * -> Gemm(fc, fcb). `skip` leaves out a part by name, `patch` replaces one.
 */
function baseModel(r, { skip = new Set(), patch = {} } = {}) {
  const C = r() < 0.5 ? 1 : 3;
  const S = 8 + 2 * Math.floor(r() * 4);
  const spec = {
    opset: 13, input: [1, C, S, S],
    nodes: [
      ['Conv', ['x', 'w', 'b'], ['c1'], { pads: [1, 1, 1, 1] }],
      ['Relu', ['c1'], ['r1'], {}],
      ['MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] }],
      ['Conv', ['p1', 'w2'], ['c2'], {}],
      ['GlobalAveragePool', ['c2'], ['g'], {}],
      ['Flatten', ['g'], ['f'], {}],
      ['Gemm', ['f', 'fc', 'fcb'], ['y'], { transB: 1 }],
    ],
    inits: [
      ['w', [4, C, 3, 3]], ['b', [4]], ['w2', [6, 4, 1, 1]], ['fc', [5, 6]], ['fcb', [5]],
    ],
    output: 'y',
  };
  Object.assign(spec, patch);
  const m = new OnnxModel({ opset: skip.has('opset') ? null : spec.opset, input: skip.has('input') ? null : spec.input });
  spec.nodes.forEach(([op, ins, outs, attrs], k) => { if (!skip.has(`node${k}`)) m.node(op, ins, outs, attrs); });
  for (const [name, dims, data, options] of spec.inits) {
    if (skip.has(name)) continue;
    const n = dims.reduce((a, b) => a * Number(b), 1);
    m.init(name, dims, data ?? (Number.isSafeInteger(n) && n >= 0 && n < 1e6 ? weights(n, name.length) : new Float32Array(2)), options);
  }
  return { m, spec, C, S, bytes: () => m.bytes(skip.has('output') ? [] : spec.output) };
}

const pick = (r, list) => list[Math.floor(r() * list.length)];

/** Each family returns {bytes, expect}: expect a RegExp the message must match, or
 * null when any clean outcome is right (a flipped byte may still be a valid model). */
const FAMILIES = {
  bitflip(r) {
    const source = r() < 0.5 ? lenet.onnx : baseModel(r).bytes();
    const bytes = Uint8Array.from(source);
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
      const at = Math.floor(r() * bytes.length);
      bytes[at] = r() < 0.5 ? bytes[at] ^ (1 << Math.floor(r() * 8)) : Math.floor(r() * 256);
    }
    return { bytes, expect: null };
  },
  truncate(r) {
    const bytes = r() < 0.5 ? Uint8Array.from(lenet.onnx) : baseModel(r).bytes();
    return { bytes: bytes.subarray(0, Math.floor(r() * bytes.length)), expect: null };
  },
  duplicateNode(r) {
    const b = baseModel(r);
    const node = pick(r, b.spec.nodes);
    b.m.node(...node);
    return { bytes: b.bytes(), expect: new RegExp(`'${node[2][0]}' is produced twice`) };
  },
  duplicateField(r) { // a repeated initializer or attribute: the engine may take either copy, but must not break
    const b = baseModel(r);
    if (r() < 0.5) {
      const [name, dims] = pick(r, b.spec.inits);
      b.m.init(name, dims, weights(dims.reduce((a, c) => a * c, 1), 7));
      return { bytes: b.bytes(), expect: null };
    }
    const nodes = b.spec.nodes.map((n, k) => (k === 0 ? [n[0], n[1], n[2], [['pads', [1, 1, 1, 1]], ['pads', [0, 0, 0, 0]]]] : n));
    return { bytes: baseModel(prng(11), { patch: { nodes, input: b.spec.input, inits: b.spec.inits } }).bytes(), expect: null };
  },
  dropNode(r) {
    const k = Math.floor(r() * 7);
    const b = baseModel(r, { skip: new Set([`node${k}`]) });
    return { bytes: b.bytes(), expect: k === 6 ? /output 'y' is not computed by the graph/ : /is not produced by an earlier node/ };
  },
  dropInitializer(r) {
    const name = pick(r, ['w', 'b', 'w2', 'fc', 'fcb']);
    const b = baseModel(r, { skip: new Set([name]) });
    return { bytes: b.bytes(), expect: new RegExp(`input '${name}' is not produced by an earlier node`) };
  },
  dropGraphField(r) {
    const what = pick(r, ['input', 'output', 'opset']);
    const b = baseModel(r, { skip: new Set([what]) });
    const expect = { input: /the model has no input/, output: /the model has no output/, opset: /ONNX opset 1 is not supported/ };
    return { bytes: b.bytes(), expect: expect[what] };
  },
  hugeInputDim(r) {
    const b = baseModel(r);
    const d = 1 + Math.floor(r() * 3);
    const value = pick(r, [...HUGE, ...NEGATIVE, 0]);
    const input = [...b.spec.input];
    input[d] = value;
    return { bytes: baseModel(prng(1), { patch: { input } }).bytes(), expect: /input 'x'/ };
  },
  hugeInitializerDim(r) {
    const b = baseModel(r);
    const [name, dims] = pick(r, b.spec.inits);
    const huge = [...dims];
    huge[Math.floor(r() * dims.length)] = pick(r, [...HUGE.filter((v) => v !== 65536), ...NEGATIVE]);
    const inits = b.spec.inits.map((i) => (i[0] === name ? [name, huge, new Float32Array(4)] : i));
    return {
      bytes: baseModel(prng(2), { patch: { inits, input: b.spec.input } }).bytes(),
      expect: new RegExp(`tensor '${name}': (dimension -?\\d+ is negative or too large|raw_data has 16 bytes, its dims need)`),
    };
  },
  badConvAttribute(r) {
    const attr = pick(r, ['pads', 'strides', 'dilations', 'kernel_shape', 'group']);
    const value = pick(r, attr === 'pads' ? [...HUGE, ...NEGATIVE] : [...HUGE, ...NEGATIVE, 0]);
    const attrs = attr === 'group' ? { group: value } : attr === 'pads' ? { pads: [1, value, 1, 1] } : { [attr]: [value, 1] };
    if (attr === 'kernel_shape' && value === 0) attrs.kernel_shape = [0, 0];
    const b = baseModel(r);
    const nodes = b.spec.nodes.map((n, k) => (k === 0 ? ['Conv', n[1], n[2], attrs] : n));
    const expect = {
      pads: /pads must be between 0 and 1024|does not fit/, strides: /strides and dilations must be between 1 and 64/,
      dilations: /strides and dilations must be between 1 and 64/, kernel_shape: /kernel_shape does not match the weights/,
      group: /do not fit \d+ input channels/,
    };
    return { bytes: baseModel(prng(3), { patch: { nodes, input: b.spec.input, inits: b.spec.inits } }).bytes(), expect: expect[attr] };
  },
  badPoolAttribute(r) {
    const value = pick(r, [...HUGE, ...NEGATIVE]);
    const attrs = pick(r, [{ kernel_shape: [value, 2] }, { kernel_shape: [2, 2], strides: [value, 2] },
      { kernel_shape: [2, 2], pads: [value, 0, 0, 0] }, { kernel_shape: [2] }, { kernel_shape: [0, 2] },
      { kernel_shape: [2, 2], strides: [0, 1] }]);
    const b = baseModel(r);
    const nodes = b.spec.nodes.map((n) => (n[0] === 'MaxPool' ? ['MaxPool', n[1], n[2], attrs] : n));
    return {
      bytes: baseModel(prng(4), { patch: { nodes, input: b.spec.input, inits: b.spec.inits } }).bytes(),
      expect: /kernel_shape|strides and dilations|pads must be|window does not fit/,
    };
  },
  badAxis(r) {
    const axis = pick(r, [5, -6, 2 ** 31, -(2 ** 31) - 1, 99]);
    const b = baseModel(r);
    const nodes = b.spec.nodes.map((n) => (n[0] === 'Flatten' ? ['Flatten', n[1], n[2], { axis }] : n));
    return { bytes: baseModel(prng(5), { patch: { nodes, input: b.spec.input, inits: b.spec.inits } }).bytes(), expect: /axis -?\d+ is out of range/ };
  },
  cycle(r) {
    const b = baseModel(r);
    const k = 1 + Math.floor(r() * 5); // node k reads a later node's output
    const nodes = b.spec.nodes.map((n, j) => (j === k ? [n[0], ['y', ...n[1].slice(1)], n[2], n[3]] : n));
    return { bytes: baseModel(prng(6), { patch: { nodes, input: b.spec.input, inits: b.spec.inits } }).bytes(), expect: /'y' is not produced by an earlier node/ };
  },
  dangling(r) {
    const b = baseModel(r);
    const k = Math.floor(r() * 7);
    const nodes = b.spec.nodes.map((n, j) => (j === k ? [n[0], ['nowhere', ...n[1].slice(1)], n[2], n[3]] : n));
    return { bytes: baseModel(prng(7), { patch: { nodes, input: b.spec.input, inits: b.spec.inits } }).bytes(), expect: /'nowhere' is not produced by an earlier node/ };
  },
  wrongInitializerSize(r) {
    const b = baseModel(r);
    const [name, dims] = pick(r, b.spec.inits);
    const n = dims.reduce((a, c) => a * c, 1);
    const delta = pick(r, [-1, 1, -n, n, 7]);
    const typed = r() < 0.5;
    const data = weights(n + delta);
    const options = typed ? { floatData: data } : { rawBytes: new Uint8Array(data.buffer) };
    const inits = b.spec.inits.map((i) => (i[0] === name ? [name, dims, null, options] : i));
    return {
      bytes: baseModel(prng(8), { patch: { inits, input: b.spec.input } }).bytes(),
      expect: typed ? new RegExp(`tensor '${name}': has \\d+ values, its dims need ${n}`)
        : new RegExp(`tensor '${name}': raw_data has \\d+ bytes, its dims need ${4 * n}`),
    };
  },
  shapeMismatch(r) {
    const b = baseModel(r);
    const { C } = b;
    const cases = [
      [{ inits: [['w', [4, C + 1, 3, 3]], ...b.spec.inits.slice(1)] }, /do not fit \d+ input channels/],
      [{ inits: [b.spec.inits[0], ['b', [3]], ...b.spec.inits.slice(2)] }, /bias has 3 values for 4 output channels/],
      [{ inits: [...b.spec.inits.slice(0, 3), ['fc', [5, 7]], b.spec.inits[4]] }, /has 6 columns but B 'fc' has 7 rows/],
      [{ inits: [...b.spec.inits.slice(0, 4), ['fcb', [4]]] }, /C 'fcb' does not broadcast/],
      [{ nodes: [...b.spec.nodes.slice(0, 6), ['Add', ['f', 'fcb'], ['y'], {}]] }, /do not broadcast/],
      [{ nodes: [...b.spec.nodes, ['Concat', ['y', 'c1'], ['z'], { axis: 1 }]], output: 'z' }, /different ranks|differs from/],
      [{ nodes: [...b.spec.nodes.slice(0, 5), ['Reshape', ['g', 'shape'], ['f'], {}], b.spec.nodes[6]],
        inits: [...b.spec.inits, ['shape', [2], [5, -1]]] }, /cannot reshape/],
    ];
    const [patch, expect] = pick(r, cases);
    const full = { input: b.spec.input, inits: b.spec.inits, nodes: b.spec.nodes, ...patch };
    return { bytes: baseModel(prng(9), { patch: full }).bytes(), expect };
  },
  unsupported(r) {
    const b = baseModel(r);
    const kind = pick(r, ['operator', 'domain', 'opset', 'inputType', 'twoInputs', 'external', 'batch']);
    const spec = { input: b.spec.input, inits: b.spec.inits, nodes: b.spec.nodes };
    let expect;
    let opts = {};
    if (kind === 'operator' || kind === 'domain') {
      const op = kind === 'operator' ? pick(r, ['Hardmax', 'Loop', 'NonMaxSuppression', 'Relu6', 'ConvInteger', 'Scan']) : 'Relu';
      spec.nodes = b.spec.nodes.map((n) => (n[0] === 'Relu' ? [op, n[1], n[2], {}] : n));
      expect = kind === 'operator' ? new RegExp(`unsupported operator: ${op} \\(node 'r1'\\)`) : /unsupported operator: com\.example::Relu/;
      if (kind === 'domain') opts = { domain: 'com.example' };
    } else if (kind === 'opset') {
      spec.opset = pick(r, [2, 6, 99, 2 ** 40]);
      expect = new RegExp(`opset ${spec.opset} is not supported`);
    } else if (kind === 'external') {
      spec.inits = [['w', b.spec.inits[0][1], null, { external: true }], ...b.spec.inits.slice(1)];
      expect = /tensor 'w' is stored as external data/;
    } else if (kind === 'batch') {
      spec.input = [4, ...b.spec.input.slice(1)];
      expect = /has a fixed batch of 4/;
    }
    const built = baseModel(prng(10), { patch: spec });
    if (kind === 'domain') { // rebuild the Relu node with its domain
      const m = new OnnxModel({ input: spec.input });
      for (const [op, ins, outs, attrs] of spec.nodes) m.node(op, ins, outs, attrs, op === 'Relu' ? opts : {});
      for (const [name, dims] of spec.inits) m.init(name, dims, weights(dims.reduce((a, c) => a * c, 1)));
      return { bytes: m.bytes('y'), expect };
    }
    if (kind === 'inputType' || kind === 'twoInputs') {
      const m = new OnnxModel({ input: spec.input, inputType: kind === 'inputType' ? 7 : 1 });
      for (const [op, ins, outs, attrs] of spec.nodes) m.node(op, ins, outs, attrs);
      for (const [name, dims] of spec.inits) m.init(name, dims, weights(dims.reduce((a, c) => a * c, 1)));
      if (kind === 'twoInputs') m.addInput('second', [1, 1, 4, 4]);
      return { bytes: m.bytes('y'), expect: kind === 'inputType' ? /has element type 7/ : /several inputs/ };
    }
    return { bytes: built.bytes(), expect };
  },
};
const FAMILY_NAMES = Object.keys(FAMILIES);

/** A valid image for a model that loaded, or null when it is too large to bother. */
function imageFor(model, r) {
  const [, c, h, w] = model.inputShape;
  if (c * h * w > 1 << 16) return null;
  return { data: Float32Array.from({ length: c * h * w }, () => r()), shape: [1, c, h, w] };
}

test(`1,000 broken models: clean errors, under 1 s, load memory bounded by their size (${BUILD})`, async () => {
  const r = prng(20240611);
  const stats = {};
  let maxMs = 0;
  let maxWhat = '';
  let maxGrowth = 0;
  const times = [];
  for (let k = 0; k < 1000; k++) {
    const family = FAMILY_NAMES[k % FAMILY_NAMES.length];
    const { bytes, expect } = FAMILIES[family](r);
    const what = `model ${k} (${family})`;
    const before = memoryBytes();
    const t0 = performance.now();
    let summary = null;
    let inspectError = null;
    if (inspect) {
      try {
        summary = await inspect(bytes);
      } catch (e) {
        inspectError = e;
        assertCleanError(e, `${what}, inspect`);
      }
    }
    let model = null;
    let error = null;
    // loading needs the bytes, their decoded weights and the prepacked copies (a few
    // times the model's size), never what the model merely claims: its peak must fit
    const allowance = 8 * bytes.length + (1 << 20);
    const { growth } = await withHeapAllowance(allowance, async () => {
      try {
        model = await loadModel(bytes);
      } catch (e) {
        error = e;
      }
    });
    if (inspect && !(error && (error.code === 'out-of-memory' || !(error instanceof GradlensError)))) {
      // the engine's verdict (card errors and memory aside) matches inspect()'s
      const loadable = inspectError ? false : summary.loadable;
      assert.equal(loadable, !error, `${what}: inspect() says loadable ${loadable}, loadModel ${error ? `threw: ${error.message}` : 'loaded it'}`);
    }
    if (model) { // it loaded: it must run, or fail cleanly
      try {
        const image = imageFor(model, r);
        if (image) {
          model.predict(image);
          model.saliency(image, { target: Math.floor(r() * model.numClasses) });
        }
      } catch (e) {
        assertCleanError(e, `${what}, running`);
      } finally {
        model.dispose();
      }
    }
    const ms = performance.now() - t0;
    times.push(ms);
    if (ms > maxMs) [maxMs, maxWhat] = [ms, what];
    stats[family] ??= { loaded: 0, refused: 0 };
    stats[family][model ? 'loaded' : 'refused']++;
    if (error) assertCleanError(error, what);
    if (expect) {
      assert.ok(error, `${what}: loaded, expected an error matching ${expect}`);
      assert.match(error.message, expect, `${what}`);
    }
    assert.ok(ms < 1000, `${what}: took ${ms.toFixed(0)} ms`);
    assert.equal(growth, 0, `${what}: loading a ${bytes.length}-byte model needed more than ${allowance} bytes of wasm memory`);
    maxGrowth = Math.max(maxGrowth, memoryBytes() - before);
    assertEngineCorrect(what);
  }
  const refused = Object.values(stats).reduce((a, s) => a + s.refused, 0);
  times.sort((a, b) => a - b);
  console.log(`1,000 broken models (${BUILD}): ${refused} refused, ${1000 - refused} loaded and ran; median ${times[500].toFixed(2)} ms,` +
    ` 99th percentile ${times[990].toFixed(1)} ms, slowest ${maxMs.toFixed(1)} ms (${maxWhat});` +
    ` every load within 8x its size + 1 MB of wasm heap; memory ${memoryBytes() >> 20} MB (largest growth in one case ${maxGrowth >> 10} KB)`);
  console.log(Object.entries(stats).map(([f, s]) => `${f} ${s.refused}/${s.loaded}`).join(', '));
});

// ---- memory that cannot be had ----------------------------------------------------
/** A 1x1xHxW input broadcast to an (H*W) x (H*W) activation, then `relus` more of
 * that size: gigabytes of activations from a model of a few hundred bytes. */
function broadcastModel(h, w, relus) {
  const m = new OnnxModel({ input: [1, 1, h, w] });
  m.node('Reshape', ['x', 's1'], ['a']).node('Reshape', ['x', 's2'], ['b']).node('Add', ['a', 'b'], ['r0']);
  m.init('s1', [3], [1, h * w, 1]).init('s2', [3], [1, 1, h * w]);
  for (let k = 1; k <= relus; k++) m.node('Relu', [`r${k - 1}`], [`r${k}`]);
  m.node('GlobalAveragePool', [`r${relus}`], ['g']).node('Flatten', ['g'], ['y']);
  return m.bytes('y');
}

test(`activations beyond the address space: a clean out-of-memory error (${BUILD})`, async () => {
  // 2^28-element activations: 2 to 10 GB per image, more than wasm32 can address.
  // (The plan's size once wrapped around 2^32 in wasm: the run overran a small buffer.)
  for (const relus of [0, 1, 2, 3, 4]) {
    const what = `${relus + 1} activations of 2^28 floats`;
    const t0 = performance.now();
    await assert.rejects(async () => {
      const model = await loadModel(broadcastModel(128, 128, relus));
      try {
        model.saliency({ data: new Float32Array(16384).fill(0.5), shape: [1, 1, 128, 128] }, { target: 0 });
      } finally {
        model.dispose();
      }
    }, (e) => {
      assertCleanError(e, what);
      assert.equal(e.code, 'out-of-memory', `${what}: ${e.message}`);
      return /the model needs \d+ MB of activations per image|out of memory/.test(e.message);
    }, what);
    assert.ok(performance.now() - t0 < 1000, `${what}: took ${performance.now() - t0} ms`);
    assertEngineCorrect(what);
  }
});

test(`a model that fits the limits but not the memory with a batch: out-of-memory, then usable (${BUILD})`, async () => {
  // 1x2048x2048 input, a 3x3 Conv to 40 channels: every tensor is under the engine's
  // limits and one image needs 1.4 GB, but 16 images (768 MB of images, maps and
  // gradients) and that do not fit the 2 GB wasm memory.
  const m = new OnnxModel({ input: [1, 1, 2048, 2048] });
  m.node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }).node('GlobalAveragePool', ['c'], ['g']).node('Flatten', ['g'], ['y']);
  m.init('w', [40, 1, 3, 3], weights(360));
  const n = 16;
  const images = { data: new Float32Array(n * 2048 * 2048).fill(0.25), shape: [n, 1, 2048, 2048] };
  const model = await loadModel(m.bytes('y'));
  try {
    assert.throws(() => model.saliency(images, { target: 1 }), (e) => {
      assertCleanError(e, 'huge activation');
      return e.code === 'out-of-memory' && /out of (WebAssembly )?memory/.test(e.message);
    });
  } finally {
    model.dispose();
  }
  assertEngineCorrect('a huge activation');
  // and a model loaded now works too
  const tiny = await loadModel(tinyModel().bytes('y'));
  const out = tiny.predict({ data: new Float32Array(108).fill(0.5), shape: [1, 3, 6, 6] });
  assert.ok(out.logits.data.every(Number.isFinite));
  tiny.dispose();
});

test(`an im2col buffer beyond the address space: a clean error (${BUILD})`, async () => {
  // A 3x64x64 kernel over a 3x1x1 input padded by 543: a 1024x1024 output, whose
  // im2col matrix has 12288 x 2^20 = 3 * 2^32 floats; in wasm32 its size wrapped
  // around to 9 floats, and the convolution read far past them.
  const m = new OnnxModel({ input: [1, 3, 1, 1] });
  m.node('Conv', ['x', 'w'], ['c'], { pads: [543, 543, 543, 543] }).node('GlobalAveragePool', ['c'], ['g']).node('Flatten', ['g'], ['y']);
  m.init('w', [1, 3, 64, 64], weights(3 * 4096));
  const image = { data: new Float32Array(3).fill(0.5), shape: [1, 3, 1, 1] };
  await assert.rejects(async () => {
    const model = await loadModel(m.bytes('y'));
    try {
      model.predict(image);
    } finally {
      model.dispose();
    }
  }, (e) => {
    assertCleanError(e, 'im2col of 2^32 floats');
    return e.code === 'out-of-memory' || e.code === 'unsupported';
  });
  assertEngineCorrect('an im2col of 2^32 floats');
});

test(`an initializer shared by many nodes: no blow-up of load time or memory (${BUILD})`, async () => {
  // One 1 MB weight used by 100 Convs: every node keeps its own prepacked copies,
  // so 1 MB of model became 200 MB of wasm memory and seconds of loading.
  const m = new OnnxModel({ input: [1, 3, 8, 8] });
  m.node('Conv', ['x', 'w0'], ['c']).init('w0', [64, 3, 1, 1], weights(192));
  let prev = 'c';
  for (let k = 0; k < 100; k++) {
    m.node('Conv', [prev, 'w'], [`c${k}`], { pads: [4, 4, 3, 3] });
    prev = `c${k}`;
  }
  m.init('w', [64, 64, 8, 8], weights(64 * 64 * 64));
  const bytes = m.bytes(prev);
  const before = heapUsed();
  const t0 = performance.now();
  let model = null;
  try {
    model = await loadModel(bytes);
  } catch (e) {
    assertCleanError(e, 'shared initializer');
  }
  const ms = performance.now() - t0;
  const footprint = heapUsed() - before;
  model?.dispose();
  assert.ok(footprint <= 16 * bytes.length + (16 << 20), `the loaded model takes ${footprint >> 20} MB of wasm memory for ${bytes.length >> 10} KB of ONNX`);
  assert.ok(ms < 1000, `loading took ${ms.toFixed(0)} ms`);
  assertEngineCorrect('a shared initializer');
});

test(`constants computed at load: no blow-up of load time or memory (${BUILD})`, async () => {
  // 16 ConstantOfShape nodes of 4096x4096 in a 1 KB model (nothing even uses them):
  // each is evaluated at load, 1 GB of wasm memory in all.
  const m = new OnnxModel({ input: [1, 1, 4, 4] });
  m.init('shape', [2], [4096, 4096]);
  for (let k = 0; k < 16; k++) {
    m.node('ConstantOfShape', ['shape'], [`k${k}`], { value: { type: 'tensor', value: tensor('v', [1], new Float32Array([1])) } });
  }
  m.node('Relu', ['x'], ['y']);
  const bytes = m.bytes('y');
  const t0 = performance.now();
  // a budget for what loading may allocate: 16 times the model's size, plus 16 MB
  const { growth } = await withHeapAllowance(16 * bytes.length + (16 << 20), async () => {
    try {
      (await loadModel(bytes)).dispose();
    } catch (e) {
      assertCleanError(e, 'computed constants');
    }
  });
  const ms = performance.now() - t0;
  assert.equal(growth, 0, `loading a ${bytes.length}-byte model needed ${growth >> 20} MB more than 16 times its size + 16 MB`);
  assert.ok(ms < 1000, `loading took ${ms.toFixed(0)} ms`);
  assertEngineCorrect('computed constants');
});

test(`a huge batch: chunked when it fits, a clean error when it does not (${BUILD})`, async () => {
  // 5,000 images run in chunks: the same logits as one by one
  const n = 5000;
  const data = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) data.set(x.data.subarray((i % 3) * 784, (i % 3 + 1) * 784), i * 784);
  const big = reference.predict({ data, shape: [n, 1, 28, 28] });
  assert.ok(relL2(big.logits.data.subarray(0, 30), lenet.arrays.logits.data) < 1e-4, 'batched logits');
  assert.ok(relL2(big.logits.data.subarray(30 * 1000, 30 * 1001), lenet.arrays.logits.data) < 1e-4, 'batched logits, later chunk');
  // 330,000 images (1 GB) fit, but not with a saliency map and a gradient of the same size
  const huge = { data: new Float32Array(330000 * 784).fill(0.5), shape: [330000, 1, 28, 28] };
  assert.throws(() => reference.saliency(huge, { target: 1 }), (e) => {
    assertCleanError(e, 'huge batch');
    return e.code === 'out-of-memory' && /out of WebAssembly memory/.test(e.message);
  });
  assertEngineCorrect('a huge batch');
});

test(`results larger than 4 GB do not wrap around (${BUILD})`, async () => {
  // The gradient at a 2^26-element layer for 17 images is 4.25 GB: its size must be
  // refused, not taken modulo 2^32 (a 256 MB buffer the engine would overrun).
  const model = await loadModel(broadcastModel(64, 128, 0));
  try {
    const n = 17;
    const images = { data: new Float32Array(n * 8192).fill(0.5), shape: [n, 1, 64, 128] };
    const t0 = performance.now();
    assert.throws(() => model.gradient(images, { target: 0, layer: 'r0' }), (e) => {
      assertCleanError(e, '4 GB gradient');
      return e.code === 'out-of-memory';
    });
    assert.ok(performance.now() - t0 < 1000, 'refused before running');
  } finally {
    model.dispose();
  }
  assertEngineCorrect('a 4 GB result');
});

// ---- images, targets, options ------------------------------------------------------
test(`bad images, targets and options: clean errors, the model usable (${BUILD})`, async () => {
  const model = reference;
  const K = model.numClasses;
  const withPixel = (k, v) => ({ data: x.data.map((p, j) => (j === k ? v : p)), shape: x.shape });
  const cases = [
    // images: channels, zero sizes, non-finite pixels, not typed arrays, bad shapes
    [() => model.predict({ data: new Float32Array(3 * 3 * 784), shape: [3, 3, 28, 28] }), /images are 3x28x28 \(CxHxW\) but the model takes 1x28x28/],
    [() => model.predict({ data: new Float32Array(0), shape: [1, 1, 0, 28] }), /images are 1x0x28/],
    [() => model.predict({ data: new Float32Array(0), shape: [1, 0, 28, 28] }), /images are 0x28x28/],
    [() => model.predict(withPixel(5, -Infinity)), /pixel \(0, 5\) is -inf; pixels must be in \[0, 1\]/],
    [() => model.predict(withPixel(784 + 30, NaN)), /image 1, channel 0, pixel \(1, 2\) is nan/],
    [() => model.predict(withPixel(2 * 784 + 783, 1.0000001)), /image 2, channel 0, pixel \(27, 27\) is 1/],
    [() => model.predict(withPixel(0, -1e-30)), /pixels must be in \[0, 1\]/],
    [() => model.predict({ data: Float64Array.from(x.data), shape: x.shape }), /Float32Array/],
    [() => model.predict({ data: Uint8Array.from(x.data), shape: x.shape }), /Float32Array/],
    [() => model.predict({ data: x.data }), /shape must be \[N, C, H, W\]/],
    [() => model.predict({ data: x.data, shape: [3, 1, 28, -28] }), /non-negative integers/],
    [() => model.predict({ data: x.data, shape: [3, 1, 28, 28.5] }), /non-negative integers/],
    [() => model.predict({ data: x.data, shape: ['3', 1, 28, 28] }), /non-negative integers/],
    [() => model.predict(null), /must be a tensor/],
    [() => model.predict(x.data), /must be a tensor/],
    // a baseline of another size than x: the engine would read past (or short of) it
    [() => model.saliency(x, { target, method: 'integrated-gradients', baseline: { data: new Float32Array(784), shape: [1, 1, 28, 28] } }), /baseline/],
    [() => model.saliency(x, { target, method: 'integrated-gradients', baseline: { data: new Float32Array(784 * 4), shape: [4, 1, 28, 28] } }), /baseline/],
    // targets: not integers, out of int32, wrong counts
    [() => model.saliency(x, { target: NaN }), /integer class id, got NaN/],
    [() => model.saliency(x, { target: Infinity }), /integer class id, got Infinity/],
    [() => model.saliency(x, { target: '3' }), /integer class id/],
    [() => model.saliency(x, { target: 3n }), /integer class id/],
    [() => model.saliency(x, { target: null }), /integer class id, got null/],
    [() => model.saliency(x, { target: 2 ** 31 }), /out of range/],
    [() => model.saliency(x, { target: -(2 ** 31) }), /out of range/],
    [() => model.saliency(x, { target: K }), new RegExp(`target ${K} of image 0 is out of range: the model has ${K} classes`)],
    [() => model.saliency(x, { target: Int32Array.of(1, 2, 3, 4) }), /4 targets for 3 images/],
    [() => model.saliency(x, { target: [] }), /0 targets for 3 images/],
    [() => model.fool(x, { target: [1, 2, 3.5] }), /integer class id, got 3.5/],
    [() => model.fool(x, { method: 'pgd', labels: [1, 2, 99] }), /labels: target 99 of image 2 is out of range/],
    [() => model.visualizeClass(-1), /out of range/],
    [() => model.visualizeClass(1.5), /integer class id, got 1.5/],
    [() => model.gradient(x, { target: [1, 2, K] }), /out of range/],
    [() => model.gradient(x, { weights: { data: new Float32Array(3 * K - 1), shape: [3, K] } }), /weights must be a tensor/],
    [() => model.gradient(x, { weights: { data: new Float64Array(3 * K), shape: [3, K] } }), /weights must be a tensor/],
    // options: negative, zero, NaN and absurd counts and rates
    [() => model.saliency(x, { target, method: 'smoothgrad', samples: -1 }), /samples must be a non-negative integer/],
    [() => model.saliency(x, { target, method: 'smoothgrad', samples: 0 }), /samples must be between 1 and 10000, got 0/],
    [() => model.saliency(x, { target, method: 'smoothgrad', samples: 1e9 }), /samples must be between 1 and 10000/],
    [() => model.saliency(x, { target, method: 'smoothgrad', samples: 2 ** 32 + 5 }), /samples/],
    [() => model.saliency(x, { target, method: 'smoothgrad', sigma: -0.1 }), /sigma must be between 0 and 10/],
    [() => model.saliency(x, { target, method: 'smoothgrad', sigma: NaN }), /sigma must be a finite number/],
    [() => model.saliency(x, { target, method: 'integrated-gradients', steps: -1 }), /steps must be a non-negative integer/],
    [() => model.saliency(x, { target, method: 'integrated-gradients', steps: 0 }), /steps must be between 1 and 10000, got 0/],
    [() => model.saliency(x, { target, method: 'integrated-gradients', steps: 2 ** 32 + 32 }), /steps/],
    [() => model.saliency(x, { target, method: 'integrated-gradients', baseline: 'white' }), /unknown baseline "white"/],
    [() => model.fool(x, { target, learningRate: -1 }), /learningRate must be a positive number, got -1/],
    [() => model.fool(x, { target, learningRate: Infinity }), /learningRate must be a finite number/],
    [() => model.fool(x, { target, maxIterations: 2.5 }), /maxIterations must be a non-negative integer/],
    [() => model.fool(x, { target, maxIterations: 2 ** 32 }), /maxIterations/],
    [() => model.fool(x, { target, maxIterations: Number.MAX_SAFE_INTEGER }), /maxIterations/],
    [() => model.fool(x, { method: 'pgd', steps: -1 }), /steps must be a non-negative integer/],
    [() => model.fool(x, { method: 'pgd', steps: 0 }), /steps must be between 1 and 100000, got 0/],
    [() => model.fool(x, { method: 'pgd', steps: 1e9 }), /steps must be between 1 and 100000/],
    [() => model.fool(x, { method: 'pgd', steps: 2 ** 32 + 10 }), /steps/],
    [() => model.fool(x, { method: 'pgd', epsilon: 0 }), /epsilon must be a positive number, got 0/],
    [() => model.fool(x, { method: 'pgd', epsilon: -0.1 }), /epsilon must be a positive number/],
    [() => model.fool(x, { method: 'pgd', epsilon: NaN }), /epsilon must be a finite number/],
    [() => model.fool(x, { method: 'pgd', step: 0 }), /step must be a positive number, got 0/],
    [() => model.fool(x, { method: 'pgd', norm: 'l3' }), /unknown norm "l3"/],
    [() => model.fool(x, { method: 'fgsm', norm: 'l2' }), /unknown norm "l2"/],
    [() => model.fool(x, { method: 'deepfool' }), /unknown attack "deepfool"/],
    [() => model.visualizeClass(3, { iterations: -1 }), /iterations must be a non-negative integer/],
    [() => model.visualizeClass(3, { iterations: 1e9 }), /iterations must be between 0 and 100000/],
    [() => model.visualizeClass(3, { iterations: 2 ** 32 }), /iterations/],
    [() => model.visualizeClass(3, { learningRate: 0 }), /learningRate must be a positive number, got 0/],
    [() => model.visualizeClass(3, { learningRate: NaN }), /learningRate must be a finite number/],
    [() => model.visualizeClass(3, { l2Reg: -1 }), /l2Reg must be a non-negative number/],
    [() => model.visualizeClass(3, { blurEvery: -1 }), /blurEvery must be a non-negative integer/],
    [() => model.visualizeClass(3, { blurSigma: 17 }), /blurSigma must be between 0 and 16/],
    [() => model.visualizeClass(3, { jitter: -1 }), /jitter must be a non-negative integer/],
    [() => model.visualizeClass(3, { seed: 0.5 }), /seed must be a non-negative integer/],
    [() => model.visualizeClass(3, { seed: 2 ** 64 }), /seed must be a non-negative integer/],
    [() => model.randomizeLayer('no-such-layer'), /no node output named "no-such-layer"/],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e) => {
      assertCleanError(e, String(message));
      assert.match(e.message, message);
      return true;
    }, `expected an error matching ${message}`);
    assertEngineCorrect(`${message}`);
  }
});
