/**
 * The public API of the `invocables` package: the plugin contract. Plugin authors import types from here
 * (`import type { Invocable } from 'invocables'`); nothing else of the service is a public API.
 */
export { CONTRACT_VERSION } from './plugins/contract.js';
export type {
  Invocable,
  InvocationContext,
  InvocationInput,
  InvocationResult,
  ItemInvocable,
  ItemResult,
  ParamsSchema,
  PluginLogger,
  RecordsService,
  WholeInvocable,
} from './plugins/contract.js';
export type { FieldValue, InvocationMode, RecordFields, StoredRecord } from './domain/types.js';
