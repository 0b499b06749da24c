// The models the demo offers, first = default: the package's shipped models
// (js/models.js: model, card, samples, sampleBytes URLs) with their names here.
import { SHIPPED_MODELS as FILES } from '../js/models.js';

export const SHIPPED_MODELS = [
  { name: 'MNIST digits', ...FILES.mnist },
  { name: 'Fashion-MNIST clothing', ...FILES['fashion-mnist'] },
];
