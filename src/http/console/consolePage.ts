/**
 * The console's one server-rendered page: a shell that says where the console signs in (the authorization server's
 * endpoints and the console's client id) and loads the console's script, which signs in, then draws every view from
 * the service's own JSON API. Served before sign-in, it names no user. Everything shown is escaped; scripts and
 * styles are files, as helmet's Content-Security-Policy asks.
 */
import { escapeHtml } from '../html.js';

/** Where and as whom the console signs in. */
export interface ConsoleSignIn {
  clientId: string;
  /** The console's own path, its redirect URI at the origin it is opened by. */
  redirectPath: string;
  scope: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
}

export function consolePage(assetsPath: string, signIn: ConsoleSignIn): string {
  const assets = escapeHtml(assetsPath);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Invocables console</title><link rel="stylesheet" href="${assets}/console.css">
<script type="module" src="${assets}/app.js"></script></head>
<body data-client-id="${escapeHtml(signIn.clientId)}" data-redirect-path="${escapeHtml(signIn.redirectPath)}" data-scope="${escapeHtml(signIn.scope)}" data-authorize="${escapeHtml(signIn.authorizeUrl)}" data-token="${escapeHtml(signIn.tokenUrl)}" data-revoke="${escapeHtml(signIn.revokeUrl)}">
<header><a class="brand" href="#/runs">Invocables</a>
<nav><a href="#/definitions">Definitions</a><a href="#/runs">Runs</a><a href="#/schedules">Schedules</a><a href="#/plugins">Plugins</a></nav>
<label class="tenant" hidden>Tenant <select id="tenant"></select></label><span class="user"></span>
<button type="button" id="sign-out" hidden>Sign out</button></header>
<main id="view"><p>Signing in…</p></main>
<noscript>The console needs JavaScript; the API under /cspace-services works without it.</noscript>
</body></html>`;
}
