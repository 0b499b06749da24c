// Where this code runs, and Node's built-in modules for the paths only Node takes.

/** True in Node, main thread or worker_thread (false in browsers and their workers). */
export const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/**
 * Node's built-in module `name` ('fs/promises', 'worker_threads'). The specifier is
 * made at run time so that bundlers building for browsers leave it alone: Vite
 * warns about every `node:` import it stubs out, webpack 5 refuses them.
 */
export function nodeModule(name) {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ `node:${name}`);
}
