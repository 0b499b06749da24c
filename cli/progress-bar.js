// A one-line progress bar, redrawn in place on a terminal; nothing elsewhere (a
// log file or a pipe would collect every redraw).

const WIDTH = 30;

/** {show(done, label), clear()} drawing on `stream` when it is a terminal, else null. */
export function progressBar(total, stream = process.stderr) {
  if (!stream.isTTY) return null;
  return {
    show(done, label = '') {
      const filled = Math.round((WIDTH * done) / total);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total} ${label}`;
      stream.write(`\r${line.slice(0, (stream.columns ?? 80) - 1)}\x1b[K`);
    },
    clear() {
      stream.write('\r\x1b[K');
    },
  };
}
