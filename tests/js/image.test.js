import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
  differenceImage,
  heatmap,
  imageToTensor,
  overlay,
  percentile,
  stackTensors,
  tensorToImage,
} from '../../js/image.js';

// ------------------------------------------------------------------ helpers

/** RGBA image from a list of [r, g, b, a] pixels in row-major order. */
function rgba(width, height, pixels) {
  return {data: Uint8ClampedArray.from(pixels.flat()), width, height};
}

const gray = (v) => [v, v, v, 255];

function tensor(shape, values) {
  return {data: Float32Array.from(values), shape};
}

function assertClose(actual, expected, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length, 'length');
  expected.forEach((e, i) => {
    assert.ok(Math.abs(actual[i] - e) <= tolerance, `element ${i}: ${actual[i]} is not within ${tolerance} of ${e}`);
  });
}

/** The RGBA bytes of pixel p. */
const pixel = (image, p) => Array.from(image.data.subarray(4 * p, 4 * p + 4));

const over255 = (values) => values.map((v) => v / 255);

// ------------------------------------------------------------------ imageToTensor

test('imageToTensor keeps an image of the target size exactly', () => {
  const pixels = [[10, 20, 30, 255], [40, 50, 60, 255], [70, 80, 90, 255]];
  const t = imageToTensor(rgba(3, 1, pixels), {size: [1, 3]});
  assert.deepEqual(t.shape, [1, 3, 1, 3]);
  assertClose(t.data, over255([10, 40, 70, 20, 50, 80, 30, 60, 90]));
});

test('imageToTensor BGR reverses the channel planes', () => {
  const t = imageToTensor(rgba(1, 1, [[10, 20, 30, 255]]), {size: [1, 1], channels: 'BGR'});
  assertClose(t.data, over255([30, 20, 10]));
});

test('imageToTensor GRAY uses BT.601 luma weights', () => {
  const image = rgba(3, 1, [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255]]);
  const t = imageToTensor(image, {size: [1, 3], channels: 'GRAY'});
  assert.deepEqual(t.shape, [1, 1, 1, 3]);
  assertClose(t.data, [0.299, 0.587, 0.114]);
});

test('imageToTensor composites alpha over black', () => {
  const image = rgba(2, 1, [[255, 255, 255, 128], [200, 100, 50, 0]]);
  const t = imageToTensor(image, {size: [1, 2]});
  assertClose(t.data, [128 / 255, 0, 128 / 255, 0, 128 / 255, 0]);
});

test('imageToTensor composites before filtering, so hidden colour does not bleed', () => {
  // A fully transparent red pixel next to opaque white averages to mid gray, not pink.
  const t = imageToTensor(rgba(2, 1, [[255, 0, 0, 0], gray(255)]), {size: [1, 1], crop: 'none'});
  assertClose(t.data, [0.5, 0.5, 0.5]);
});

test('imageToTensor upscales 2x2 to 4x4 bilinearly with pixel centres aligned', () => {
  const t = imageToTensor(rgba(2, 2, [gray(0), gray(60), gray(120), gray(180)]), {size: [4, 4], channels: 'GRAY'});
  // Output centres map to source 0, 0.25, 0.75, 1 (clamped), so corners equal the source corners.
  const expected = [
    0, 15, 45, 60,
    30, 45, 75, 90,
    90, 105, 135, 150,
    120, 135, 165, 180,
  ];
  assertClose(t.data, over255(expected));
});

test("imageToTensor crop 'center' of a 4x2 image to 2x2 takes the middle columns", () => {
  const image = rgba(4, 2, [10, 20, 30, 40, 50, 60, 70, 80].map(gray));
  const t = imageToTensor(image, {size: [2, 2], channels: 'GRAY'});
  assertClose(t.data, over255([20, 30, 60, 70]));
});

test("imageToTensor crop 'none' stretches the whole width", () => {
  const image = rgba(4, 2, [10, 20, 30, 40, 50, 60, 70, 80].map(gray));
  const t = imageToTensor(image, {size: [2, 2], channels: 'GRAY', crop: 'none'});
  // Halving the width: tent of radius 2 centred at x = 1 (and 3), weights 0.75, 0.75, 0.25 over 1.75
  // after dropping the tap that falls outside the image.
  const left = (0.75 * 10 + 0.75 * 20 + 0.25 * 30) / 1.75;
  const right = (0.25 * 20 + 0.75 * 30 + 0.75 * 40) / 1.75;
  assertClose(t.data, over255([left, right, left + 40, right + 40]), 1e-5);
});

