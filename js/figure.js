// Laying images out in a grid: the cs231n-style figures (images over their
// saliency maps; original, fooling image, difference, difference x10).

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
