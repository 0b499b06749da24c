// Type-checked against js/index.d.ts by `make test` (tsc --noEmit): the README's
// usage compiles, and misuse does not.
import { loadModel, imageToTensor, heatmap, overlay, differenceImage, inspect, GradlensError, PRESETS, SALIENCY_METHODS } from '../../js/index.js';
import type { Tensor, FoolResult, RGBAImage, ModelSummary, ModelInfo, NodeProfile } from '../../js/index.js';
import type { WorkerModel } from '../../js/worker.js';

/** Model and WorkerModel share what a model is (ModelInfo); the thread count is a number on both. */
export function threadsOf(m: ModelInfo, w: WorkerModel): [number, string | null, number] {
  return [m.threads + m.inputShape[1], m.threadsNote, w.threads + w.numClasses];
}

export async function check(bytes: Uint8Array): Promise<string[]> {
  const summary: ModelSummary = await inspect(bytes);
  const batch: number | null = summary.inputs[0].shape?.[0] ?? null;
  void batch;
  return summary.loadable ? [] : summary.unsupported.map(({ op, node }) => `${op} (${node})`);
}

export async function demo(bytes: Uint8Array, photo: RGBAImage): Promise<FoolResult> {
  const model = await loadModel(bytes, { labels: ['a', 'b'], input: { ...PRESETS.torchvision, size: [224, 224] } });
  const x: Tensor = imageToTensor(photo, { size: [224, 224], channels: 'RGB', cropFraction: 0.875 });
  const top = model.topK(x, 5);
  const { map } = model.saliency(x, { target: top[0].index });
  for (const method of SALIENCY_METHODS) {
    const r = model.saliency(x, { target: 1, method, steps: 64, baseline: 'blurred', samples: 10 });
    void heatmap(r.map, { signed: r.signed });
    void r.completenessError?.[0];
  }
  const pgd = model.fool(x, { method: 'pgd', norm: 'l2', epsilon: 0.5, seed: 3 });
  void pgd.success;
  model.randomizeLayer(undefined, { seed: 1 });
  const layers: NodeProfile[] = model.profile(() => model.predict(x));
  void layers[0].weightShape, threadsOf(model, null as unknown as WorkerModel);
  const heat: RGBAImage = overlay(photo, heatmap(map, { colormap: 'viridis', clip: 99 }), { alpha: 0.5 });
  void heat;
  const { grad, value } = model.gradient(x, { target: 1, layer: 'conv5' });
  void grad, value;
  const vis = model.visualizeClass(1, { iterations: 10, jitter: [2, 3], seed: 1, onProgress: ({ values }) => values[0] < 100 });
  void vis.image.shape;
  try {
    const fooled = model.fool(x, { target: [1], maxIterations: 50, onProgress: ({ iteration }) => { void iteration; } });
    void differenceImage(x, fooled.image, { magnify: 10 });
    return fooled;
  } catch (e) {
    if (e instanceof GradlensError && e.code === 'cancelled') throw e;
    throw e;
  } finally {
    model.dispose();
  }
}

// @ts-expect-error: the target is required
export const bad = (m: Awaited<ReturnType<typeof loadModel>>, x: Tensor) => m.saliency(x, {});
// @ts-expect-error: no such method
export const bad2 = (m: Awaited<ReturnType<typeof loadModel>>, x: Tensor) => m.saliency(x, { target: 1, method: 'lime' });

// @ts-expect-error: the thread count is a number, on Model as on WorkerModel
export const threadsAsText = (m: WorkerModel): string => m.threads;
