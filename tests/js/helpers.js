// Shared by the tests: reading fixtures and comparing arrays.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadEngine, loadModel } from '../../js/index.js';

/** The build under test: GRADLENS_WASM=baseline runs the suite on the non-SIMD build. */
export const BUILD = process.env.GRADLENS_WASM === 'baseline' ? 'baseline' : 'simd';
export const engineReady = loadEngine({ simd: BUILD === 'simd' });

/** loadModel on the build under test. */
export async function load(source, card) {
  await engineReady;
  return loadModel(source, card);
}

export const FIXTURE_NAMES = ['lenet', 'tinycnn', 'resnet', 'squeezenet', 'mobilenet', 'misc', 'misc_fp16'];
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** The torchvision family members (make_fixtures.py's second section). */
export const FAMILIES = `${FIXTURES}families/`;
export const REALDATA = fileURLToPath(new URL('../../../shared/realdata/', import.meta.url));
export const hasRealdata = existsSync(REALDATA);

const TYPED_ARRAYS = { int32: Int32Array, uint8: Uint8Array, float32: Float32Array };

/** A fixture: its ONNX bytes (where there is one <name>.onnx), card, scalars and
 * reference arrays by name. dir: FIXTURES or FAMILIES. */
export function loadFixture(name, dir = FIXTURES) {
  const index = JSON.parse(readFileSync(`${dir}${name}.ref.json`, 'utf8'));
  const blob = readFileSync(`${dir}${name}.ref.bin`);
  const buffer = blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength);
  const arrays = {};
  for (const [key, { shape, offset, dtype }] of Object.entries(index.arrays)) {
    const n = shape.reduce((a, b) => a * b, 1);
    arrays[key] = { data: new TYPED_ARRAYS[dtype](buffer, offset, n), shape };
  }
  return {
    onnx: existsSync(`${dir}${name}.onnx`) ? readFileSync(`${dir}${name}.onnx`) : null,
    card: JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')),
    meta: index,
    arrays,
  };
}

/** ||a - b||_2 / ||b||_2 */
export function relL2(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.length; k++) {
    num += (a[k] - b[k]) ** 2;
    den += b[k] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

export function maxAbsDiff(a, b) {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/** Decodes a PNG or JPEG file into an ImageData-like RGBA image (JPEG through
 * libjpeg-turbo, the decoder Pillow and most reference pipelines use). */
export { readImage } from '../../js/image-files.js';

/** Bytes of an engine's wasm heap in use: the memory's size minus what malloc still
 * hands out without growing it (probed in 64 KB blocks, then freed; the probe's last
 * block may grow the memory by a page). */
export function wasmHeapUsed(engine) {
  const memoryBytes = () => engine.exports.memory.buffer.byteLength;
  const size = memoryBytes();
  const blocks = [];
  for (;;) {
    const p = engine.exports.glw_malloc(65536);
    if (!p || memoryBytes() !== size) {
      if (p) engine.exports.glw_free_buffer(p);
      break;
    }
    blocks.push(p);
  }
  for (const p of blocks) engine.exports.glw_free_buffer(p);
  return size - blocks.length * 65536;
}
