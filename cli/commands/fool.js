// gradlens fool: a fooling image for each image (the cs231n rule, FGSM or PGD),
// written as the cs231n figure: original, fooling image, difference, difference x10.
import { foolingPanels } from '../../js/index.js';
import { forEachImage } from '../each-image.js';
import { imageFiles, targetClass } from '../inputs.js';
import { openModel, pngWriter, readInput, stem } from '../session.js';

export async function fool(options) {
  const images = imageFiles(options.image);
  const { model } = await openModel(options);
  const target = options.target === undefined ? undefined : targetClass(options.target, model.labels);
  const { method, iterations: maxIterations, epsilon } = options;
  const save = pngWriter(options.out);
  return forEachImage(images, async (path) => {
    const x = await readInput(path, model);
    const [before] = model.topK(x, 1);
    const fooled = model.fool(x, { method, target, maxIterations, epsilon });
    const [after] = model.topK(fooled.image, 1);
    const figure = await save(`${stem(path)}-fool-${method}.png`, [foolingPanels(x, fooled.image, { channels: model.card.input.channels })]);
    const [success, iterations, l2, linf] = [fooled.success[0], fooled.iterations[0], fooled.l2[0], fooled.linf[0]];
    const aim = target === undefined ? 'away from its class' : `into "${model.labels[target]}"`;
    return {
      json: {
        method, target: target === undefined ? null : { index: target, label: model.labels[target] },
        before, after, success, iterations, l2, linf, figure,
      },
      text: `${path}: "${before.label}" -> "${after.label}": ${success ? 'fooled' : 'not fooled'} ${aim} ` +
        `after ${iterations} iteration${iterations === 1 ? '' : 's'} (L2 ${l2.toFixed(3)}, L-inf ${linf.toFixed(3)}) -> ${figure}`,
    };
  });
}
