// Not a timing: gradlens' own logits and input gradient on the bench input, so
// run.mjs can show that the peers ran the same network gradlens runs (no card:
// the pixels go in unchanged, as the peers feed them).
//   node bench/peers/gradlens_check.mjs MANIFEST OUT.json
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { benchInput, gradSample, TARGET } from './timing.mjs';

const [manifestPath, outPath] = process.argv.slice(2);
const out = { networks: {} };
try {
  const { loadModel } = await import('../../js/index.js');
  for (const entry of JSON.parse(readFileSync(manifestPath, 'utf8'))) {
    if (entry.skipped) continue;
    try {
      const model = await loadModel(pathToFileURL(entry.onnx), null);
      const x = { data: benchInput(entry.input_shape), shape: entry.input_shape };
      const logits = Array.from(model.predict(x).logits.data);
      const grad = model.saliency(x, { target: TARGET }).grad.data;
      out.networks[entry.name] = { logits, ...gradSample(grad) };
      model.dispose();
    } catch (e) {
      out.networks[entry.name] = { error: String(e?.message ?? e).split('\n')[0] };
    }
  }
} catch (e) {
  out.error = `gradlens did not load: ${String(e?.message ?? e).split('\n')[0]}`;
}
writeFileSync(outPath, JSON.stringify(out));
