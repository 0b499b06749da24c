// Computes a class saliency map for one image and saves it as PNGs: the heatmap
// and the heatmap over the image.
//
//   node examples/saliency.mjs [model.onnx card.json image.png [target] [out-prefix]]
//
// With no arguments it uses the real SqueezeNet and cat photo from
// ../shared/realdata when present, else a fixture network and a synthetic image.
import { existsSync, readFileSync } from 'node:fs';
import { imageToTensor, loadModel, saliencyPanels } from 'gradlens';
import { readImage, writePng } from 'gradlens/image-files';

const here = (p) => new URL(p, import.meta.url);

async function defaults() {
  const real = here('../../shared/realdata/');
  if (existsSync(real)) {
    const labels = readFileSync(new URL('labels/imagenet_1000.txt', real), 'utf8').trim().split('\n');
    const card = { labels, input: { channels: 'BGR', size: [224, 224], scale: 255, mean: [104, 117, 123], std: [1] } };
    return [new URL('models/squeezenet1.1_fp16.onnx', real), card, await readImage(new URL('images/coral_cat.png', real))];
  }
  // A gradient disc on black as a stand-in photo for the fixture network.
  const size = 64;
  const data = new Uint8ClampedArray(size * size * 4);
  for (let k = 0; k < size * size; k++) {
    const r = Math.hypot((k % size) - 32, Math.floor(k / size) - 32);
    data.set(r < 20 ? [255 - r * 6, 120, r * 10, 255] : [0, 0, 0, 255], k * 4);
  }
  return [here('../tests/fixtures/tinycnn.onnx'), JSON.parse(readFileSync(here('../tests/fixtures/tinycnn.json'))),
    { data, width: size, height: size }];
}

const [modelArg, cardArg, imageArg, targetArg, outArg = 'saliency'] = process.argv.slice(2);
const [modelSource, card, photo] = modelArg
  ? [modelArg, JSON.parse(readFileSync(cardArg, 'utf8')), await readImage(imageArg)]
  : await defaults();

const model = await loadModel(modelSource, card);
const [, , height, width] = model.inputShape;
const x = imageToTensor(photo, { size: [height, width], channels: model.card.input.channels });
const top = model.topK(x, 3);
const target = targetArg === undefined ? top[0].index : Number(targetArg);
const { map } = model.saliency(x, { target });

// The heatmap, and the heatmap over the image as the model sees it.
const { heatmap, overlay } = saliencyPanels(x, map, { channels: model.card.input.channels, alpha: 0.6 });
await writePng(`${outArg}-map.png`, heatmap);
await writePng(`${outArg}-overlay.png`, overlay);
console.log(`top classes: ${top.map((t) => `${t.label} (${(100 * t.probability).toFixed(1)}%)`).join(', ')}`);
console.log(`saliency of "${model.labels[target]}" written to ${outArg}-map.png and ${outArg}-overlay.png (${model.simd ? 'SIMD' : 'baseline'} build)`);
model.dispose();
