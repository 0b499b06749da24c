// gradlens saliency: the saliency map of each image, as a heatmap PNG and the
// heatmap over the image the model saw.
import { saliencyPanels } from '../../js/index.js';
import { forEachImage } from '../each-image.js';
import { imageFiles, targetClass } from '../inputs.js';
import { openModel, pngWriter, readInput, stem } from '../session.js';

export async function saliency(options) {
  const images = imageFiles(options.image);
  const { model } = await openModel(options);
  const fixedTarget = options.target === undefined ? undefined : targetClass(options.target, model.labels);
  const { method } = options;
  const save = pngWriter(options.out);
  return forEachImage(images, async (path) => {
    const x = await readInput(path, model);
    const [predicted] = model.topK(x, 1);
    const target = fixedTarget ?? predicted.index;
    const { map, signed } = model.saliency(x, { target, method });
    const panels = saliencyPanels(x, map, { signed, channels: model.card.input.channels });
    const heatmap = await save(`${stem(path)}-${method}-heatmap.png`, [[panels.heatmap]]);
    const overlay = await save(`${stem(path)}-${method}-overlay.png`, [[panels.overlay]]);
    const label = model.labels[target];
    return {
      json: { method, target: { index: target, label }, predicted, signed, heatmap, overlay },
      text: `${path}: ${method} saliency of "${label}" -> ${heatmap}, ${overlay}`,
    };
  });
}
