/**
 * The `invocationContext` an `invoke` sends (README "Invocation API"), in the API's JSON mapping, from the command
 * line's options: exactly one of `--single`, `--list`, `--group`, `--nocontext`, and `--param key=value` pairs.
 */
import { INVOCABLE_NAMESPACE } from '../codec/namespaces.js';
import { UsageError } from './settings.js';

export interface ContextOptions {
  single?: string;
  list?: string[];
  group?: string;
  nocontext?: boolean;
  docType?: string;
  param?: string[];
}

/** `key=value`; a key given twice is a multi-valued param, as in the API. */
function paramsOf(pairs: readonly string[]): Array<{ key: string; value: string }> {
  return pairs.map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--param must be key=value, got '${pair}'`);
    return { key: pair.slice(0, at), value: pair.slice(at + 1) };
  });
}

export function invocationContext(options: ContextOptions): Record<string, unknown> {
  const chosen = [
    options.single !== undefined && { mode: 'single', singleCSID: options.single },
    options.list !== undefined && { mode: 'list', listCSIDs: { csid: options.list } },
    options.group !== undefined && { mode: 'group', groupCSID: options.group },
    options.nocontext === true && { mode: 'nocontext' },
  ].filter((context) => context !== false);
  if (chosen.length !== 1) throw new UsageError('Say what to run the job on: one of --single <csid>, --list <csid...>, --group <csid>, --nocontext');
  const params = paramsOf(options.param ?? []);
  return {
    'ns2:invocationContext': {
      '@xmlns:ns2': INVOCABLE_NAMESPACE,
      ...chosen[0],
      ...(options.docType !== undefined && { docType: options.docType }),
      ...(params.length > 0 && { params: { param: params } }),
    },
  };
}
