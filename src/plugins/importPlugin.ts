/**
 * Importing a plugin's module, the same way in a loading thread (which describes it for the service to check) and in
 * a plugin thread (which runs it), never on the service's thread: a new version of an entry is always a new module,
 * so hot reload holds in both.
 * See loader.ts for why `.js` files get a `?v=` URL and `.ts` files and folders go through tsx's `tsImport`.
 */
import { pathToFileURL } from 'node:url';

/** What names one version of a plugin's module. */
export interface PluginModuleRef {
  kind: 'file' | 'folder';
  /** Absolute path of the module to import. */
  file: string;
  version: string;
}

type TsImport = (specifier: string, parentURL: string) => Promise<unknown>;
let tsImportLoading: Promise<TsImport> | undefined;

/**
 * Imported on first use, and always tsx's ES module build: its CommonJS build cannot register its loader when
 * this file itself runs as CommonJS (as under mocha, which loads our sources through tsx's require hook).
 */
function loadTsImport(): Promise<TsImport> {
  tsImportLoading ??= import('tsx/esm/api').then((api) => api.tsImport);
  return tsImportLoading;
}

/** The module's namespace; throws what the import throws. */
export async function importPluginModule(ref: PluginModuleRef): Promise<unknown> {
  const url = pathToFileURL(ref.file).href;
  if (ref.kind === 'folder' || ref.file.endsWith('.ts')) return (await loadTsImport())(url, import.meta.url);
  return import(`${url}?v=${encodeURIComponent(ref.version)}`);
}

/**
 * The value a plugin module default-exports. CommonJS compiled by TypeScript or Babel (including `.ts` that tsx
 * treats as CommonJS outside an ESM package scope) arrives one level deeper, as `{ __esModule, default }`.
 */
export function unwrapDefaultExport(namespace: unknown): unknown {
  if (typeof namespace !== 'object' || namespace === null || !('default' in namespace)) return undefined;
  const value: unknown = namespace.default;
  if (typeof value === 'object' && value !== null && '__esModule' in value && value.__esModule === true) {
    return 'default' in value ? value.default : undefined;
  }
  return value;
}