test('imageToTensor area-averages a large downscale: a 1000px checkerboard becomes flat gray', () => {
  const size = 1000;
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data.set(gray((x + y) % 2 ? 255 : 0), 4 * (y * size + x));
  }
  const t = imageToTensor({data, width: size, height: size}, {size: [28, 28]});
  assert.deepEqual(t.shape, [1, 3, 28, 28]);
  for (const v of t.data) assert.ok(Math.abs(v - 0.5) < 0.01, `${v} aliased away from 0.5`);
});

test('imageToTensor accepts a Uint8Array and a non-square photo', () => {
  const image = {data: new Uint8Array(30 * 20 * 4).fill(255), width: 30, height: 20};
  const t = imageToTensor(image, {size: [8, 8], channels: 'GRAY'});
  assert.deepEqual(t.shape, [1, 1, 8, 8]);
  assertClose(t.data, new Array(64).fill(1));
});

// ------------------------------------------------------------------ stackTensors

test('imageToTensor cropFraction keeps the central fraction of the centre crop', () => {
  // 4x4 -> 2x2 with cropFraction 0.5: the central 2x2 at scale 1, i.e. those pixels exactly.
  const image = rgba(4, 4, Array.from({length: 16}, (_, p) => gray(10 * p)));
  const t = imageToTensor(image, {size: [2, 2], channels: 'GRAY', cropFraction: 0.5});
  assertClose(t.data, over255([50, 60, 90, 100]));
});

/** A W x H gray image with value (a x + b y) mod 256 at (x, y). */
const ramp = (width, height, a, b) =>
  rgba(width, height, Array.from({length: width * height}, (_, p) => gray((a * (p % width) + b * Math.floor(p / width)) % 256)));

/** The 0..255 bytes of a tensor made by the 'pillow' resampler. */
const bytes = (t) => Array.from(t.data, (v) => Math.round(v * 255));

// Expected bytes below come from Pillow 9.4: Image.resize(..., Image.BILINEAR) then .crop(...).
test("imageToTensor resampler 'pillow' matches Pillow's BILINEAR downscale byte for byte", () => {
  const t = imageToTensor(ramp(7, 3, 37, 71), {size: [2, 3], channels: 'GRAY', crop: 'none', resampler: 'pillow'});
  assert.deepEqual(bytes(t), [59, 132, 141, 147, 174, 70]);
});

test("imageToTensor resampler 'pillow' matches Pillow's BILINEAR upscale, rounding to uint8 between passes", () => {
  const image = rgba(2, 2, [gray(0), gray(100), gray(255), gray(7)]);
  const t = imageToTensor(image, {size: [3, 5], channels: 'GRAY', crop: 'none', resampler: 'pillow'});
  assert.deepEqual(bytes(t), [0, 10, 50, 90, 100, 128, 120, 91, 61, 54, 255, 230, 131, 32, 7]);
});

test("imageToTensor resampler 'pillow' centre crop rounds the long side half to even and floors the offset", () => {
  // 9x4 -> shorter side 2, long side round(4.5) = 4 (Python's round), crop at x = floor((4 - 2) / 2) = 1.
  const t = imageToTensor(ramp(9, 4, 29, 53), {size: [2, 2], channels: 'GRAY', resampler: 'pillow'});
  assert.deepEqual(bytes(t), [121, 167, 177, 123]);
});

test("imageToTensor resampler 'pillow' with cropFraction 0.875 resizes the shorter side to round(size / 0.875)", () => {
  // 11x7 -> 8x5 (5 = round(4 / 0.875)), then the 4x4 crop at (2, 0).
  const t = imageToTensor(ramp(11, 7, 31, 67), {size: [4, 4], channels: 'GRAY', cropFraction: 0.875, resampler: 'pillow'});
  assert.deepEqual(bytes(t), [113, 157, 194, 169, 174, 102, 133, 85, 75, 82, 120, 154, 133, 177, 146, 117]);
});

test("imageToTensor resampler 'pillow' keeps RGB and BGR bytes and uses Pillow's integer luma for GRAY", () => {
  const image = rgba(4, 1, [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [10, 200, 77, 255]]);
  const options = {size: [1, 4], resampler: 'pillow'};
  assert.deepEqual(bytes(imageToTensor(image, options)), [255, 0, 0, 10, 0, 255, 0, 200, 0, 0, 255, 77]);
  assert.deepEqual(bytes(imageToTensor(image, {...options, channels: 'BGR'})), [0, 0, 255, 77, 0, 255, 0, 200, 255, 0, 0, 10]);
  assert.deepEqual(bytes(imageToTensor(image, {...options, channels: 'GRAY'})), [76, 150, 29, 129]);
});

