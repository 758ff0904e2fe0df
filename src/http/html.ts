/** Helpers for the few pages the service renders itself (the OAuth sign-in page, the console's shell). */

/** `value` safe inside HTML text and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
