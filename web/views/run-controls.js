// The controls of a long engine run: a Run and a Stop button, a progress bar, a
// line of live numbers and a status line (a polite live region: it announces the
// start and the outcome, not every iteration).

export class RunControls {
  #run;
  #stop;
  #progress;
  #detail;
  #status;

  constructor({ run, stop, progress, detail, status }) {
    this.#run = run;
    this.#stop = stop;
    this.#progress = progress;
    this.#detail = detail;
    this.#status = status;
  }

  /** A run of `total` iterations is queued; onStop cancels it. */
  start(total, onStop) {
    // A keyboard user stays on a live control (a mouse user needs no focus ring).
    const keyboardFocus = this.#run.matches(':focus-visible');
    this.#run.disabled = true;
    this.#stop.disabled = false;
    this.#stop.onclick = onStop;
    if (keyboardFocus) this.#stop.focus();
    this.#progress.max = total;
    this.#progress.value = 0;
    this.#detail.textContent = '';
    this.#status.textContent = 'Running…';
  }

  update(iteration, detail) {
    this.#progress.value = iteration;
    this.#detail.textContent = detail;
  }

  finish(status) {
    const keyboardFocus = this.#stop.matches(':focus-visible');
    this.#stop.disabled = true;
    this.#stop.onclick = null;
    this.#run.disabled = false;
    if (keyboardFocus) this.#run.focus();
    this.#status.textContent = status;
  }

  /** Whether Run may be pressed (a model is loaded). */
  set enabled(on) {
    if (this.#stop.disabled) this.#run.disabled = !on;
  }
}
