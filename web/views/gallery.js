// The sample gallery: a grid of thumbnail buttons, one row per class. One Tab
// stop for the whole grid (roving tabindex); arrow keys, Home and End move
// within it, Enter or Space picks.
import { tensorToImage } from '../../js/index.js';
import { sampleTensor } from '../samples.js';
import { paintImage } from './paint.js';

const COLUMNS = 10;

export class Gallery {
  #grid;
  #onPick;
  #buttons = [];

  /** onPick(index) when a thumbnail is chosen. */
  constructor(grid, { onPick }) {
    this.#grid = grid;
    this.#onPick = onPick;
    grid.addEventListener('keydown', (event) => this.#move(event));
  }

  /** Shows samples ({count, shape, labels, pixels}) named by the model's labels. */
  show(samples, classNames) {
    this.#buttons = Array.from({ length: samples.count }, (_, index) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'thumb';
      button.tabIndex = index === 0 ? 0 : -1;
      button.setAttribute('aria-label', `Sample ${index + 1}: ${classNames[samples.labels[index]] ?? samples.labels[index]}`);
      button.setAttribute('aria-pressed', 'false');
      const canvas = document.createElement('canvas');
      canvas.setAttribute('aria-hidden', 'true');
      paintImage(canvas, tensorToImage(sampleTensor(samples, index)));
      button.append(canvas);
      button.addEventListener('click', () => this.#onPick(index));
      return button;
    });
    this.#grid.replaceChildren(...this.#buttons);
  }

  clear() {
    this.#buttons = [];
    this.#grid.replaceChildren();
  }

  /** Marks sample `index` as the current input (null: none is). */
  select(index) {
    this.#buttons.forEach((button, k) => button.setAttribute('aria-pressed', String(k === index)));
    if (index !== null && this.#buttons[index]) this.#focusable(index);
  }

  #focusable(index) {
    this.#buttons.forEach((button, k) => { button.tabIndex = k === index ? 0 : -1; });
  }

  #move(event) {
    const from = this.#buttons.indexOf(document.activeElement);
    if (from < 0) return;
    const last = this.#buttons.length - 1;
    const to = {
      ArrowRight: from + 1, ArrowLeft: from - 1, ArrowDown: from + COLUMNS, ArrowUp: from - COLUMNS, Home: 0, End: last,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const target = Math.max(0, Math.min(last, to));
    this.#focusable(target);
    this.#buttons[target].focus();
  }
}
