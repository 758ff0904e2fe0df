/**
 * `<batch_forms>`: OSID `getJobFormsForCreate` / `getJobFormsForUpdate`. What a client may set in a batch document
 * and its rules, so that it can validate before it submits: the JSON Schema of each part (as text, since a schema's
 * `$`-keys are no XML element names), every loaded plugin with the modes and doc types it allows, its description
 * and the JSON Schema of its params (text too), and for an update one form per definition, filled with what is
 * stored and the revision to send back.
 */
import batchSchema from '../../schemas/batch.json' with { type: 'json' };
import batchInvocablesSchema from '../../schemas/batch-invocables.json' with { type: 'json' };
import type { PluginCapabilities } from '../domain/definitionRules.js';
import type { StoredDefinition } from '../domain/types.js';
import { BATCH_INVOCABLES_PART, BATCH_PART, encodeBatchDocument } from './batchDocument.js';
import type { DocNode, DocTree } from './tree.js';

export const SCHEMA_MEDIA_TYPE = 'application/schema+json';

export interface UpdateForm {
  stored: StoredDefinition;
  /** The plugin the definition names, when it is loaded. */
  plugin?: PluginCapabilities;
}

function encodePlugin(plugin: PluginCapabilities): DocNode {
  return {
    className: plugin.className,
    modes: { mode: [...plugin.modes] },
    // No doc types: the plugin acts on any.
    docTypes: plugin.docTypes === undefined ? undefined : { docType: [...plugin.docTypes] },
    description: plugin.description,
    // As text, like the parts' schemas: a schema's `$`-keys and param names need not be XML element names.
    paramsSchema:
      plugin.paramsSchema === undefined ? undefined : { '@mediaType': SCHEMA_MEDIA_TYPE, '.': JSON.stringify(plugin.paramsSchema) },
  };
}

const SCHEMAS = [
  { '@part': BATCH_PART, '@mediaType': SCHEMA_MEDIA_TYPE, '.': JSON.stringify(batchSchema) },
  { '@part': BATCH_INVOCABLES_PART, '@mediaType': SCHEMA_MEDIA_TYPE, '.': JSON.stringify(batchInvocablesSchema) },
];

export function encodeBatchForms(operation: 'create' | 'update', plugins: readonly PluginCapabilities[], forms: readonly UpdateForm[] = []): DocTree {
  return {
    batch_forms: {
      '@operation': operation,
      schemas: { schema: SCHEMAS },
      plugins: { plugin: plugins.map(encodePlugin) },
      form: forms.map(({ stored, plugin }) => ({
        '@csid': stored.csid,
        '@revision': stored.core.revision,
        plugin: plugin === undefined ? undefined : encodePlugin(plugin),
        ...encodeBatchDocument(stored),
      })),
    },
  };
}
