#!/usr/bin/env node
// The web demo's static server: `node scripts/serve.mjs` (PORT=8000, HOST=127.0.0.1).
//
// Serves `/` = web/index.html and, read-only, the repository's web/, js/, dist/ and
// models/ folders; anything else is a 404 (no directory listings, no way out of
// those folders). Every response carries the cross-origin isolation headers, so the
// page gets SharedArrayBuffer (the worker's cancel flag), and a strict
// Content-Security-Policy: scripts and styles from this origin only, WebAssembly
// compilation allowed, no inline code, no requests to other origins.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVED_FOLDERS = ['web', 'js', 'dist', 'models'].map((name) => resolve(ROOT, name));
const INDEX = resolve(ROOT, 'web', 'index.html');

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const COMMON_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // A development server: always revalidate, so a rebuilt dist/ is picked up.
  'Cache-Control': 'no-cache',
};

const isInside = (path, folder) => path.startsWith(folder + sep);

/**
 * The file that serves a URL path, or null. The path is resolved first and must
 * then lie inside a served folder, before and after following symlinks.
 */
async function fileFor(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const path = decoded === '/' ? INDEX : resolve(ROOT, '.' + decoded);
  const folder = SERVED_FOLDERS.find((f) => isInside(path, f));
  if (!folder) return null;
  try {
    const real = await realpath(path);
    if (!isInside(real, await realpath(folder))) return null;
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size } : null;
  } catch {
    return null;
  }
}

/**
 * Starts the server and returns it (listening once its 'listening' event fires;
 * port 0 picks a free one). `crossOriginIsolated: false` leaves out COOP/COEP, to
 * exercise the page's fallback when SharedArrayBuffer is unavailable.
 */
export function startServer({ port = Number(process.env.PORT ?? 8000), host = process.env.HOST ?? '127.0.0.1',
  crossOriginIsolated = true } = {}) {
  const baseHeaders = { ...COMMON_HEADERS, ...(crossOriginIsolated ? ISOLATION_HEADERS : {}) };
  const server = createServer(async (request, response) => {
    const send = (status, text, extra = {}) => {
      response.writeHead(status, { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
      response.end(request.method === 'HEAD' ? undefined : text);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const { pathname } = new URL(request.url, 'http://localhost');
    const file = await fileFor(pathname);
    if (!file) return send(404, 'not found\n');
    response.writeHead(200, {
      ...baseHeaders,
      'Content-Type': MIME_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': file.size,
    });
    if (request.method === 'HEAD') return response.end();
    createReadStream(file.path).on('error', () => response.destroy()).pipe(response);
  });
  server.listen(port, host);
  return server;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = startServer();
  server.on('listening', () => {
    const { address, port } = server.address();
    console.log(`gradlens demo: http://${address.includes(':') ? `[${address}]` : address}:${port}/  (Ctrl+C to stop)`);
  });
  server.on('error', (err) => {
    console.error(`gradlens demo: ${err.message}`);
    process.exit(1);
  });
}
