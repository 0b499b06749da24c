// Node: what the shipped MNIST model reads in a digit image, and where it looks.
//
//   node node.mjs digit.png        (writes saliency.png: the image, heatmap, overlay)
import { imageToTensor, loadModel, montage, saliencyPanels, tensorToImage } from 'gradlens';
import { readImage, writePng } from 'gradlens/image-files';
import { SHIPPED_MODELS } from 'gradlens/models';

const model = await loadModel(SHIPPED_MODELS.mnist.model, SHIPPED_MODELS.mnist.card);
const [, , height, width] = model.inputShape;
const { channels } = model.card.input;
const x = imageToTensor(await readImage(process.argv[2]), { size: [height, width], channels });

const top = model.topK(x, 3);
console.log(top.map(({ label, probability }) => `${label}: ${(100 * probability).toFixed(1)}%`).join(', '));

// The class saliency map of the top class (Simonyan et al. 2014), and over the image.
const { map } = model.saliency(x, { target: top[0].index });
const { heatmap, overlay } = saliencyPanels(x, map, { channels });
await writePng('saliency.png', montage([[tensorToImage(x, 0, { channels }), heatmap, overlay]], { scale: 8 }));
model.dispose();
