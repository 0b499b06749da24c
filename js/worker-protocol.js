// The messages between createWorker (worker.js, the caller's side) and the engine
// thread (worker-thread.js), and how errors cross between them.
//
// To the thread: {type: 'init', engine, cancelFlag}, then one job at a time:
//   {id, type: 'load', model, source, card}
//   {id, type: 'call', model, method, args, progress}
//   {id, type: 'dispose', model}
// From the thread, per job: any number of {id, type: 'progress', iteration, values},
//   then {id, type: 'done', result} or {id, type: 'error', error, fatal}.
//
// `model` is an id the caller's side chooses, so that after a restart the same
// ids name the reloaded models. `cancelFlag` is an Int32Array on a
// SharedArrayBuffer (or null); the caller writes into it the id of the job to stop.

import { GradlensError } from './engine.js';

/** The methods whose engine runs report progress, and so can be stopped within an iteration. */
export const INTERRUPTIBLE = new Set(['fool', 'visualizeClass']);

/** How a cancelled job fails, as Model's methods fail when their signal is aborted. */
export const cancelledError = () => new GradlensError('cancelled', 'cancelled');

/** An error as plain data: structured cloning would drop GradlensError's class and code. */
export function errorToMessage(err) {
  return { name: err?.name ?? 'Error', message: err?.message ?? String(err), code: err?.code };
}

/** The Error that errorToMessage described, of the same class where it is a standard one. */
export function errorFromMessage({ name, message, code }) {
  if (code) return new GradlensError(message, code);
  const Type = { TypeError, RangeError }[name] ?? Error;
  const err = new Type(message);
  err.name = name;
  return err;
}