test("imageToTensor resampler 'pillow' composites alpha over black, rounding to uint8", () => {
  const image = rgba(2, 1, [[255, 255, 255, 128], [200, 100, 50, 0]]);
  const t = imageToTensor(image, {size: [1, 2], resampler: 'pillow'});
  assert.deepEqual(bytes(t), [128, 0, 128, 0, 128, 0]);
});

test('stackTensors concatenates along the batch axis', () => {
  const a = tensor([1, 1, 1, 2], [1, 2]);
  const b = tensor([2, 1, 1, 2], [3, 4, 5, 6]);
  const stacked = stackTensors([a, b]);
  assert.deepEqual(stacked.shape, [3, 1, 1, 2]);
  assert.deepEqual(Array.from(stacked.data), [1, 2, 3, 4, 5, 6]);
});

// ------------------------------------------------------------------ tensorToImage

test('tensorToImage inverts imageToTensor for an opaque image', () => {
  const pixels = [[0, 17, 34, 255], [51, 68, 85, 255], [102, 119, 136, 255], [153, 170, 187, 255], [204, 221, 238, 255], [255, 1, 2, 255]];
  const image = rgba(3, 2, pixels);
  const back = tensorToImage(imageToTensor(image, {size: [2, 3]}));
  assert.equal(back.width, 3);
  assert.equal(back.height, 2);
  assert.ok(back.data instanceof Uint8ClampedArray);
  assert.deepEqual(Array.from(back.data), pixels.flat());
});

test('tensorToImage reorders BGR to RGB', () => {
  const image = tensorToImage(tensor([1, 3, 1, 1], [0.2, 0.4, 0.6]), 0, {channels: 'BGR'});
  assert.deepEqual(pixel(image, 0), [153, 102, 51, 255]);
});

test('tensorToImage replicates GRAY (the default for C = 1) and clamps to [0, 1]', () => {
  const image = tensorToImage(tensor([1, 1, 1, 4], [0, 1, -0.5, 1.5]));
  assert.deepEqual(Array.from(image.data), [0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]);
});

test('tensorToImage selects the image at index', () => {
  const image = tensorToImage(tensor([2, 1, 1, 1], [0, 1]), 1);
  assert.deepEqual(pixel(image, 0), [255, 255, 255, 255]);
});

// ------------------------------------------------------------------ percentile

test('percentile matches numpy linear interpolation', () => {
  // Values from numpy.percentile(..., method='linear').
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([1, 2, 3, 4], 25), 1.75);
  const digits = [3, 1, 4, 1, 5, 9, 2, 6];
  assertClose([percentile(digits, 90)], [6.9], 1e-12);
  assert.equal(percentile(digits, 0), 1);
  assert.equal(percentile(digits, 100), 9);
  assert.equal(percentile([7], 37), 7);
  assertClose([percentile(Float32Array.from([0, 10]), 99)], [9.9], 1e-12);
});

test('percentile does not reorder its input', () => {
  const values = [3, 1, 2];
  percentile(values, 50);
  assert.deepEqual(values, [3, 1, 2]);
});

// ------------------------------------------------------------------ heatmap

const map1 = (values) => tensor([1, 1, values.length], values);

test('heatmap hot runs from black (matplotlib: dark red #0b0000) through red and yellow to white', () => {
  const image = heatmap(map1([0, 0.5, 1]), {clip: 100});
  assert.equal(image.width, 3);
  assert.equal(image.height, 1);
  assert.deepEqual(pixel(image, 0), [11, 0, 0, 255]);
  // matplotlib hot(0.5) = (1, 0.354, 0).
  assertClose(pixel(image, 1), [255, 90, 0, 255], 1);
  assert.deepEqual(pixel(image, 2), [255, 255, 255, 255]);
});

