/**
 * Rules a definition must satisfy against the plugin it names, beyond its schema: CollectionSpace's validator
 * only checks that the class loads; we also refuse mode flags and doc types the plugin cannot handle, so that a
 * stored definition never promises an invocation that must fail.
 */
import { ValidationError, type ErrorDetail } from './errors.js';
import { GROUP_DOCTYPE, INVOCATION_MODES, MODE_FLAGS, type BatchDefinition, type InvocationMode } from './types.js';

/** What the rules need to know of a plugin. */
export interface PluginCapabilities {
  className: string;
  modes: readonly InvocationMode[];
  docTypes?: readonly string[];
  /** Not a rule: what forms show a client, so that it can describe the plugin and build its params' inputs. */
  description?: string;
  /** JSON Schema of the plugin's params (see the plugin contract's `paramsSchema`). */
  paramsSchema?: Record<string, unknown>;
}

const PART = 'batch_common';

export function checkDefinitionAgainstPlugin(
  definition: BatchDefinition,
  plugin: PluginCapabilities | undefined,
  knownClassNames: () => readonly string[],
): void {
  if (plugin === undefined) {
    const known = knownClassNames();
    throw new ValidationError('The batch record payload was invalid', [
      {
        path: `${PART}/className`,
        message:
          `'${definition.className}' names no loaded plugin` +
          (known.length > 0 ? ` (loaded: ${known.join(', ')})` : ' (no plugins are loaded)'),
      },
    ]);
  }
  const details: ErrorDetail[] = [];
  for (const mode of INVOCATION_MODES) {
    const flag = MODE_FLAGS[mode];
    if (definition[flag] && !plugin.modes.includes(mode)) {
      details.push({
        path: `${PART}/${flag}`,
        message: `plugin '${plugin.className}' does not support mode '${mode}' (it supports: ${plugin.modes.join(', ')})`,
      });
    }
  }
  if (plugin.docTypes !== undefined && plugin.docTypes.length > 0) {
    const supported = new Set(plugin.docTypes.map((docType) => docType.toLowerCase()));
    definition.forDocTypes.forEach((docType, index) => {
      if (!supported.has(docType.toLowerCase()) && docType.toLowerCase() !== GROUP_DOCTYPE.toLowerCase()) {
        details.push({
          path: `${PART}/forDocTypes/forDocType[${index}]`,
          message: `plugin '${plugin.className}' does not act on '${docType}' (it acts on: ${plugin.docTypes!.join(', ')})`,
        });
      }
    });
  }
  if (details.length > 0) throw new ValidationError('The batch record payload was invalid', details);
}
