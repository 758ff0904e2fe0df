/**
 * The console's one server-rendered page: a shell that names the signed-in user and the tenants they may act in
 * (which no API answers; a JSON list, since a tenant id may hold any character), and loads the console's script,
 * which draws every view from the service's own JSON API. Everything shown is escaped; scripts and styles are
 * files, as helmet's Content-Security-Policy asks.
 */
import type { Caller } from '../../domain/access.js';
import { escapeHtml } from '../html.js';

export function consolePage(caller: Caller, assetsPath: string): string {
  const assets = escapeHtml(assetsPath);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Invocables console</title><link rel="stylesheet" href="${assets}/console.css">
<script type="module" src="${assets}/app.js"></script></head>
<body data-user="${escapeHtml(caller.user)}" data-tenant="${escapeHtml(caller.tenant)}" data-tenants="${escapeHtml(JSON.stringify(caller.tenants))}">
<header><a class="brand" href="#/runs">Invocables</a>
<nav><a href="#/definitions">Definitions</a><a href="#/runs">Runs</a><a href="#/schedules">Schedules</a><a href="#/plugins">Plugins</a></nav>
<label class="tenant">Tenant <select id="tenant"></select></label><span class="user">${escapeHtml(caller.user)}</span></header>
<main id="view"><p>Loading…</p></main>
<noscript>The console needs JavaScript; the API under /cspace-services works without it.</noscript>
</body></html>`;
}
