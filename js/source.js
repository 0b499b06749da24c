// Model and card bytes from wherever they come: bytes, a Blob or File, a URL, or a
// file path in Node.
import { isNode, nodeModule } from './runtime.js';

/** Uint8Array bytes of source (Uint8Array, ArrayBuffer or view, Blob, URL, or a path in Node). */
export async function readSource(source, what) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new TypeError(`${what} must be bytes (Uint8Array, ArrayBuffer), a Blob, a URL, or a file path in Node`);
  }
  const isUrl = source instanceof URL || /^[a-z][a-z0-9+.-]*:/i.test(source);
  if (isNode && (!isUrl || String(source).startsWith('file:'))) {
    const { readFile } = await nodeModule('fs/promises');
    return new Uint8Array(await readFile(source instanceof URL ? source : isUrl ? new URL(source) : source));
  }
  const response = await fetch(source);
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} fetching ${source}`);
  return new Uint8Array(await response.arrayBuffer());
}
