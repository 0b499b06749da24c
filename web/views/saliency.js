// The saliency panels: the map as a heatmap, and over the image the model saw.
import { saliencyPanels } from '../../js/index.js';
import { paintImage } from './paint.js';

/**
 * x: the analysed input [1, C, H, W] in `channels` order; map: its saliency [1, H, W].
 * A signed map (positive and negative evidence) is drawn with the diverging
 * colormap whatever `colormap` says. Cheap enough to redo on every slider move:
 * nothing here runs the network.
 */
export function renderSaliency({ heatCanvas, overlayCanvas }, { x, map, signed, channels }, { colormap, opacity }) {
  const panels = saliencyPanels(x, map, { signed, colormap, alpha: opacity, channels });
  paintImage(heatCanvas, panels.heatmap);
  paintImage(overlayCanvas, panels.overlay);
}
