/** Starting the region's binaries as child processes and stopping them all together. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const children: ChildProcess[] = [];

/**
 * Starts `dist/<script>` and resolves once it prints its listening line. `env`: added to ours
 * (secrets stay out of argv). `nodeFlags`: node's own, before the script (the edge's semi-spaces).
 */
export function startBinary(name: string, script: string, args: string[], env: Record<string, string> = {}, nodeFlags: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeFlags, join(dist, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk.toString()}`));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening')) {
        child.stdout?.off('data', onData);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${String(code)} before listening`)));
  });
}

export function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
