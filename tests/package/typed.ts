// Type-checked by the package test (tsc --noEmit) in a project that installed the
// tarball: the declarations of gradlens and its gradlens/worker, /image-files and /models entries
// as a TypeScript user meets them, and misuse that must not compile.
import { imageToTensor, loadModel, saliencyPanels, type Tensor, type TopClass } from 'gradlens';
import { readImage, writePng } from 'gradlens/image-files';
import { SHIPPED_MODELS } from 'gradlens/models';
import { createWorker, type WorkerModel } from 'gradlens/worker';

export async function direct(path: string): Promise<TopClass[]> {
  const model = await loadModel(SHIPPED_MODELS.mnist.model, SHIPPED_MODELS.mnist.card, { wasmUrl: '/static/gradlens-simd.wasm' });
  const x: Tensor = imageToTensor(await readImage(path), { size: [28, 28], channels: 'GRAY' });
  const { map, signed } = model.saliency(x, { target: 3, method: 'smoothgrad', samples: 8 });
  await writePng('overlay.png', saliencyPanels(x, map, { signed }).overlay);
  return model.topK(x, 3);
}

export async function inWorker(x: Tensor, stop: AbortSignal): Promise<number> {
  const worker = createWorker({ onCrash: ({ message, restarted }) => console.warn(message, restarted) });
  const model: WorkerModel = await worker.loadModel(new Blob([]), { labels: ['a', 'b'] }, { signal: stop });
  const fooled = await model.fool(x, { target: 1, signal: stop, onProgress: ({ iteration, values }) => values[0] < 0.99 || iteration < 5 });
  const [best] = await model.topK(fooled.image, 1, 0, { signal: stop });
  await model.dispose();
  worker.terminate();
  return worker.cancelsInPlace ? best.index : -best.index;
}

// @ts-expect-error: worker calls return promises, not results
export const notAwaited = (model: WorkerModel, x: Tensor): TopClass[] => model.topK(x);
// @ts-expect-error: no such saliency method
export const noSuchMethod = (model: WorkerModel, x: Tensor) => model.saliency(x, { target: 1, method: 'lime' });
// @ts-expect-error: only the shipped models are named
export const noSuchModel = SHIPPED_MODELS.cifar10;
