import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface Started {
  pid: number;
  exitCode: Promise<number | null>;
  output: () => string;
  kill: (signal: NodeJS.Signals) => void;
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
}

/**
 * Runs the built service as `npm start` does, with only the given environment. `detached`: in a
 * process group of its own, as a shell starts a command, so that `killGroup` reaches it and all it
 * started, as Ctrl-C in a terminal does.
 */
export function run(env: Record<string, string>, { detached = false } = {}): Started {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH!, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    listeners.forEach((listener) => listener());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exitCode = once(child, 'exit').then(([code]) => code as number | null);
  return {
    pid: child.pid!,
    exitCode,
    output: () => output,
    kill: (signal) => child.kill(signal),
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            listeners.delete(check);
            resolve(match);
          }
        };
        listeners.add(check);
        check();
        void exitCode.then(() => reject(new Error(`exited before ${pattern}:\n${output}`)));
      }),
  };
}

/** Whether a process runs (a zombie, exited but not yet reaped, counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The pid of the redis-server listening on 127.0.0.1:`port` (it names its address in its title). */
export function redisServerPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.startsWith('redis-server') && cmdline.includes(`127.0.0.1:${port}`)) {
        return Number(entry);
      }
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Sends `signal` to a process, or to its process group when `pid` is negative; gone is fine. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export { freePort } from '../src/redis/embedded-redis.js';
