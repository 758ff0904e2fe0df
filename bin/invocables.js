#!/usr/bin/env node
// `npx invocables`: the command line client (src/cli). It runs from the TypeScript sources through tsx, a
// dependency of the service, so it works straight after `npm install`, without a build.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
