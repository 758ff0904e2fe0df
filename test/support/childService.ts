/**
 * The real service as a child process (`node --import tsx src/main.ts`), for tests that kill it or run several
 * processes on one store. Resolves once the service logs that it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { REPO_ROOT } from './testService.js';

export interface ChildService {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

export function startChildService(env: NodeJS.ProcessEnv): Promise<ChildService> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        const match = /"url":"(http:\/\/[^"]+)".*invocables listening/.exec(line);
        if (match?.[1] !== undefined) resolve({ child, url: match[1], exited });
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    exited.then(() => reject(new Error(`service exited before listening: ${stderr}`)), reject);
  });
}
