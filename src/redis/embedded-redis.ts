import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * A throwaway redis-server for local use when REDIS_URL is unset: the machine's own binary on a
 * free loopback port, keeping nothing on disk, stopped with the service.
 */
export class EmbeddedRedis {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly port: number,
  ) {}

  /**
   * `port` defaults to a free one; `extraArgs` follow the defaults and so override them (tests use
   * them to keep an append-only file across a restart).
   */
  static async start(
    { port, extraArgs = [] }: { port?: number; extraArgs?: string[] } = {},
    binary = 'redis-server',
  ): Promise<EmbeddedRedis> {
    if (port === undefined) port = await freePort();
    else await ensureFree(port);
    // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and the
    // server must outlive the service's shutdown, which still needs it; the service stops it last.
    const child = spawn(
      binary,
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        ...extraArgs,
      ],
      { stdio: 'ignore', detached: true },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new EmbeddedRedisError(
            error.code === 'ENOENT'
              ? `REDIS_URL is unset and ${binary} is not on PATH: install Redis (such as apt-get install redis-server) or set REDIS_URL to a running Redis`
              : `REDIS_URL is unset and ${binary} could not be started (${error.message}): install Redis or set REDIS_URL to a running Redis`,
          ),
        ),
      );
    });
    const redis = new EmbeddedRedis(child, `redis://127.0.0.1:${port}`, port);
    // Never outlive the service, however it ends (a crash, process.exit, a forced second Ctrl-C);
    // a detached child is not taken down with its parent's group.
    process.once('exit', redis.killOnExit);
    try {
      await redis.waitUntilReady();
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  private readonly killOnExit = () => {
    this.child.kill('SIGTERM');
  };

  /** The server's process id. */
  get pid(): number {
    return this.child.pid!;
  }

  private async waitUntilReady(): Promise<void> {
    const client = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {}); // refusals are expected until the server is up
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        if (this.exited()) {
          throw new EmbeddedRedisError(
            `The embedded redis-server on port ${this.port} stopped at start (is the port in use?): set EMBEDDED_REDIS_PORT to a free port, or unset it for any free port`,
          );
        }
        try {
          await client.connect();
          await client.ping();
          return;
        } catch {
          client.disconnect();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      throw new Error(`embedded redis-server did not answer on ${this.url}`);
    } finally {
      client.disconnect();
    }
  }

  private exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Stops the server (by its pid) and waits until it has exited. */
  async stop(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (this.exited()) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Why the embedded Redis could not start, in one line that says what to do. */
export class EmbeddedRedisError extends Error {}

/** Fails with one line when something listens on 127.0.0.1:`port` already. */
async function ensureFree(port: number): Promise<void> {
  if (!(await canListen(port, '127.0.0.1'))) {
    throw new EmbeddedRedisError(
      `Port ${port} is in use: stop what listens there or set EMBEDDED_REDIS_PORT to a free port (or unset it for any free port)`,
    );
  }
}

/** Whether a server could listen on `port` (on `host`, or on every address) now. */
export async function canListen(port: number, host?: string): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host }, resolve);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
    throw error;
  }
  await new Promise((resolve) => server.close(resolve));
  return true;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
