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
  ) {}

  /**
   * `port` defaults to a free one; `extraArgs` follow the defaults and so override them (tests use
   * them to keep an append-only file across a restart).
   */
  static async start(
    { port, extraArgs = [] }: { port?: number; extraArgs?: string[] } = {},
    binary = 'redis-server',
  ): Promise<EmbeddedRedis> {
    port ??= await freePort();
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
      { stdio: 'ignore' },
    );
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(
          new Error(
            `REDIS_URL is unset and ${binary} could not be started (${error.message}); install Redis or set REDIS_URL`,
          ),
        ),
      );
    });
    await spawned;
    process.once('exit', () => child.kill('SIGTERM')); // never outlive the service, however it ends
    const redis = new EmbeddedRedis(child, `redis://127.0.0.1:${port}`);
    await redis.waitUntilReady();
    return redis;
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

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
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
