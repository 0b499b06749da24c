// A tiny ONNX writer for tests, the JS twin of tests/c/onnx_writer.h: ModelProto
// bytes for small graphs, node by node, so the bad-input tests can build
// structurally wrong models (cycles, dangling inputs, huge or negative
// dimensions, wrong initializer sizes) instead of flipping bytes.
//
//   const m = new OnnxModel({ opset: 13, input: [1, 3, 8, 8] });   // input "x", NCHW
//   m.node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1] });
//   m.init('w', [4, 3, 3, 3], new Float32Array(108));
//   const bytes = m.bytes('y');                                    // Uint8Array
//
// Attribute values: an integer number -> INT, another number -> FLOAT, a string
// -> STRING, an array of integers -> INTS, a Float32Array -> FLOATS, or
// { type: 'int' | 'float' | 'string' | 'ints' | 'floats' | 'tensor', value } to
// say which. Integers may be BigInts or any number: varints carry 64 bits, so
// negative values and 2^62 are written as ONNX writes them.

/** A growable byte buffer with the protobuf wire primitives. */
export class PbWriter {
  constructor() {
    this.buf = new Uint8Array(64);
    this.len = 0;
  }

  raw(bytes) {
    if (this.len + bytes.length > this.buf.length) {
      const grown = new Uint8Array((this.len + bytes.length) * 2);
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value)); // two's complement, as protobuf does for negative int64
    const out = [];
    do {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v ? byte | 0x80 : byte);
    } while (v);
    return this.raw(out);
  }

  key(field, wire) {
    return this.varint((BigInt(field) << 3n) | BigInt(wire));
  }

  int(field, value) {
    return this.key(field, 0).varint(value);
  }

  float32(field, value) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.key(field, 5).raw(b);
  }

  bytes(field, bytes) {
    const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.key(field, 2).varint(b.length).raw(b);
  }

  str(field, s) {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** Appends a finished writer (or bytes) as a length-delimited field. */
  sub(field, inner) {
    return this.bytes(field, inner instanceof PbWriter ? inner.finish() : inner);
  }

  finish() {
    return this.buf.slice(0, this.len);
  }
}

const ATTR_TYPES = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 };

/** AttributeProto bytes for one attribute (see the value rules above). */
export function attribute(name, value) {
  let type;
  let v = value;
  if (value && typeof value === 'object' && 'type' in value && !(value instanceof Float32Array) && !Array.isArray(value)) {
    ({ type, value: v } = value);
  } else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) type = 'int';
  else if (typeof value === 'number') type = 'float';
  else if (typeof value === 'string') type = 'string';
  else if (value instanceof Float32Array) type = 'floats';
  else if (Array.isArray(value)) type = 'ints';
  else throw new TypeError(`attribute ${name}: cannot encode ${value}`);
  const a = new PbWriter().str(1, name);
  if (type === 'int') a.int(3, v);
  else if (type === 'float') a.float32(2, v);
  else if (type === 'string') a.str(4, v);
  else if (type === 'ints') for (const x of v) a.int(8, x);
  else if (type === 'floats') for (const x of v) a.float32(7, x);
  else if (type === 'tensor') a.sub(5, v); // TensorProto bytes (see tensor())
  else throw new TypeError(`attribute ${name}: unknown type ${type}`);
  return a.int(20, ATTR_TYPES[type]).finish();
}

const DTYPES = { float: 1, int32: 6, int64: 7, float16: 10, double: 11 };

/**
 * TensorProto bytes. data: a Float32Array (raw float32), a BigInt64Array or an
 * array of integers (raw int64), or null (no data). Options: dtype (override the
 * data type code), rawBytes (raw_data exactly these bytes), floatData (values in
 * the typed float_data field), external (data_location = EXTERNAL).
 */
export function tensor(name, dims, data, { dtype, rawBytes, floatData, external } = {}) {
  const t = new PbWriter();
  for (const d of dims) t.int(1, d);
  const isInt = data && !(data instanceof Float32Array);
  t.int(2, dtype ?? (isInt ? DTYPES.int64 : DTYPES.float));
  t.str(8, name);
  if (rawBytes) t.bytes(9, rawBytes);
  else if (floatData) t.bytes(4, Float32Array.from(floatData)); // packed float_data
  else if (data instanceof Float32Array) t.bytes(9, data);
  else if (data) t.bytes(9, BigInt64Array.from(data, (v) => BigInt(v)));
  if (external) t.int(14, 1);
  return t.finish();
}

