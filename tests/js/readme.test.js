// The README's examples are the files in examples/ that the tests run: each
// `<!-- example: PATH -->` is followed by a fenced copy of that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);
const README = readFileSync(new URL('README.md', ROOT), 'utf8');
const INCLUDED = ['examples/browser.html', 'examples/vite/vite.config.js', 'examples/vite/main.js',
  'examples/worker.mjs', 'examples/node.mjs', 'examples/cli.sh'];

test('every example in the README is its file in examples/, verbatim', () => {
  const copies = [...README.matchAll(/<!-- example: (\S+) -->\n```\w+\n([\s\S]*?)```\n/g)];
  assert.deepEqual(copies.map(([, path]) => path), INCLUDED);
  for (const [, path, copy] of copies) {
    assert.equal(copy, readFileSync(new URL(path, ROOT), 'utf8'), `README.md's copy of ${path} differs from the file`);
  }
});
