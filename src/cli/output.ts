/**
 * What the command line prints on stdout: lines for people, or with `--json` one JSON document per line for
 * programs (the API's own documents, unwrapped from their root element, every value a string as the API sends it).
 */
import { asList } from './apiClient.js';

export class Output {
  constructor(readonly json: boolean) {}

  /** `lines` for people, or `value` as one JSON line. */
  print(lines: () => string[], value: unknown): void {
    process.stdout.write(this.json ? `${JSON.stringify(value)}\n` : lines().map((line) => `${line}\n`).join(''));
  }
}

/** Columns padded to their widest cell, the last one left as it is. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd());
}

/** A run document (`ns2:run`) for people: status, counts, results, failed items. */
export function runLines(run: any): string[] {
  const lines = [
    `Run ${run.id} ${run.status}`,
    ...(run.statusText ? [`  ${run.statusText}`] : []),
    `  job: ${run.definitionName} (${run.definitionCsid})`,
    `  items: ${run.noOfItemsProcessed} of ${run.noOfItemsPosted} processed, ${run.noOfItemsFailed} failed, ` +
      `${run.noOfItemsAffected} affected, ${run.noOfItemsCancelled} cancelled (${run.percentCompleted}%)`,
  ];
  const results = run.invocationResults;
  if (results !== undefined) {
    lines.push(`  results: ${[results.userNote, `(numAffected ${results.numAffected})`].filter((part) => part !== undefined).join(' ')}`);
    if (results.primaryURICreated !== undefined) lines.push(`  created: ${results.primaryURICreated}`);
  }
  if (run.resultsLink !== undefined) lines.push(`  results: ${run.resultsLink} (${run.resultsSize} bytes)`);
  for (const { csid, message } of asList<{ csid: string; message: string }>(run.jobItemErrors?.itemError)) {
    lines.push(`  failed ${csid}: ${message}`);
  }
  return lines;
}
