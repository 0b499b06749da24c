// `gradlens <command> [options]`: runs a command and prints what it made, as text
// (or with --json, as JSON) on stdout, and problems on stderr. Returns the exit
// code: 0 done, 1 a model or an image failed, 2 the command line is wrong.
import { readFileSync } from 'node:fs';
import { fool } from './commands/fool.js';
import { inspectModel } from './commands/inspect.js';
import { predict } from './commands/predict.js';
import { saliency } from './commands/saliency.js';
import { visualize } from './commands/visualize.js';
import { parseCommandLine } from './options.js';
import { USAGE, UsageError } from './usage.js';

// Each gives one record {json, text}, or for the image commands one per image,
// where a failed image has `error` instead of `text`.
const COMMANDS = { inspect: inspectModel, predict, saliency, fool, visualize };

const version = () => JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

async function run(request, { stdout, stderr }) {
  if (request.help) {
    stdout.write(USAGE);
    return 0;
  }
  if (request.version) {
    stdout.write(`${version()}\n`);
    return 0;
  }
  const made = await COMMANDS[request.command](request.options);
  const records = [made].flat();
  if (request.options.json) {
    const json = Array.isArray(made) ? made.map((record) => record.json) : made.json;
    stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    for (const { text } of records) if (text) stdout.write(`${text}\n`);
  }
  const failed = records.filter((record) => record.error);
  for (const { error } of failed) stderr.write(`gradlens: ${error}\n`);
  return failed.length ? 1 : 0;
}

export async function main(argv, streams = { stdout: process.stdout, stderr: process.stderr }) {
  let request;
  try {
    request = parseCommandLine(argv);
    return await run(request, streams);
  } catch (err) {
    if (err instanceof UsageError) {
      streams.stderr.write(`gradlens: ${err.message}\nRun 'gradlens --help' for usage.\n`);
      return 2;
    }
    streams.stderr.write(`gradlens ${request.command}: ${err.message}\n`);
    return 1;
  }
}
