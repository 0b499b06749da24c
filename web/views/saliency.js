// The saliency panels: the map as a heatmap, and over the image the model saw.
import { heatmap, overlay, tensorToImage } from '../../js/index.js';
import { paintImage } from './paint.js';

/**
 * x: the analysed input [1, C, H, W] in `channels` order; map: its saliency [1, H, W].
 * Cheap enough to redo on every slider move: nothing here runs the network.
 */
export function renderSaliency({ heatCanvas, overlayCanvas }, { x, map, channels }, { colormap, opacity }) {
  const heat = heatmap(map, { colormap });
  paintImage(heatCanvas, heat);
  paintImage(overlayCanvas, overlay(tensorToImage(x, 0, { channels }), heat, { alpha: opacity }));
}
