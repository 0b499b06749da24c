// gradlens inspect: what is in a model, and whether gradlens can run it.
import { inspect } from '../../js/index.js';
import { modelFiles } from '../inputs.js';

const shape = (dims) => (dims ? `[${dims.map((d) => d ?? '?').join(', ')}]` : '(shape not given)');
const count = (n) => n.toLocaleString('en-US');

function describe(path, s) {
  const lines = [
    `${path}: ONNX IR ${s.irVersion}, opset ${s.opset}${s.producer ? `, made by ${s.producer}` : ''}`,
    ...s.inputs.map((v) => `  input   ${v.name}: ${v.type} ${shape(v.shape)}`),
    ...s.outputs.map((v) => `  output  ${v.name}: ${v.type} ${shape(v.shape)}`),
    `  ${count(s.nodes)} nodes: ${Object.entries(s.operators).map(([op, n]) => `${op} ${n}`).join(', ')}`,
    `  ${count(s.parameters)} parameters, ${count(s.flops)} FLOPs per image (of the supported part)`,
  ];
  if (s.loadable) return [...lines, '  gradlens can run it'].join('\n');
  const problems = [
    ...s.unsupported.map(({ op, node }) => `unsupported operator ${op} (node '${node}')`),
    ...s.errors.map(({ node, message }) => (node ? `node '${node}': ${message}` : message)),
  ];
  return [...lines, '  gradlens cannot run it:', ...problems.map((p) => `    ${p}`)].join('\n');
}

export async function inspectModel({ model }) {
  const path = modelFiles(model).model;
  let summary;
  try {
    summary = await inspect(path);
  } catch (err) {
    throw new Error(`${path}: ${err.message}`);
  }
  return { json: { model: path, ...summary }, text: describe(path, summary) };
}
