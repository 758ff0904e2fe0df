import path from 'node:path';

/** The URL of a thread module of this folder: `.ts` under tsx (tests, benchmarks), `.js` once compiled. */
export function threadModule(name: string): string {
  return new URL(`./${name}${path.extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
}
