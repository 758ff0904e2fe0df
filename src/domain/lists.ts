/** Questions about lists a client sent, answered in one pass whatever their length. */

/** Each value that occurs more than once, once, in order of its second occurrence. */
export function repeatedValues(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated];
}
