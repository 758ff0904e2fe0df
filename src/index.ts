/**
 * The public API of the `invocables` package: the plugin contract. Plugin authors import types from here
 * (`import type { Invocable } from 'invocables'`); nothing else of the service is a public API.
 */
// Everything contract.ts exports, so that a type added to the contract cannot be left out of the package.
export * from './plugins/contract.js';
