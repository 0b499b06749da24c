// Image files (picked, dropped or pasted) decoded to ImageData by the browser.

// Larger photos are first scaled down by the browser: every model here takes a
// few hundred pixels at most, and the page's resampling of a 12-megapixel photo
// would cost a noticeable pause.
const MAX_SIDE = 1024;

/** Decodes an image Blob/File; rejects with a readable message when it is not an image. */
export async function decodeImage(blob) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new Error(`${blob.name || 'the pasted data'} is not an image this browser can read`);
  }
  const shrink = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  if (shrink < 1) {
    const full = bitmap;
    bitmap = await createImageBitmap(full, {
      resizeWidth: Math.round(full.width * shrink), resizeHeight: Math.round(full.height * shrink), resizeQuality: 'high',
    });
    full.close();
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** Sorts files by what the page does with them. */
export function sortFiles(files) {
  const sorted = { images: [], models: [], cards: [], labels: [] };
  for (const file of files) {
    const name = file.name.toLowerCase();
    if (name.endsWith('.onnx')) sorted.models.push(file);
    else if (name.endsWith('.json')) sorted.cards.push(file);
    else if (name.endsWith('.txt')) sorted.labels.push(file);
    else if (file.type.startsWith('image/')) sorted.images.push(file);
  }
  return sorted;
}
