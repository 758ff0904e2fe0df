// Plugins: how many loaded and which failed (from /health), and what each loaded one does (from the create form).
import { api, asArray, ApiError, health } from '../api.js';
import { h, table } from '../dom.js';

/** The loaded plugins with their modes, doc types, description and params schema, or undefined without the right. */
export async function loadedPlugins() {
  try {
    const { data } = await api('/batch/forms/create');
    return asArray(data.batch_forms.plugins?.plugin).map((plugin) => ({
      className: plugin.className,
      modes: asArray(plugin.modes?.mode),
      docTypes: plugin.docTypes === undefined ? undefined : asArray(plugin.docTypes.docType),
      description: plugin.description,
      paramsSchema: plugin.paramsSchema === undefined ? undefined : JSON.parse(plugin.paramsSchema['.']),
    }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return undefined;
    throw error;
  }
}

export async function pluginsView() {
  const [report, plugins] = await Promise.all([health(), loadedPlugins()]);
  return [
    h('h1', {}, 'Plugins'),
    h('p', { id: 'plugin-health' }, `${report.plugins.loaded} loaded, ${report.plugins.failed.length} failed; store ${report.store.engine}: ${report.status}.`),
    h('h2', {}, 'Failed to load'),
    table(['File', 'Code', 'Message'], report.plugins.failed, (failure) => [failure.file, failure.code, failure.message], 'None.'),
    h('h2', {}, 'Loaded'),
    plugins === undefined
      ? h('p', {}, 'Listing plugins needs the right to create definitions.')
      : table(['Class name', 'Modes', 'Doc types', 'Description'], plugins,
        (plugin) => [plugin.className, plugin.modes.join(', '), plugin.docTypes?.join(', ') ?? 'any', plugin.description ?? '']),
  ];
}
