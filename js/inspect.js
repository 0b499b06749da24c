// inspect(source): what is in an ONNX model and what of it the engine supports,
// without loading it (so without failing at the first unsupported operator).

import { loadEngine } from './engine.js';
import { readSource } from './source.js';

/**
 * A plain object: irVersion, opset, producer, inputs and outputs ({name, type,
 * shape}, null for a symbolic dimension), nodes, operators ({type: count}),
 * parameters, flops (of the supported part, per image), unsupported ([{op, node}]),
 * errors ([{op, node, message}]), skipped (nodes depending on those) and loadable.
 * Throws only when the bytes are not an ONNX model.
 */
export async function inspect(source, options = {}) {
  const [engine, bytes] = await Promise.all([loadEngine(options), readSource(source, 'model')]);
  const pOut = engine.alloc(4);
  let pBytes = 0;
  let pJson = 0;
  try {
    pBytes = engine.put(bytes);
    const status = engine.exports.glw_inspect(pBytes, bytes.length, pOut);
    engine.check(status);
    pJson = engine.i32(pOut, 1)[0];
    return JSON.parse(engine.string(pJson));
  } finally {
    engine.free(pBytes, pOut, pJson);
  }
}
