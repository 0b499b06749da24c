// A model's gallery of test images: a JSON file ({"count", "shape": [C, H, W],
// "labels"}) describing a file of the images' bytes, one after another.

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} fetching ${url}`);
  return response;
}

/** {count, shape, labels, pixels: Uint8Array} from the URLs of the JSON and the bytes. */
export async function loadSamples({ samples, sampleBytes }) {
  const [meta, bytes] = await Promise.all([
    fetchOk(samples).then((r) => r.json()),
    fetchOk(sampleBytes).then((r) => r.arrayBuffer()),
  ]);
  const pixels = new Uint8Array(bytes);
  const per = meta.shape.reduce((a, b) => a * b, 1);
  if (pixels.length !== meta.count * per) {
    throw new Error(`${sampleBytes} holds ${pixels.length} bytes, not ${meta.count} images of ${meta.shape.join('x')}`);
  }
  return { count: meta.count, shape: meta.shape, labels: meta.labels, pixels };
}

/** Whether the samples fit a model's input [1, C, H, W]. */
export function samplesFit(samples, inputShape) {
  return samples.shape.every((d, k) => d === inputShape[k + 1]);
}

/** Sample `index` as a [1, C, H, W] tensor, pixels in [0, 1]. */
export function sampleTensor(samples, index) {
  const per = samples.shape.reduce((a, b) => a * b, 1);
  const bytes = samples.pixels.subarray(index * per, (index + 1) * per);
  return { data: Float32Array.from(bytes, (v) => v / 255), shape: [1, ...samples.shape] };
}
