/**
 * A loading thread's module (see loadingThread.ts), run once per plugin module to load. It evaluates the module,
 * describes its default export as plain data (descriptor.ts) and checks that as the service will; or says why it
 * cannot. Whatever the module's top-level code does happens here, not on the service's thread: a loop that never
 * ends (the host stops the thread at its time limit), `process.exit()`, a throw, unbounded allocation (the thread's
 * heap limit), changes to globals (they are this thread's).
 */
import { describeExport } from '../descriptor.js';
import { importPluginModule, unwrapDefaultExport } from '../importPlugin.js';
import { PluginError, type PluginErrorCode, validateDescription } from '../validatePlugin.js';
import { errorText, type LoadAnswer, type LoadTask } from './protocol.js';

// Taken before the plugin's code runs, so that what it does to globals cannot change how this thread answers.
const wait = setTimeout;
const clone = structuredClone;

function failure(code: PluginErrorCode, reason: string, cause?: unknown): LoadAnswer {
  return { failure: { code, reason, ...(cause !== undefined && { cause }) } };
}

async function load(task: LoadTask): Promise<LoadAnswer> {
  let namespace: unknown;
  try {
    namespace = await importPluginModule(task.plugin);
  } catch (error) {
    return failure('PLUGIN_IMPORT', `cannot import: ${errorText(error)}`, error);
  }
  const exported = unwrapDefaultExport(namespace);
  if (exported === undefined) return failure('PLUGIN_NO_DEFAULT_EXPORT', 'no default export');
  try {
    return { description: describeExport(exported) };
  } catch (error) {
    // A getter of the plugin's that throws.
    return failure('PLUGIN_SHAPE', `reading its fields threw: ${errorText(error)}`, error);
  }
}

/** The answer as the service will read it; structured clone refuses functions and the like, which fail the load. */
function crossable(result: LoadAnswer): LoadAnswer {
  try {
    return clone(result);
  } catch (error) {
    if ('failure' in result) return failure(result.failure.code, result.failure.reason);
    return failure('PLUGIN_SHAPE', `the plugin's fields must be plain data (no functions, symbols or class instances): ${errorText(error)}`);
  }
}

/**
 * The service checks the description again, but only one that passed here: its params schema is first compiled
 * here, under the load's time limit, so that one that takes for ever to compile holds this thread, not the service's.
 */
function checked(result: LoadAnswer): LoadAnswer {
  if ('failure' in result) return result;
  try {
    validateDescription(result.description);
    return result;
  } catch (error) {
    if (error instanceof PluginError) return failure(error.code, error.message);
    return failure('PLUGIN_SHAPE', errorText(error));
  }
}

export default async function loadPlugin(task: LoadTask): Promise<LoadAnswer> {
  const result = checked(crossable(await load(task)));
  // The top level may have started a throw from a timer, or a rejection nobody handles: a moment to show it. It
  // stops this thread, which the host reports as the plugin's failure to load.
  await new Promise((resolve) => wait(resolve, task.settleMs));
  return result;
}
