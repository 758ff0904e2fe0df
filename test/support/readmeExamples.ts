/**
 * The README's shell examples as one script, in the order a reader meets them, so that a test can run them against
 * a real service exactly as written. A block preceded by `<!-- not run: why -->` is left out, and the reason is
 * reported: every other `sh` block must run.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './testService.js';

export interface ShellExample {
  /** The README line of the block's opening fence (1-based). */
  line: number;
  text: string;
  /** Why the block is not run, when it is marked so. */
  notRun?: string;
}

const NOT_RUN = /^<!--\s*not run:\s*(.+?)\s*-->$/;

/** Every fenced `sh` block of `markdown`, each with the reason it is not run when it is marked so. */
export function shellExamples(markdown: string): ShellExample[] {
  const lines = markdown.split('\n');
  const examples: ShellExample[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i] !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README line ${i + 1}: a sh block is never closed`);
    let previous = i - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous -= 1;
    const notRun = NOT_RUN.exec(lines[previous]?.trim() ?? '')?.[1];
    examples.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n'), ...(notRun !== undefined && { notRun }) });
    i = end;
  }
  return examples;
}

export async function readmeShellExamples(): Promise<ShellExample[]> {
  return shellExamples(await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8'));
}

/**
 * One bash script running `examples` in order: it stops at the first command that fails, and a `curl` that gets
 * an HTTP error fails (`--fail-with-body`, so the service's answer is still shown). Each block first says which
 * README line it starts at, so that a failure points at the example.
 */
export function walkthroughScript(examples: ShellExample[]): string {
  const blocks = examples.map((example) => `echo "### README line ${example.line}" >&2\n${example.text}`);
  return ['set -euo pipefail', 'curl() { command curl --fail-with-body "$@"; }', ...blocks, ''].join('\n\n');
}