test('heatmap viridis matches matplotlib within 2/255', () => {
  const image = heatmap(map1([0, 64 / 255, 0.5, 192 / 255, 1]), {colormap: 'viridis', clip: 100});
  assert.deepEqual(pixel(image, 0), [0x44, 0x01, 0x54, 255]);
  assert.deepEqual(pixel(image, 4), [0xfd, 0xe7, 0x25, 255]);
  // Entries 64, 128 and 192 of matplotlib's _viridis_data.
  const reference = [[0.229739, 0.322361, 0.545706], [0.127568, 0.566949, 0.550556], [0.369214, 0.788888, 0.382914]];
  reference.forEach((rgb, k) => assertClose(pixel(image, k + 1).slice(0, 3), rgb.map((c) => c * 255), 2));
});

test('heatmap gray maps linearly', () => {
  const image = heatmap(map1([0, 0.5, 1]), {colormap: 'gray', clip: 100});
  assert.deepEqual(Array.from(image.data), [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
});

test('heatmap clip at the 99th percentile keeps one outlier from blacking out the rest', () => {
  const values = new Array(32 * 32).fill(1);
  values[0] = 1000;
  const map = tensor([1, 32, 32], values);
  const clipped = heatmap(map, {colormap: 'gray'});
  assert.deepEqual(pixel(clipped, 1), [255, 255, 255, 255]);
  assert.deepEqual(pixel(clipped, 0), [255, 255, 255, 255]);
  const byMax = heatmap(map, {colormap: 'gray', clip: 100});
  assert.deepEqual(pixel(byMax, 1), [0, 0, 0, 255]);
});

test('heatmap signed defaults to diverging: negative blue, zero white, positive red', () => {
  const image = heatmap(map1([-2, 0, 2, 1]), {signed: true, clip: 100});
  assert.deepEqual(pixel(image, 0), [0, 0, 255, 255]);
  assert.deepEqual(pixel(image, 1), [255, 255, 255, 255]);
  assert.deepEqual(pixel(image, 2), [255, 0, 0, 255]);
  // Half of the positive range: halfway from white to red.
  assertClose(pixel(image, 3), [255, 127.5, 127.5, 255], 1);
});

test('heatmap unsigned clamps negative values to the colormap start', () => {
  const image = heatmap(map1([-1, 1]), {colormap: 'gray', clip: 100});
  assert.deepEqual(pixel(image, 0), [0, 0, 0, 255]);
});

test('heatmap of an all-zero map is the colormap start, not NaN', () => {
  const image = heatmap(map1([0, 0]), {colormap: 'gray'});
  assert.deepEqual(Array.from(image.data), [0, 0, 0, 255, 0, 0, 0, 255]);
});

test('heatmap selects the map at index and normalises it on its own', () => {
  const image = heatmap(tensor([2, 1, 2], [100, 100, 0, 4]), {index: 1, colormap: 'gray', clip: 100});
  assert.deepEqual(Array.from(image.data), [0, 0, 0, 255, 255, 255, 255, 255]);
});

// ------------------------------------------------------------------ overlay

test('overlay blends (1 - alpha) * image + alpha * heat', () => {
  const out = overlay(rgba(1, 1, [[200, 100, 0, 255]]), rgba(1, 1, [[0, 0, 255, 255]]), {alpha: 0.25});
  assert.deepEqual(pixel(out, 0), [150, 75, 64, 255]);
});

test("overlay respects the heatmap's own alpha", () => {
  const out = overlay(rgba(1, 1, [[200, 100, 0, 255]]), rgba(1, 1, [[0, 0, 255, 0]]), {alpha: 1});
  assert.deepEqual(pixel(out, 0), [200, 100, 0, 255]);
});

test('overlay over a transparent image keeps the heat colour at the blend coverage', () => {
  const out = overlay(rgba(1, 1, [[9, 9, 9, 0]]), rgba(1, 1, [[255, 0, 0, 255]]));
  assert.deepEqual(pixel(out, 0), [255, 0, 0, 128]);
});

test('overlay resizes a heatmap of another size', () => {
  const image = rgba(3, 2, new Array(6).fill(gray(0)));
  const out = overlay(image, rgba(1, 1, [[0, 255, 0, 255]]), {alpha: 1});
  assert.equal(out.width, 3);
  assert.equal(out.height, 2);
  for (let p = 0; p < 6; p++) assert.deepEqual(pixel(out, p), [0, 255, 0, 255]);
});

// ------------------------------------------------------------------ differenceImage

test('differenceImage shows 0.5 + magnify * (b - a), clamped', () => {
  const a = tensor([1, 1, 1, 4], [0.5, 0.5, 0.5, 0.5]);
  const b = tensor([1, 1, 1, 4], [0.51, 0.47, 0.72, 0.4]);
  const x10 = differenceImage(a, b, {magnify: 10});
  assert.deepEqual([0, 1, 2, 3].map((p) => pixel(x10, p)[0]), [153, 51, 255, 0]);
  const x1 = differenceImage(a, b);
  assert.deepEqual([0, 1, 2, 3].map((p) => pixel(x1, p)[0]), [130, 120, 184, 102]);
});

test('differenceImage works per channel and at index', () => {
  const a = tensor([2, 3, 1, 1], [0, 0, 0, 0.5, 0.5, 0.5]);
  const b = tensor([2, 3, 1, 1], [0, 0, 0, 0.6, 0.5, 0.4]);
  assert.deepEqual(pixel(differenceImage(a, b, {index: 1, magnify: 2}), 0), [179, 128, 77, 255]);
});

// ------------------------------------------------------------------ validation

const ok = () => rgba(1, 1, [gray(0)]);
const t1 = () => tensor([1, 1, 1, 1], [0]);

const errors = [
  [() => imageToTensor(null, {size: [28, 28]}), TypeError,
    'imageToTensor: image must be an ImageData-like {data, width, height}, got null'],
  [() => imageToTensor({data: [1, 2, 3, 4], width: 1, height: 1}, {size: [1, 1]}), TypeError,
    'imageToTensor: image.data must be a Uint8ClampedArray or Uint8Array, got [1, 2, 3, 4]'],
  [() => imageToTensor({data: new Float32Array(4), width: 1, height: 1}, {size: [1, 1]}), TypeError,
    'imageToTensor: image.data must be a Uint8ClampedArray or Uint8Array, got Float32Array'],
  [() => imageToTensor({data: new Uint8ClampedArray(4), width: 2.5, height: 1}, {size: [1, 1]}), RangeError,
    'imageToTensor: image.width must be an integer >= 1, got 2.5'],
  [() => imageToTensor({data: new Uint8ClampedArray(4), width: 1, height: '1'}, {size: [1, 1]}), TypeError,
    "imageToTensor: image.height must be a number, got '1'"],
  [() => imageToTensor({data: new Uint8ClampedArray(100), width: 28, height: 28}, {size: [28, 28]}), RangeError,
    'imageToTensor: image.data has 100 bytes, expected width*height*4 = 3136'],
  [() => imageToTensor(ok()), TypeError, 'imageToTensor: size must be an array [H, W], got undefined'],
  [() => imageToTensor(ok(), {size: [28]}), RangeError, 'imageToTensor: size must be [H, W], got [28]'],
  [() => imageToTensor(ok(), {size: [0, 28]}), RangeError, 'imageToTensor: size[0] must be an integer >= 1, got 0'],
  [() => imageToTensor(ok(), {size: [28, 1.5]}), RangeError, 'imageToTensor: size[1] must be an integer >= 1, got 1.5'],
  [() => imageToTensor(ok(), {size: [1, 1], channels: 'RGBA'}), RangeError,
    "imageToTensor: channels must be one of 'RGB', 'BGR', 'GRAY', got 'RGBA'"],
  [() => imageToTensor(ok(), {size: [1, 1], crop: 'top'}), RangeError,
    "imageToTensor: crop must be one of 'center', 'none', got 'top'"],
  [() => imageToTensor(ok(), {size: [1, 1], cropFraction: '0.875'}), TypeError,
    "imageToTensor: cropFraction must be a number, got '0.875'"],
  [() => imageToTensor(ok(), {size: [1, 1], cropFraction: 0}), RangeError,
    'imageToTensor: cropFraction must be a number in (0, 1], got 0'],
  [() => imageToTensor(ok(), {size: [1, 1], cropFraction: 1.2}), RangeError,
    'imageToTensor: cropFraction must be a number in (0, 1], got 1.2'],
  [() => imageToTensor(ok(), {size: [1, 1], crop: 'none', cropFraction: 0.875}), RangeError,
    "imageToTensor: cropFraction applies to crop 'center' only; with crop 'none' it must be 1, got 0.875"],
  [() => imageToTensor(ok(), {size: [1, 1], resampler: 'bicubic'}), RangeError,
    "imageToTensor: resampler must be one of 'tent', 'pillow', got 'bicubic'"],

  [() => stackTensors('x'), TypeError, "stackTensors: tensors must be an array of [1, C, H, W] tensors, got 'x'"],
  [() => stackTensors([]), RangeError, 'stackTensors: tensors is empty'],
  [() => stackTensors([null]), TypeError, 'stackTensors: tensors[0] must be a tensor {data, shape}, got null'],
  [() => stackTensors([{data: [1], shape: [1, 1, 1, 1]}]), TypeError,
    'stackTensors: tensors[0].data must be a Float32Array, got [1]'],
  [() => stackTensors([tensor([1, 1, 2, 2], [0, 0, 0, 0]), tensor([1, 3, 2, 2], new Array(12).fill(0))]), RangeError,
    'stackTensors: tensors[1] has shape [1, 3, 2, 2], expected [n, 1, 2, 2] like tensors[0]'],

  [() => tensorToImage({data: new Float32Array(1)}), TypeError, 'tensorToImage: tensor.shape must be an array, got undefined'],
  [() => tensorToImage(tensor([1, 1, 4], [0, 0, 0, 0])), RangeError,
    'tensorToImage: tensor.shape must be [N, C, H, W] of positive integers, got [1, 1, 4]'],
  [() => tensorToImage(tensor([1, 1, 2, 2], [0, 0, 0])), RangeError,
    'tensorToImage: tensor.data has 3 elements, expected N*C*H*W = 4'],
  [() => tensorToImage(t1(), 1), RangeError, 'tensorToImage: index must be an integer in [0, 0], got 1'],
  [() => tensorToImage(tensor([1, 2, 1, 1], [0, 0])), RangeError,
    "tensorToImage: channels 'RGB' needs C = 3, but the tensor has C = 2"],
  [() => tensorToImage(t1(), 0, {channels: 'RGB'}), RangeError,
    "tensorToImage: channels 'RGB' needs C = 3, but the tensor has C = 1"],
  [() => tensorToImage(t1(), 0, {channels: 'XYZ'}), RangeError,
    "tensorToImage: channels must be one of 'RGB', 'BGR', 'GRAY', got 'XYZ'"],

  [() => heatmap(t1()), RangeError, 'heatmap: map.shape must be [N, H, W] of positive integers, got [1, 1, 1, 1]'],
  [() => heatmap(map1([0]), {colormap: 'jet'}), RangeError,
    "heatmap: colormap must be one of 'hot', 'viridis', 'gray', 'diverging', got 'jet'"],
  [() => heatmap(map1([0]), {clip: 101}), RangeError, 'heatmap: clip must be a number in [0, 100], got 101'],
  [() => heatmap(map1([0]), {signed: 'yes'}), TypeError, "heatmap: signed must be a boolean, got 'yes'"],
  [() => heatmap(map1([0]), {index: -1}), RangeError, 'heatmap: index must be an integer in [0, 0], got -1'],

  [() => overlay(ok(), ok(), {alpha: 2}), RangeError, 'overlay: alpha must be a number in [0, 1], got 2'],
  [() => overlay(ok(), {data: new Uint8ClampedArray(4), width: 2, height: 1}), RangeError,
    'overlay: heat.data has 4 bytes, expected width*height*4 = 8'],

  [() => differenceImage(tensor([1, 1, 1, 4], [0, 0, 0, 0]), tensor([1, 1, 2, 2], [0, 0, 0, 0])), RangeError,
    'differenceImage: a has shape [1, 1, 1, 4] but b has shape [1, 1, 2, 2]'],
  [() => differenceImage(t1(), t1(), {magnify: NaN}), RangeError, 'differenceImage: magnify must be a number >= 0, got NaN'],
  [() => differenceImage(t1(), t1(), {magnify: '10'}), TypeError, "differenceImage: magnify must be a number, got '10'"],
  [() => differenceImage(t1(), 'b'), TypeError, "differenceImage: b must be a tensor {data, shape}, got 'b'"],

  [() => percentile('abc', 50), TypeError, "percentile: values must be an array or typed array of numbers, got 'abc'"],
  [() => percentile([], 50), RangeError, 'percentile: values is empty'],
  [() => percentile([1], 150), RangeError, 'percentile: q must be a number in [0, 100], got 150'],
  [() => percentile([1], undefined), TypeError, 'percentile: q must be a number, got undefined'],
];

for (const [call, ErrorType, message] of errors) {
  test(`throws ${ErrorType.name}: ${message}`, () => {
    assert.throws(call, (error) => {
      assert.equal(error.constructor, ErrorType);
      assert.equal(error.message, message);
      return true;
    });
  });
}
