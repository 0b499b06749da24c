// The cs231n network-visualization exercise, end to end, on the shipped
// Fashion-MNIST model: five test images, their class saliency maps (Simonyan et
// al. 2014), and a fooling image for each, written as one PNG laid out like the
// notebook's figures, plus a text summary.
//
//   node examples/cs231n.mjs [out.png] [--target CLASS]
//
// Without --target, image i is pushed towards class (label + 5) mod 10 (a shirt
// towards a sandal, ...): far-apart classes, as in the notebook's "stingray".
import { readFileSync } from 'node:fs';
import { foolingPanels, heatmap, loadModel, montage, stackTensors, tensorToImage } from 'gradlens';
import { SHIPPED_MODELS } from 'gradlens/models';
import { writePng } from 'gradlens/image-files';

const args = process.argv.slice(2);
const targetAt = args.indexOf('--target');
const fixedTarget = targetAt >= 0 ? Number(args.splice(targetAt, 2)[1]) : undefined;
const out = args[0] ?? 'cs231n.png';

const shipped = SHIPPED_MODELS['fashion-mnist'];
const model = await loadModel(shipped.model, shipped.card);
const samples = JSON.parse(readFileSync(shipped.samples, 'utf8'));
const pixels = readFileSync(shipped.sampleBytes);

// Five images of five different classes: the first sample of classes 0, 2, 4, 6, 8.
const picks = [0, 2, 4, 6, 8].map((c) => samples.labels.indexOf(c));
const images = picks.map((i) => ({ data: Float32Array.from(pixels.subarray(i * 784, (i + 1) * 784), (v) => v / 255), shape: [1, 1, 28, 28] }));
const x = stackTensors(images);
const labels = picks.map((i) => samples.labels[i]);
const targets = labels.map((y) => fixedTarget ?? (y + 5) % 10);

// Saliency of the true class, as in the notebook.
const { map } = model.saliency(x, { target: labels });
const fooled = model.fool(x, { target: targets });
const predicted = model.predict(x).logits;

const show = (tensor, i) => tensorToImage(tensor, i);
const figure = montage([
  picks.map((_, i) => show(x, i)),
  picks.map((_, i) => heatmap(map, { index: i, colormap: 'hot' })),
  ...picks.map((_, i) => foolingPanels(x, fooled.image, { index: i })),
], { scale: 4, gap: 6 });
await writePng(out, figure);

const name = (k) => model.labels[k];
const argmax = (t, i) => {
  const row = Array.from(t.data.subarray(i * model.numClasses, (i + 1) * model.numClasses));
  return row.indexOf(Math.max(...row));
};
console.log(`${out}: rows 1-2 images and saliency maps; rows 3-7 original, fooling image, difference, difference x10`);
picks.forEach((_, i) => {
  console.log(`image ${i}: ${name(labels[i])}, predicted ${name(argmax(predicted, i))}; fooled into ${name(targets[i])}: ` +
    `${fooled.success[i] ? 'yes' : 'no'} after ${fooled.iterations[i]} iterations, ` +
    `L2 ${fooled.l2[i].toFixed(3)}, L-inf ${fooled.linf[i].toFixed(3)}, now ${name(argmax(fooled.logits, i))}`);
});
model.dispose();
