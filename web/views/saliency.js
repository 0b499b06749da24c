// The saliency panels: the map as a heatmap, and over the image the model saw.
import { heatmap, overlay, percentile, tensorToImage } from '../../js/index.js';
import { paintImage } from './paint.js';

// The diverging colormap is white at zero: laid over the image as it is, it would
// wash the whole picture out. Over the image, a signed map's opacity follows
// |value| instead (normalised as heatmap() does: by the 99th percentile), so
// only the evidence is coloured.
function fadeWhereZero(heat, map) {
  const magnitudes = map.data.map(Math.abs);
  const limit = percentile(magnitudes, 99) || percentile(magnitudes, 100) || 1;
  const faded = new Uint8ClampedArray(heat.data);
  magnitudes.forEach((m, k) => { faded[k * 4 + 3] = (255 * m) / limit; });
  return { ...heat, data: faded };
}

/**
 * x: the analysed input [1, C, H, W] in `channels` order; map: its saliency [1, H, W].
 * A signed map (positive and negative evidence) is drawn with the diverging
 * colormap whatever `colormap` says. Cheap enough to redo on every slider move:
 * nothing here runs the network.
 */
export function renderSaliency({ heatCanvas, overlayCanvas }, { x, map, signed, channels }, { colormap, opacity }) {
  const heat = heatmap(map, signed ? { signed } : { colormap });
  paintImage(heatCanvas, heat);
  const laid = signed ? fadeWhereZero(heat, map) : heat;
  paintImage(overlayCanvas, overlay(tensorToImage(x, 0, { channels }), laid, { alpha: opacity }));
}