function valueInfo(name, dims, elemType = 1) {
  const shape = new PbWriter();
  for (const d of dims ?? []) {
    const dim = new PbWriter();
    if (typeof d === 'string') dim.str(2, d); // a symbolic dimension
    else dim.int(1, d);
    shape.sub(1, dim);
  }
  const tt = new PbWriter().int(1, elemType);
  if (dims) tt.sub(2, shape);
  return new PbWriter().str(1, name).sub(2, new PbWriter().sub(1, tt)).finish();
}

/** A model under construction: nodes, initializers, and the extra raw fields a test wants. */
export class OnnxModel {
  /**
   * opset: the default-domain opset (null: no opset_import); input: the dims of
   * the graph input (null: no input); inputName, inputType (1 float, 10 float16).
   */
  constructor({ opset = 13, input = [1, 1, 8, 8], inputName = 'x', inputType = 1, irVersion = 7 } = {}) {
    Object.assign(this, { opset, input, inputName, inputType, irVersion });
    this.graph = new PbWriter();
    this.extraInputs = [];
  }

  /** A node; inputs / outputs are tensor names ('' for an omitted optional one); attrs an
   * object, or an array of [name, value] pairs (to repeat one). */
  node(op, inputs, outputs, attrs = {}, { name = outputs.join(','), domain } = {}) {
    const n = new PbWriter();
    for (const i of inputs) n.str(1, i);
    for (const o of outputs) n.str(2, o);
    n.str(3, name).str(4, op);
    if (domain !== undefined) n.str(7, domain);
    for (const [k, v] of Array.isArray(attrs) ? attrs : Object.entries(attrs)) n.bytes(5, attribute(k, v));
    this.graph.sub(1, n);
    return this;
  }

  /** An initializer: see tensor() for data and options. */
  init(name, dims, data, options) {
    this.graph.bytes(5, tensor(name, dims, data, options));
    return this;
  }

  /** Another graph input (models have one image input; this makes a second). */
  addInput(name, dims, elemType = 1) {
    this.extraInputs.push(valueInfo(name, dims, elemType));
    return this;
  }

  /** Raw GraphProto field bytes, for structures the helpers do not make. */
  graphField(field, bytes) {
    this.graph.bytes(field, bytes);
    return this;
  }

  /** The finished ModelProto; outputs: the graph output name(s). */
  bytes(outputs) {
    const g = new PbWriter().raw(this.graph.finish());
    if (this.input) g.bytes(11, valueInfo(this.inputName, this.input, this.inputType));
    for (const extra of this.extraInputs) g.bytes(11, extra);
    for (const o of [outputs].flat()) g.bytes(12, valueInfo(o, null));
    const m = new PbWriter().int(1, this.irVersion);
    if (this.opset !== null) m.sub(8, new PbWriter().int(2, this.opset));
    return m.sub(7, g).finish();
  }
}

/** Deterministic weights in [-0.5, 0.5) (an LCG), for models that should load. */
export function weights(n, seed = 1) {
  const w = new Float32Array(n);
  let s = seed >>> 0;
  for (let k = 0; k < n; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    w[k] = s / 2 ** 32 - 0.5;
  }
  return w;
}

/**
 * The C tests' tiny classifier (tests/c/test_engine.c), on 3 channels (model
 * cards know GRAY and RGB): Conv 3x3 (3->3, pad 1) + Relu + GlobalAveragePool +
 * Flatten on 3x6x6, three classes.
 */
export function tinyModel({ opset = 13, channels = 3, size = 6 } = {}) {
  const m = new OnnxModel({ opset, input: [1, channels, size, size] });
  m.node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] });
  m.node('Relu', ['c'], ['r']);
  m.node('GlobalAveragePool', ['r'], ['g']);
  m.node('Flatten', ['g'], ['y']);
  m.init('w', [3, channels, 3, 3], weights(27 * channels));
  m.init('b', [3], new Float32Array([0.1, -0.2, 0.3]));
  return m;
}
