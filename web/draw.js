// The drawing pad: white strokes on black, like MNIST, with a mouse, a pen or a
// finger (Pointer Events; CSS `touch-action: none` keeps touches from scrolling).

export class DrawingPad {
  #canvas;
  #context;
  #onChange;
  #last = null; // the point the current stroke reached, in canvas pixels
  #blank = true;

  /** onChange({ending}) after every stroke segment; ending: the stroke is complete. */
  constructor(canvas, { onChange }) {
    this.#canvas = canvas;
    this.#context = canvas.getContext('2d', { willReadFrequently: true });
    this.#onChange = onChange;
    this.brushSize = 22;
    this.clear({ silent: true });
    canvas.addEventListener('pointerdown', (event) => this.#begin(event));
    canvas.addEventListener('pointermove', (event) => this.#extend(event));
    canvas.addEventListener('pointerup', (event) => this.#end(event));
    canvas.addEventListener('pointercancel', (event) => this.#end(event));
  }

  get isBlank() {
    return this.#blank;
  }

  /** The drawing as an ImageData at the canvas resolution. */
  imageData() {
    return this.#context.getImageData(0, 0, this.#canvas.width, this.#canvas.height);
  }

  clear({ silent = false } = {}) {
    this.#context.fillStyle = '#000';
    this.#context.fillRect(0, 0, this.#canvas.width, this.#canvas.height);
    this.#blank = true;
    if (!silent) this.#onChange({ ending: true });
  }

  #point(event) {
    const box = this.#canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * this.#canvas.width,
      y: ((event.clientY - box.top) / box.height) * this.#canvas.height,
    };
  }

  #segment(from, to) {
    const c = this.#context;
    c.strokeStyle = '#fff';
    c.lineWidth = this.brushSize;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
    this.#blank = false;
  }

  #begin(event) {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    this.#canvas.setPointerCapture(event.pointerId);
    this.#last = this.#point(event);
    this.#segment(this.#last, this.#last); // a tap leaves a dot
    this.#onChange({ ending: false });
  }

  #extend(event) {
    if (!this.#last) return;
    // Coalesced events: every position the pointer passed since the last frame,
    // so fast strokes stay smooth curves instead of polygons.
    const coalesced = event.getCoalescedEvents?.() ?? [];
    for (const e of coalesced.length ? coalesced : [event]) {
      const next = this.#point(e);
      this.#segment(this.#last, next);
      this.#last = next;
    }
    this.#onChange({ ending: false });
  }

  #end(event) {
    if (!this.#last) return;
    this.#last = null;
    if (this.#canvas.hasPointerCapture(event.pointerId)) this.#canvas.releasePointerCapture(event.pointerId);
    this.#onChange({ ending: true });
  }
}
