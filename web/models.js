// The models the demo ships with, first = default. Each has its ONNX file, its
// model card (labels and preprocessing) and a gallery of test images:
// `<samples>.u8` (count images of shape bytes each, class-ordered) described by
// `<samples>.json` {"count", "shape": [C, H, W], "labels": [...], "indices": [...]}.
const at = (path) => new URL(path, import.meta.url).href;

export const SHIPPED_MODELS = [
  {
    name: 'MNIST digits',
    model: at('../models/mnist.onnx'),
    card: at('../models/mnist.json'),
    samples: at('../models/samples/mnist'),
  },
  {
    name: 'Fashion-MNIST clothing',
    model: at('../models/fashion-mnist.onnx'),
    card: at('../models/fashion-mnist.json'),
    samples: at('../models/samples/fashion-mnist'),
  },
];
