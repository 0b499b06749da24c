// The fooling figure, as in cs231n: original, fooling image, difference, and the
// difference magnified ten times (mid-grey where nothing changed); its numbers;
// and the figure as a PNG download.
import { montage } from '../../js/index.js';
import { paintImage } from './paint.js';
import { percent } from './top-classes.js';

export function renderFoolingPanels(canvases, panels) {
  panels.forEach((panel, k) => paintImage(canvases[k], panel));
}

/** Fills a <dl> with the run's numbers. */
export function renderFoolingStats(list, { iterations, success, l2, linf, now }, targetLabel) {
  const rows = [
    ['Fooled', success ? `yes, into “${targetLabel}”` : `no, not into “${targetLabel}”`],
    ['Iterations', String(iterations)],
    ['Now predicted', `${now.label} (${percent(now.probability)})`],
    ['L2 change', l2.toFixed(3)],
    ['L∞ change', `${linf.toFixed(3)} (${Math.round(linf * 255)} of 255 grey levels)`],
  ];
  list.replaceChildren(...rows.flatMap(([term, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    return [dt, dd];
  }));
}

/** Saves the four panels side by side as a PNG, small images magnified. */
export function downloadPanels(panels, filename) {
  const scale = Math.max(1, Math.floor(224 / panels[0].width));
  const figure = montage([panels], { scale, gap: 8 });
  const canvas = document.createElement('canvas');
  paintImage(canvas, figure);
  canvas.toBlob((blob) => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }, 'image/png');
}
