/**
 * The sign-in page of the OAuth authorization code flow: a plain HTML form, no script. Every value shown is
 * escaped; the page's own Content-Security-Policy allows only its inline style and posting the form here, from
 * where the authorization server sends the browser on to the client's redirect URI (`form-action` covers the
 * redirects that follow a form post, so those origins are listed too).
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from '../html.js';

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}' +
  'label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1.2rem}.problem{color:#a00}';
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export interface LoginPageView {
  /** Where the form posts (this page's own path). */
  action: string;
  /** The username typed before, kept after a refusal. */
  username?: string;
  /** Why the last attempt was refused. */
  problem?: string;
}

export function loginPage(view: LoginPageView): string {
  const problem = view.problem === undefined ? '' : `<p class="problem" role="alert">${escapeHtml(view.problem)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in</title><style>${STYLE}</style></head>
<body><h1>Sign in</h1>${problem}
<form method="post" action="${escapeHtml(view.action)}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required value="${escapeHtml(view.username ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></body></html>`;
}

/** The page's policy: nothing but its style, and its form posted here then redirected to one of `redirectOrigins`. */
export function loginPagePolicy(redirectOrigins: Iterable<string>): string {
  return [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    `form-action 'self' ${[...redirectOrigins].join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
