// The bench networks, shared by bench/bench.mjs (gradlens) and bench/peers/run.mjs (the
// peers): the real SqueezeNet 1.1 and MobileNet v2 from ../shared/realdata (absent on
// machines without it: listed as skipped), the shipped models, and cs231n64, which
// bench/peers/make_cs231n64.py writes.
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const OUT = `${ROOT}build/bench/`;
const REAL = `${ROOT}../shared/realdata/models/`;

/** name -> ONNX path, in report order. */
export const NETWORKS = {
  'squeezenet1.1_fp16': `${REAL}squeezenet1.1_fp16.onnx`,
  'mobilenet_v2_1.0_224_float': `${REAL}mobilenet_v2_1.0_224_float.onnx`,
  mnist: `${ROOT}models/mnist.onnx`,
  'fashion-mnist': `${ROOT}models/fashion-mnist.onnx`,
  cs231n64: `${OUT}cs231n64.onnx`,
};
