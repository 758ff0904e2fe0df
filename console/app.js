// The console's entry: signing in, the header (user, tenant switcher, sign out) and the views, one per `#/…` address.
import { chooseTenant, currentTenant, loadAccount } from './api.js';
import { signedIn, signIn, signOut } from './auth.js';
import { h, show } from './dom.js';
import { definitionFormView } from './pages/definitionForm.js';
import { definitionsView, definitionView } from './pages/definitions.js';
import { invokeView } from './pages/invoke.js';
import { pluginsView } from './pages/plugins.js';
import { runsView } from './pages/runs.js';
import { runView } from './pages/run.js';
import { schedulesView } from './pages/schedules.js';

/**
 * `[pattern, view(match, query, signal)]`, first match wins.
 * @type {Array<[RegExp, (match: RegExpExecArray, query: URLSearchParams, signal: AbortSignal) => Promise<unknown>]>}
 */
const ROUTES = [
  [/^definitions$/, (_m, query) => definitionsView(query)],
  [/^definitions\/new$/, () => definitionFormView(undefined)],
  [/^definitions\/([^/]+)\/edit$/, (m) => definitionFormView(decodeURIComponent(m[1]))],
  [/^definitions\/([^/]+)\/invoke$/, (m) => invokeView(decodeURIComponent(m[1]))],
  [/^definitions\/([^/]+)$/, (m) => definitionView(decodeURIComponent(m[1]))],
  [/^runs$/, (_m, query, signal) => runsView(query, signal)],
  [/^runs\/([^/]+)$/, (m, query, signal) => runView(decodeURIComponent(m[1]), query, signal)],
  [/^schedules$/, (_m, query) => schedulesView(query)],
  [/^plugins$/, () => pluginsView()],
];

const view = document.getElementById('view');
/** Aborted when the view is left: its event streams stop. */
let leaving = new AbortController();

async function render() {
  leaving.abort();
  leaving = new AbortController();
  const signal = leaving.signal;
  const [route, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const query = new URLSearchParams(search);
  const found = ROUTES.find(([pattern]) => pattern.test(route));
  if (found === undefined) {
    location.hash = '#/runs';
    return;
  }
  const [pattern, draw] = found;
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('current', route.startsWith(link.getAttribute('href').slice(2)));
  }
  view.setAttribute('aria-busy', 'true');
  let content;
  try {
    content = await draw(pattern.exec(route), query, signal);
  } catch (error) {
    content = [h('h1', {}, 'Something went wrong'), h('p', { class: 'problem', role: 'alert' }, error.message)];
  }
  if (signal.aborted) return;
  show(view, content);
  view.removeAttribute('aria-busy');
  // Which address the view shows, once shown: what a test (or a script) waits for after following a link.
  view.dataset.view = location.hash;
}

/** The header, once signed in: who, the tenant switcher (for users of several tenants), and Sign out. */
function showHeader(account) {
  document.querySelector('header .user').textContent = account.user;
  const tenantSelect = /** @type {HTMLSelectElement} */ (document.getElementById('tenant'));
  show(tenantSelect, account.tenants.map((tenant) => h('option', { value: tenant, selected: tenant === currentTenant() }, tenant)));
  tenantSelect.closest('label').hidden = account.tenants.length < 2;
  tenantSelect.addEventListener('change', () => {
    chooseTenant(tenantSelect.value);
    // What was open belongs to the other tenant: start again from its runs.
    if (location.hash === '#/runs') render();
    else location.hash = '#/runs';
  });
  const signOutButton = document.getElementById('sign-out');
  signOutButton.hidden = false;
  signOutButton.addEventListener('click', () => {
    leaving.abort();
    signOut().catch(showSignInProblem);
  });
}

/** A sign-in that could not finish: why, and a way to start again (never a loop of redirects). */
function showSignInProblem(error) {
  show(view, h('h1', {}, 'Not signed in'), h('p', { class: 'problem', role: 'alert' }, error.message),
    h('p', {}, h('button', { type: 'button', onclick: () => signIn().catch(showSignInProblem) }, 'Sign in')));
}

async function start() {
  try {
    await signedIn();
    showHeader(await loadAccount());
  } catch (error) {
    showSignInProblem(error);
    return;
  }
  addEventListener('hashchange', render);
  render();
}

start();
