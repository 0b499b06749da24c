// The cs231n-style figures: images laid out in a grid (montage), the panels of a
// saliency map (heatmap, and heatmap over the image) and of a fooling image
// (original, fooling image, difference, difference x10).
import { differenceImage, heatmap, overlay, percentile, tensorToImage } from './image.js';

/**
 * Composes rows of RGBA images into one RGBA image. Each image is magnified by
 * `scale` with nearest-neighbour sampling (pixels stay crisp, as in the
 * notebook's imshow of small images); cells are `gap` pixels apart on
 * `background` (RGBA). Rows may have different lengths; an empty cell is null.
 */
export function montage(rows, { scale = 1, gap = 4, background = [255, 255, 255, 255] } = {}) {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw new TypeError('montage: rows must be an array of arrays of images');
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`montage: scale must be an integer >= 1, got ${scale}`);
  const cells = rows.flat().filter(Boolean);
  if (!cells.length) throw new RangeError('montage: no images');
  const cellW = Math.max(...cells.map((im) => im.width)) * scale;
  const cellH = Math.max(...cells.map((im) => im.height)) * scale;
  const columns = Math.max(...rows.map((r) => r.length));
  const width = columns * cellW + (columns + 1) * gap;
  const height = rows.length * cellH + (rows.length + 1) * gap;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let k = 0; k < width * height; k++) data.set(background, k * 4);
  rows.forEach((row, r) => row.forEach((image, c) => {
    if (!image) return;
    const x0 = gap + c * (cellW + gap);
    const y0 = gap + r * (cellH + gap);
    for (let y = 0; y < image.height * scale; y++) {
      for (let x = 0; x < image.width * scale; x++) {
        const src = (Math.floor(y / scale) * image.width + Math.floor(x / scale)) * 4;
        data.set(image.data.subarray(src, src + 4), ((y0 + y) * width + x0 + x) * 4);
      }
    }
  }));
  return { data, width, height };
}

/**
 * The cs231n fooling panels of image `index`: the original, the fooling image,
 * their difference and the difference magnified ten times (mid-grey where nothing
 * changed). x and fooled: [N, C, H, W] in `channels` order.
 */
export function foolingPanels(x, fooled, { index = 0, channels } = {}) {
  return [
    tensorToImage(x, index, { channels }),
    tensorToImage(fooled, index, { channels }),
    differenceImage(x, fooled, { index, channels }),
    differenceImage(x, fooled, { index, channels, magnify: 10 }),
  ];
}

// The diverging colormap is white at zero: laid over the image as it is, it would
// wash the whole picture out. Over the image, a signed map's opacity follows
// |value| instead (normalised as heatmap() does: by the 99th percentile), so only
// the evidence is coloured.
function fadeWhereZero(heat, values) {
  const magnitudes = values.map(Math.abs);
  const limit = percentile(magnitudes, 99) || percentile(magnitudes, 100) || 1;
  const faded = new Uint8ClampedArray(heat.data);
  magnitudes.forEach((m, k) => { faded[k * 4 + 3] = (255 * m) / limit; });
  return { ...heat, data: faded };
}

/**
 * The saliency panels of image `index`: `heatmap`, the map colour-mapped, and
 * `overlay`, the heatmap over the image as the model saw it (x: [N, C, H, W] in
 * `channels` order; map: [N, H, W]). A signed map is drawn with the diverging
 * colormap, whatever `colormap` says. alpha: the heatmap's opacity over the image.
 */
export function saliencyPanels(x, map, { index = 0, signed = false, colormap = 'hot', alpha = 0.5, channels } = {}) {
  const heat = heatmap(map, signed ? { index, signed } : { index, colormap });
  const [, h, w] = map.shape;
  const laid = signed ? fadeWhereZero(heat, map.data.subarray(index * h * w, (index + 1) * h * w)) : heat;
  return { heatmap: heat, overlay: overlay(tensorToImage(x, index, { channels }), laid, { alpha }) };
}
