// Signing in: the authorization code flow with PKCE (S256) through the service's own sign-in page, as the console's
// public client. The tokens live in this tab's sessionStorage: gone with the tab, never shared with other tabs.
// The page says where to sign in (its body's data attributes), so nothing here repeats the server's paths.

const TOKENS_KEY = 'invocables.console.tokens';
const PENDING_KEY = 'invocables.console.signIn';
/** Refresh this long before the access token expires, so that no request leaves with one about to lapse. */
const EARLY_MS = 30_000;

const { clientId, authorize, token, revoke, scope, redirectPath } = document.body.dataset;
/** The console's own address: where the sign-in page sends the browser back with a code. */
const redirectUri = new URL(redirectPath, location.origin).href;

/** A sign-in that could not finish: the console says why and offers to start again. */
export class SignInError extends Error {}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** @returns {{ access: string, refresh?: string, expiresAt: number } | null} */
function stored() {
  return JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? 'null');
}

function keep(answer) {
  const refresh = answer.refresh_token ?? stored()?.refresh;
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify({ access: answer.access_token, refresh, expiresAt: Date.now() + answer.expires_in * 1000 }));
}

function forget() {
  sessionStorage.removeItem(TOKENS_KEY);
}

function postForm(url, fields) {
  return fetch(url, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields),
  });
}

/** Sends the browser to the sign-in page, to come back to the view open now. Never resolves: the page is leaving. */
export async function signIn() {
  // WebCrypto's digest exists in secure contexts only: HTTPS, or localhost.
  if (crypto.subtle === undefined) throw new SignInError('The console signs in over HTTPS (or at localhost) only: open it at such an address.');
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const url = new URL(authorize, location.origin);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
  return new Promise(() => {});
}

/**
 * Back from the sign-in page (a `code` or an `error` in the address): checks the state this tab sent, then trades
 * the code and its PKCE verifier for tokens. The address is cleaned first, so a reload never replays the code.
 * @returns {Promise<boolean>} whether the address held such an answer
 */
async function finishSignIn() {
  const answer = new URLSearchParams(location.search);
  if (!answer.has('code') && !answer.has('error')) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null');
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? ''}`);
  if (pending === null || answer.get('state') !== pending.state) throw new SignInError('This sign-in was not started from this tab.');
  if (answer.has('error')) throw new SignInError(answer.get('error_description') ?? answer.get('error'));
  const response = await postForm(token, {
    grant_type: 'authorization_code',
    code: answer.get('code'),
    redirect_uri: redirectUri,
    code_verifier: pending.verifier,
    client_id: clientId,
  });
  const body = await response.json();
  if (!response.ok) throw new SignInError(body.error_description ?? body.error ?? `The service answered ${response.status}`);
  keep(body);
  return true;
}

/** Finishes a sign-in come back to this page, or starts one when this tab holds no tokens. */
export async function signedIn() {
  if (!(await finishSignIn()) && stored() === null) await signIn();
}

let refreshing;

/**
 * New tokens for the refresh token; false (and the tokens forgotten) when the service refuses it. One refresh at a
 * time: the service rotates refresh tokens, and a second use of the old one would be refused.
 */
function refresh() {
  refreshing ??= (async () => {
    try {
      const refreshToken = stored()?.refresh;
      if (refreshToken === undefined) return false;
      const response = await postForm(token, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
      if (!response.ok) {
        forget();
        return false;
      }
      keep(await response.json());
      return true;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

/**
 * The request with the token, and without the browser's own credentials: a fetch that may send them is one the
 * browser answers a 401's Basic challenge for with its login prompt (Fetch standard), which the console never wants.
 */
function withBearer(init, access) {
  return { ...init, credentials: 'omit', headers: { ...init.headers, Authorization: `Bearer ${access}` } };
}

/**
 * `fetch` with the access token, refreshed first when about to expire. A 401 refreshes it once (unless another
 * request just did) and tries again; when no token is left to try, the browser goes to the sign-in page.
 */
export async function authorizedFetch(url, init = {}) {
  if (stored() !== null && stored().expiresAt - EARLY_MS <= Date.now()) await refresh();
  const sent = stored()?.access;
  if (sent === undefined) return signIn();
  const response = await fetch(url, withBearer(init, sent));
  if (response.status !== 401) return response;
  if (stored()?.access === sent && !(await refresh())) return signIn();
  const again = stored()?.access;
  if (again === undefined) return signIn();
  const retried = await fetch(url, withBearer(init, again));
  return retried.status === 401 ? signIn() : retried;
}

/** Revokes the refresh token (and with it every token of this sign-in), forgets the tokens, and asks for sign-in. */
export async function signOut() {
  const tokens = stored();
  forget();
  if (tokens?.refresh !== undefined) {
    // Forgotten whatever the answer: a service that cannot be reached now has still lost this tab's tokens.
    await postForm(revoke, { token: tokens.refresh, token_type_hint: 'refresh_token', client_id: clientId }).catch(() => undefined);
  }
  await signIn();
}
