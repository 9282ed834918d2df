/**
 * `npm run bench`: throughput, latency, HTTP and memory of the coupon service against one Redis
 * (127.0.0.1:6379), in one run that builds what it needs (tsc -p tsconfig.bench.json).
 *
 * How to read it. Every figure is the median of its repeats, with the spread (min–max) beside it;
 * contenders alternate, so a slow spell of the machine hits all of them alike. Sections:
 *   (a) bare BullMQ Worker, no-op processor: jobs/s draining N pre-enqueued jobs (paused queue,
 *       resumed at t=0, clock stops at the N-th finished job), at concurrency 1 and at its best.
 *   (b)/(c) the service as `npm start` runs it (AppModule, ROLE=all) with STORE=memory and
 *       STORE=redis, same jobs, same job options, drained the same way; at concurrency 1, at the
 *       store's default WORKER_CONCURRENCY, and at its best. Each contender's best comes from a
 *       one-shot sweep (4, 8, 16, 32; BENCH_SWEEP) and is then measured afresh BENCH_REPEATS times
 *       (picking the best of noisy samples would flatter it). Targets: each store at concurrency 1
 *       against the bare worker at 1, and each store at its best against the bare worker at its
 *       best. Each drain also gives the CPU time per job of the worker's process and of Redis
 *       (INFO cpu), which say where a ratio comes from. "caps" is ✓ when the accepted decisions
 *       (job return values) and the store's global usage both equal the number the limits allow
 *       (computed from the job list), and no job failed; any ✗ fails the run.
 *   (d) enqueue-to-decision latency (job.finishedOn - job.timestamp, read from Redis after the
 *       run) at 1,000 redemptions/s for 10 s, produced by this process on an absolute schedule,
 *       each contender at its default concurrency (the bare worker at BullMQ's 1); target: p99 at
 *       most 1.5 times the bare worker's.
 *   (e) autocannon, 64 connections, for each store: GET /bench/bare (a bench-only route in the
 *       same app, same pipeline and guard), GET /coupons/:code/validate and POST /redemptions
 *       (distinct orders), with the service's CPU time per request. Targets: validate against the
 *       bare route, and POST /redemptions against the drain of (b)/(c) at the default concurrency.
 *   (f) bytes per (coupon, user) usage record with 1,000,000 records, and the daily reset time.
 *   (g) a guessing bot: BENCH_GUESSES (1,000,000) redeem jobs with distinct random unknown codes
 *       and users through the service (ROLE=all, concurrency 32) on a private redis-server per
 *       store: Redis used_memory and V8 heap growth, and readiness throughout.
 *   (h) Redis Cluster: the redis-store drain of (c) on a private 3-master cluster (1 replica each,
 *       started and stopped by this run) against the bench's Redis, alternating: single Redis with
 *       1 partition, cluster with 1 and with 3 partitions (QUEUE_PARTITIONS; jobs spread by
 *       partitionOf), at (c)'s best concurrency (8 when (c) did not run). Jobs go round-robin over
 *       three coupons whose hash tags live on the three masters; caps checked per coupon as in (c).
 *       Ratios to the single Redis are what to read: the cluster's nodes share this machine.
 *   (i) unique codes: the redis-store drain of (c) with each job redeeming a single-use unique
 *       code of its own against the same jobs on the plain code, alternating (ratio, target >=
 *       0.9); over HTTP, creating a batch of 10,000,000 codes and exporting 1,000,000 as CSV
 *       (target <= 5 s); and the Redis memory of a coupon with 10,000,000 codes of which
 *       BENCH_USED_CODES (100,000) were used (MEMORY USAGE of its keys; target <= 64 bytes per
 *       used code).
 *   (j) statistics: the drain of (b) at concurrency 1 and of (c) at its best concurrency with
 *       STATS_RETENTION_DAYS=400 (the default) against 0 (off), alternating (ratio, target >= 0.97).
 * Ratios are of medians; their min–max is the widest the samples allow (min/max, max/min).
 * Targets are printed beside the figures (PASS/MISS); a MISS does not fail the run, a cap does.
 *
 * Each worker, the HTTP app and the memory probe run in child processes of their own (forked,
 * reporting over IPC): this process enqueues, produces and runs autocannon meanwhile, and must
 * not take CPU or event-loop time from the process measured; each contender also starts from a
 * fresh heap and JIT, so one contender's garbage or warm caches never count for the next.
 *
 * Knobs: BENCH_JOBS (N, default 20000), BENCH_REPEATS (3), BENCH_ONLY=a,b,c,d,e,f,g,h,i,j,
 * BENCH_SWEEP (4,8,16,32; empty: no sweep), BENCH_RECORDS (1000000), BENCH_GUESSES (1000000),
 * BENCH_HTTP_SECONDS (5), BENCH_PROFILE=1 (one more drain per contender of (a)(b)(c) at
 * concurrency 1 and at its best, and the HTTP process of (e), CPU-profiled into bench/profiles/;
 * BENCH_ONLY=p: those drains alone).
 * Results also go to bench/results.json. All keys live under a random prefix bench-<hex>-* and
 * are deleted at the end, on failure and on Ctrl-C; the cluster of (h) is stopped (its
 * redis-server pids killed) then too.
 */
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  clusterQueuePrefix,
  hashSlot,
  parseClusterNodes,
  partitionOf,
  partitionPrefixes,
} from '@coupon-code-service/client/contract';
import { defaultWorkerConcurrency } from '../src/config/app-config.js';
import { REDEMPTION_QUEUE } from '../src/redemptions/redemption.contract.js';
import type { LocalCluster } from '../test/local-cluster.mjs';
import {
  couponLimits,
  deleteClusterKeys,
  deleteKeys,
  expectedAccepted,
  expectedAcceptedByCoupon,
  jobs,
  limitsFor,
  REDIS_URL,
  TOKEN,
  USERS,
  userId,
  uniqueCodeOf,
  type ChildMessage,
} from './common.js';
import { EmbeddedRedis } from '../src/redis/embedded-redis.js';
import type { GuessSpec } from './guess-child.js';
import type { HttpSpec } from './http-child.js';
import type { WorkerSpec } from './worker-child.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const N = Number(process.env.BENCH_JOBS ?? 20_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const GUESSES = Number(process.env.BENCH_GUESSES ?? 1_000_000);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const HTTP_CONNECTIONS = 64;
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? 'a,b,c,d,e,f,g,h,i,j').split(',').map((s) => s.trim()),
);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** The concurrencies tried for each contender's best (BENCH_SWEEP=4,8,16,32; "" skips the sweep). */
const SWEEP = (process.env.BENCH_SWEEP ?? '4,8,16,32')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map(Number);
/** The sweep only picks each store's best concurrency, which is then measured with N jobs. */
const SWEEP_JOBS = Math.max(1000, Math.round(N / 4));
const LATENCY_RATE = 1000;
const LATENCY_SECONDS = 10;
const BASE = `bench-${randomBytes(4).toString('hex')}`;

if (!(N >= 1000) || !(REPEATS >= 1)) throw new Error('BENCH_JOBS >= 1000 and BENCH_REPEATS >= 1');

// ---------------------------------------------------------------------------------------------
// Child processes

const children = new Set<ChildProcess>();

class Child {
  private readonly proc: ChildProcess;
  private readonly inbox: ChildMessage[] = [];
  private waiter?: () => void;
  private exited = false;

  constructor(
    script: string,
    spec: object,
    execArgv: string[] = [],
    stdout: 'inherit' | 'ignore' = 'inherit',
  ) {
    this.proc = fork(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(spec)], {
      execArgv,
      stdio: ['ignore', stdout, 'inherit', 'ipc'],
    });
    children.add(this.proc);
    this.proc.on('message', (message: ChildMessage) => {
      this.inbox.push(message);
      this.waiter?.();
    });
    this.proc.on('exit', () => {
      this.exited = true;
      children.delete(this.proc);
      this.waiter?.();
    });
  }

  /** The next message of this type; rejects on a child error, an early exit or the timeout. */
  async next(type: 'ready' | 'result', timeoutMs: number): Promise<ChildMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.inbox.shift();
      if (message?.type === 'error') throw new Error(`child failed: ${message.message}`);
      if (message?.type === type) return message;
      if (message) continue;
      if (this.exited) throw new Error(`child exited before sending "${type}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${type}" from child within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  async result<T>(timeoutMs: number): Promise<T> {
    const message = await this.next('result', timeoutMs);
    return (message as { result: T }).result;
  }

  send(message: object): void {
    this.proc.send(message);
  }

  /** Waits up to 15 s for the child to exit by itself, then kills it. */
  async end(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!this.exited && Date.now() < deadline) await sleep(20);
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

/** CPU time Redis has used so far (INFO cpu: used_cpu_user + used_cpu_sys), in µs. */
async function redisCpuUs(): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)![1]);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
  } finally {
    redis.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Statistics and the table

interface Row {
  section: string;
  contender: string;
  metric: string;
  samples: number[];
  unit: string;
  target?: { label: string; pass: boolean };
  caps?: boolean;
  note?: string;
  /** For ratios: the widest spread the samples allow (min over max, max over min). */
  spread?: [number, number];
}

const rows: Row[] = [];
const raw: Record<string, unknown[]> = {};
const capFailures: string[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/**
 * How far a row's median is from its target, as a share of the target: positive on the good
 * side (a PASS with room), negative on the bad side (how much a MISS misses by).
 */
function margin(row: Row): number | undefined {
  const match = /^([<>]=?) (-?[\d.]+)$/.exec(row.target?.label ?? '');
  if (!match) return undefined;
  const [, op, bound] = match;
  const share = median(row.samples) / Number(bound) - 1;
  return op!.startsWith('>') ? share : -share;
}

const signedPercent = (x: number) =>
  `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(Math.abs(x) < 0.1 ? 1 : 0)}%`;

function printTable(): string {
  const header = [
    'sec',
    'contender',
    'metric',
    'median',
    'min–max',
    'n',
    'target',
    'result',
    'margin',
    'caps',
  ];
  const lines = rows.map((row) => [
    row.section,
    row.contender,
    `${row.metric} (${row.unit})`,
    fmt(median(row.samples)),
    row.spread
      ? `${fmt(row.spread[0])}–${fmt(row.spread[1])}`
      : row.samples.length > 1
        ? `${fmt(Math.min(...row.samples))}–${fmt(Math.max(...row.samples))}`
        : '',
    row.spread ? '' : String(row.samples.length),
    row.target?.label ?? '',
    row.target ? (row.target.pass ? 'PASS' : 'MISS') : '',
    margin(row) === undefined ? '' : signedPercent(margin(row)!),
    row.caps === undefined ? '' : row.caps ? '✓' : '✗',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) =>
    cells.map((cell, i) =>
      (i >= 3 && i <= 5) || i === 8 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]),
    );
  const out = [
    render(header).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...lines.map((l) => render(l).join('  ')),
  ];
  const notes = rows.filter((row) => row.note).map((row) => `  ${row.contender}: ${row.note}`);
  return [...out, ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}

const ratioRow = (
  section: string,
  contender: string,
  a: number[],
  b: number[],
  target: number | undefined,
  metric = '× (a) c=1',
  /** 'at most' where lower is better (a latency over the bare worker's). */
  bound: 'at least' | 'at most' = 'at least',
): Row => {
  const ratio = median(b) / median(a);
  return {
    section,
    contender,
    metric,
    samples: [ratio],
    unit: 'ratio',
    spread: [Math.min(...b) / Math.max(...a), Math.max(...b) / Math.min(...a)],
    ...(target !== undefined && {
      target: {
        label: `${bound === 'at least' ? '>=' : '<='} ${target}`,
        pass: bound === 'at least' ? ratio >= target : ratio <= target,
      },
    }),
  };
};

// ---------------------------------------------------------------------------------------------
// (a)(b)(c) drains

type Kind = 'bare' | 'memory' | 'redis';
let trialSeq = 0;

interface DrainResult {
  ms: number;
  jobsPerSecond: number;
  /** CPU time (user + system) per job of the worker's process, and of Redis (single Redis only). */
  cpuUsPerJob: number;
  redisCpuUsPerJob?: number;
  finished: number;
  accepted: number;
  globalUsed?: number;
  acceptedByCode?: Record<string, number>;
  globalUsedByCode?: Record<string, number>;
  reasons: Record<string, number>;
  failedAttempts: number;
  failedFinal: number;
  capsExact?: boolean;
  /** On a cluster: the master port serving each partition's queue. */
  partitionMasters?: string[];
}

function label(kind: Kind, concurrency: number) {
  return kind === 'bare' ? `bare BullMQ c=${concurrency}` : `service ${kind} c=${concurrency}`;
}

/** Where a drain runs: the bench's Redis, or the local cluster of section (h). */
interface DrainTarget {
  /** Seed nodes of the cluster; unset: REDIS_URL. */
  clusterNodes?: string;
  partitions?: number;
  /** The contender's name in the log and in capFailures (default: label(kind, concurrency)). */
  name?: string;
}

async function drain(
  kind: Kind,
  concurrency: number,
  {
    profile,
    n = N,
    codes = ['BENCH-DRAIN'],
    target = {},
    uniqueCodes = false,
    statsRetentionDays,
  }: {
    /** Profile the drain into bench/profiles/<profile>.cpuprofile. */
    profile?: string;
    n?: number;
    codes?: string[];
    target?: DrainTarget;
    /** Each job redeems its own single-use unique code of its coupon (uniqueCodeOf). */
    uniqueCodes?: boolean;
    /** The service's STATS_RETENTION_DAYS (default 400; 0: statistics off). */
    statsRetentionDays?: number;
  } = {},
): Promise<DrainResult> {
  const id = ++trialSeq;
  const { clusterNodes, partitions = 1 } = target;
  const name = target.name ?? label(kind, concurrency);
  // On a cluster every queue needs its keys in one slot, as the service's config makes it.
  const queuePrefix = clusterNodes ? clusterQueuePrefix(`${BASE}-q${id}`) : `${BASE}-q${id}`;
  const storePrefix = `${BASE}-s${id}`;
  const producer = clusterNodes ? new Cluster(parseClusterNodes(clusterNodes)) : undefined;
  const queues = partitionPrefixes(queuePrefix, partitions).map(
    (prefix) => new Queue(REDEMPTION_QUEUE, { connection: producer ?? { url: REDIS_URL }, prefix }),
  );
  try {
    await Promise.all(queues.map((queue) => queue.pause()));
    // The master port of each partition's slot, to show the partitions really are spread.
    const masters = producer
      ? partitionPrefixes(queuePrefix, partitions).map(
          (prefix) =>
            producer.slots[hashSlot(/\{([^}]+)\}/.exec(prefix)![1]!)]?.[0]?.split(':').pop() ?? '?',
        )
      : undefined;
    const spec: WorkerSpec = {
      kind: kind === 'bare' ? 'bare' : 'service',
      store: kind === 'redis' ? 'redis' : 'memory',
      concurrency,
      mode: 'drain',
      queuePrefix,
      storePrefix,
      codes,
      n,
      timeoutMs: 240_000,
      clusterNodes,
      partitions,
      uniqueCodes,
      statsRetentionDays,
      ...(profile && { profileFile: `${ROOT}bench/profiles/${profile}.cpuprofile` }),
    };
    const child = new Child('./worker-child.js', spec);
    try {
      for (let from = 0; from < n; from += 1000) {
        const batch = jobs(
          codes,
          `o${id}`,
          from,
          Math.min(n, from + 1000),
          uniqueCodes ? uniqueCodeOf : undefined,
        );
        // Each job to its partition, as the client and the REST API send it.
        await Promise.all(
          queues.map((queue, p) =>
            queue.addBulk(batch.filter((job) => partitionOf(job.opts.jobId!, partitions) === p)),
          ),
        );
      }
      await child.next('ready', 60_000);
      const redisCpu = clusterNodes ? undefined : await redisCpuUs();
      child.send({ type: 'go' });
      const result = await child.result<Omit<DrainResult, 'jobsPerSecond'>>(300_000);
      const drained: DrainResult = {
        ...result,
        jobsPerSecond: n / (result.ms / 1000),
        ...(redisCpu !== undefined && { redisCpuUsPerJob: ((await redisCpuUs()) - redisCpu) / n }),
      };
      await child.end();
      if (kind !== 'bare') {
        const expected = expectedAcceptedByCoupon(n, codes.length);
        const total = expected.reduce((a, b) => a + b, 0);
        drained.capsExact =
          result.finished === n &&
          result.failedFinal === 0 &&
          result.accepted === total &&
          result.globalUsed === total &&
          codes.every(
            (code, c) =>
              (result.acceptedByCode?.[code] ?? 0) === expected[c] &&
              result.globalUsedByCode?.[code] === expected[c],
          );
        if (!drained.capsExact)
          capFailures.push(
            `${name}: accepted ${result.accepted} ${JSON.stringify(result.acceptedByCode)}, ` +
              `store global usage ${result.globalUsed} ${JSON.stringify(result.globalUsedByCode)}, ` +
              `expected ${total} ${JSON.stringify(expected)}, failed ${result.failedFinal}`,
          );
      } else if (result.finished !== n || result.failedFinal > 0) {
        throw new Error(`bare worker finished ${result.finished} of ${n}`);
      }
      if (masters) drained.partitionMasters = masters;
      (raw[`drain ${name}${n === N ? '' : ` n=${n}`}`] ??= []).push(drained);
      process.stdout.write(
        `  ${name.padEnd(24)} ${fmt(drained.jobsPerSecond).padStart(7)} jobs/s` +
          `  (${n === N ? '' : `${n} jobs, `}${fmt(result.ms)} ms${kind === 'bare' ? '' : `, accepted ${result.accepted}`}` +
          `, CPU per job ${Math.round(result.cpuUsPerJob)} µs` +
          `${drained.redisCpuUsPerJob === undefined ? '' : ` + Redis ${Math.round(drained.redisCpuUsPerJob)} µs`}` +
          `${masters ? `, queues on :${masters.join(' :')}` : ''}` +
          `${drained.capsExact === false ? ' CAP WRONG' : ''})\n`,
      );
      return drained;
    } finally {
      await child.end();
    }
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    await producer?.quit();
    if (clusterNodes) {
      for (const prefix of partitionPrefixes(queuePrefix, partitions))
        await deleteClusterKeys(clusterNodes, `${prefix}:*`);
      await deleteClusterKeys(clusterNodes, `${storePrefix}:*`);
    } else {
      await deleteKeys(`${queuePrefix}:*`);
      await deleteKeys(`${storePrefix}:*`);
    }
  }
}

/** Each contender's best concurrency, from the sweep of (a)(b)(c) (8 when the sweep did not run). */
const best: Record<Kind, number> = { bare: 8, memory: 8, redis: 8 };
/** WORKER_CONCURRENCY as `npm start` sets it for each store; BullMQ's own default for the bare worker. */
const defaults: Record<Kind, number> = {
  bare: 1,
  memory: defaultWorkerConcurrency('memory'),
  redis: defaultWorkerConcurrency('redis'),
};
/** Drain rates by `${kind}-${concurrency}`, for the ratios of later sections. */
const drainRates = new Map<string, number[]>();

async function throughput(): Promise<void> {
  const kinds: Kind[] = [
    ...(ONLY.has('a') ? (['bare'] as const) : []),
    ...(ONLY.has('b') ? (['memory'] as const) : []),
    ...(ONLY.has('c') ? (['redis'] as const) : []),
  ];
  if (kinds.length === 0) {
    // BENCH_ONLY=p: the profiles alone, at concurrency 1 and 8.
    if (PROFILE && ONLY.has('p')) await profiles(['bare', 'memory', 'redis']);
    return;
  }
  console.log(`\n(a)(b)(c) draining ${N.toLocaleString('en-US')} pre-enqueued jobs per run`);
  console.log(`  limits ${JSON.stringify(limitsFor(N))}: ${expectedAccepted(N)} accepted expected`);
  const samples = new Map<string, DrainResult[]>();
  const record = (key: string, result: DrainResult) =>
    samples.set(key, [...(samples.get(key) ?? []), result]);

  // Concurrency 1 and each store's default, alternating.
  for (let r = 0; r < REPEATS; r++)
    for (const kind of kinds)
      for (const concurrency of new Set([1, defaults[kind]]))
        record(`${kind}-${concurrency}`, await drain(kind, concurrency));
  // The sweep, once, picks each contender's best, which is then measured afresh, alternating
  // (picking the best of noisy samples would flatter it).
  if (SWEEP.length > 0) {
    console.log(
      `  sweep (once each, ${SWEEP_JOBS} jobs, only picks the best): ${SWEEP.join(', ')}`,
    );
    const sweep = new Map<string, number>();
    for (const concurrency of SWEEP)
      for (const kind of kinds)
        sweep.set(
          `${kind}-${concurrency}`,
          (await drain(kind, concurrency, { n: SWEEP_JOBS })).jobsPerSecond,
        );
    for (const kind of kinds)
      best[kind] = SWEEP.reduce((a, b) =>
        sweep.get(`${kind}-${b}`)! > sweep.get(`${kind}-${a}`)! ? b : a,
      );
    console.log(`  best: ${kinds.map((k) => `${k} c=${best[k]}`).join(', ')}; measuring afresh`);
    raw.sweep = [Object.fromEntries(sweep)];
    for (let r = 0; r < REPEATS; r++)
      for (const kind of kinds) record(`${kind}-${best[kind]}`, await drain(kind, best[kind]));
  }

  for (const [key, results] of samples)
    drainRates.set(
      key,
      results.map((s) => s.jobsPerSecond),
    );
  const jps = (kind: Kind, concurrency: number) => drainRates.get(`${kind}-${concurrency}`) ?? [];
  const caps = (kind: Kind, concurrency: number) =>
    samples.get(`${kind}-${concurrency}`)!.every((s) => s.capsExact);
  const section = { bare: 'a', memory: 'b', redis: 'c' } as const;
  const targets = { memory: 0.9, redis: 0.7 };
  for (const kind of kinds)
    for (const concurrency of new Set([1, defaults[kind], best[kind]])) {
      if (!samples.has(`${kind}-${concurrency}`)) continue;
      const notes = [
        ...(concurrency === defaults[kind] ? ['default'] : []),
        ...(concurrency === best[kind] ? ['best'] : []),
      ];
      rows.push({
        section: section[kind],
        contender: label(kind, concurrency),
        metric: 'drain',
        samples: jps(kind, concurrency),
        unit: 'jobs/s',
        ...(kind !== 'bare' && { caps: caps(kind, concurrency) }),
        ...(notes.length > 0 && { note: notes.join(', ') }),
      });
      // What each job costs: the explanation of a ratio (a worker at its limit, or Redis at its).
      const drains = samples.get(`${kind}-${concurrency}`)!;
      rows.push({
        section: section[kind],
        contender: label(kind, concurrency),
        metric: 'CPU per job, worker',
        samples: drains.map((s) => s.cpuUsPerJob),
        unit: 'µs',
      });
      rows.push({
        section: section[kind],
        contender: label(kind, concurrency),
        metric: 'CPU per job, Redis',
        samples: drains.map((s) => s.redisCpuUsPerJob!),
        unit: 'µs',
      });
    }
  for (const kind of kinds) {
    if (kind === 'bare' || !kinds.includes('bare')) continue;
    rows.push(ratioRow(section[kind], label(kind, 1), jps('bare', 1), jps(kind, 1), targets[kind]));
    if (SWEEP.length > 0)
      rows.push(
        ratioRow(
          section[kind],
          label(kind, best[kind]),
          jps('bare', best.bare),
          jps(kind, best[kind]),
          1.0,
          `× (a) best, c=${best.bare}`,
        ),
      );
  }

  if (PROFILE) await profiles(kinds);
}

/** One more drain per contender at concurrency 1 and at its best, CPU-profiled (not counted). */
async function profiles(kinds: Kind[]): Promise<void> {
  console.log('  BENCH_PROFILE=1: one more drain per contender, CPU-profiled (not counted)');
  mkdirSync(`${ROOT}bench/profiles`, { recursive: true });
  for (const kind of kinds)
    for (const concurrency of new Set([1, best[kind]]))
      await drain(kind, concurrency, { profile: `${kind}-c${concurrency}` });
  console.log(`  profiles written to ${ROOT}bench/profiles/`);
}

// ---------------------------------------------------------------------------------------------
// (d) latency at a fixed offered rate

interface LatencyResult {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  offeredPerSecond: number;
  maxProducerLagMs: number;
  capsExact: boolean;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function latencyRun(kind: Kind, concurrency: number): Promise<LatencyResult> {
  const id = ++trialSeq;
  const queuePrefix = `${BASE}-q${id}`;
  const storePrefix = `${BASE}-s${id}`;
  const code = 'BENCH-LATENCY';
  const n = LATENCY_RATE * LATENCY_SECONDS;
  // One job per millisecond, as orders arrive one by one; bursts would queue behind each other.
  const perTick = 1;
  const tickMs = (1000 * perTick) / LATENCY_RATE;
  const queue = new Queue(REDEMPTION_QUEUE, {
    connection: { url: REDIS_URL },
    prefix: queuePrefix,
  });
  const redis = new Redis(REDIS_URL);
  const spec: WorkerSpec = {
    kind: kind === 'bare' ? 'bare' : 'service',
    store: kind === 'bare' ? 'memory' : kind,
    concurrency,
    mode: 'serve',
    queuePrefix,
    storePrefix,
    codes: [code],
    n,
    timeoutMs: 120_000,
  };
  const child = new Child('./worker-child.js', spec);
  try {
    await queue.waitUntilReady();
    await child.next('ready', 60_000);
    await sleep(200);
    const adds: Promise<unknown>[] = [];
    const start = performance.now();
    let maxLag = 0;
    for (let tick = 0; tick * perTick < n; tick++) {
      const due = start + tick * tickMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      maxLag = Math.max(maxLag, performance.now() - due);
      adds.push(queue.addBulk(jobs(code, `l${id}`, tick * perTick, (tick + 1) * perTick)));
    }
    await Promise.all(adds);
    const offeredSeconds = (performance.now() - start) / 1000;
    const result = await child.result<DrainResult>(120_000);
    await child.end();

    const ids = jobs(code, `l${id}`, 0, n).map((job) => job.opts.jobId!);
    const pipeline = redis.pipeline();
    for (const jobId of ids) pipeline.hmget(queue.toKey(jobId), 'timestamp', 'finishedOn');
    const replies = (await pipeline.exec())!;
    const latencies = replies
      .map(([, fields]) => (fields as string[]).map(Number))
      .map(([timestamp, finishedOn]) => finishedOn - timestamp)
      .sort((a, b) => a - b);
    if (latencies.some((x) => !Number.isFinite(x))) throw new Error('a job has no finishedOn');
    const expected = expectedAccepted(n);
    const capsExact =
      result.finished === n &&
      result.failedFinal === 0 &&
      (kind === 'bare' || (result.accepted === expected && result.globalUsed === expected));
    if (!capsExact)
      capFailures.push(
        `latency ${label(kind, concurrency)}: accepted ${result.accepted}, store ${result.globalUsed}, expected ${expected}`,
      );
    const out: LatencyResult = {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1],
      offeredPerSecond: n / offeredSeconds,
      maxProducerLagMs: maxLag,
      capsExact,
    };
    (raw[`latency ${label(kind, concurrency)}`] ??= []).push(out);
    console.log(
      `  ${label(kind, concurrency)}`.padEnd(26) +
        ` p50 ${out.p50} p95 ${out.p95} p99 ${out.p99} max ${out.max} ms` +
        ` (offered ${fmt(out.offeredPerSecond)}/s, producer lag <= ${fmt(maxLag)} ms)`,
    );
    return out;
  } finally {
    await child.end();
    await queue.close();
    redis.disconnect();
    await deleteKeys(`${queuePrefix}:*`);
    await deleteKeys(`${storePrefix}:*`);
  }
}

async function latency(): Promise<void> {
  if (!ONLY.has('d')) return;
  console.log(`\n(d) enqueue-to-decision latency at ${LATENCY_RATE}/s for ${LATENCY_SECONDS} s`);
  // Each at its default concurrency (BullMQ's 1 for the bare worker), alternating.
  const kinds: Kind[] = ['bare', 'memory', 'redis'];
  const results = new Map<Kind, LatencyResult[]>();
  for (let r = 0; r < REPEATS; r++)
    for (const kind of kinds)
      results.set(kind, [...(results.get(kind) ?? []), await latencyRun(kind, defaults[kind])]);
  const p99s = (kind: Kind) => results.get(kind)!.map((s) => s.p99);
  for (const kind of kinds) {
    const samples = results.get(kind)!;
    for (const p of ['p50', 'p95', 'p99'] as const)
      rows.push({
        section: 'd',
        contender: label(kind, defaults[kind]),
        metric: `latency ${p}`,
        samples: samples.map((s) => s[p]),
        unit: 'ms',
        ...(p === 'p99' && kind !== 'bare' && { caps: samples.every((s) => s.capsExact) }),
      });
    if (kind === 'bare') continue;
    rows.push(
      ratioRow(
        'd',
        label(kind, defaults[kind]),
        p99s('bare'),
        p99s(kind),
        1.5,
        'p99 × bare p99',
        'at most',
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// (e) HTTP

async function http(): Promise<void> {
  if (!ONLY.has('e')) return;
  console.log(
    `\n(e) HTTP, autocannon ${HTTP_CONNECTIONS} connections, ${HTTP_SECONDS} s per run, ROLE=all, ` +
      'default settings but RATE_LIMIT_PER_MINUTE=0 (one client address), request logs to /dev/null',
  );
  for (const store of ['memory', 'redis'] as const) await httpRuns(store);
}

async function httpRuns(store: 'memory' | 'redis'): Promise<void> {
  const id = ++trialSeq;
  const queuePrefix = `${BASE}-q${id}`;
  const storePrefix = `${BASE}-s${id}`;
  const spec: HttpSpec = {
    store,
    queuePrefix,
    storePrefix,
    ...(PROFILE && { profileFile: `${ROOT}bench/profiles/http-${store}.cpuprofile` }),
  };
  if (PROFILE) mkdirSync(`${ROOT}bench/profiles`, { recursive: true });
  const child = new Child('./http-child.js', spec, [], 'ignore');
  try {
    const { port } = await child.result<{ port: number }>(60_000);
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: object) => {
      const response = await fetch(base + path, {
        method,
        headers,
        body: body && JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    };
    const code = 'BENCH-HTTP';
    const nextYear = `${new Date().getUTCFullYear() + 1}-12-31`;
    await call('POST', '/coupons', { code, discountPercentage: 10, expiresAt: nextYear });
    await call('PUT', `/coupons/${code}/repeat-counts`, {
      globalTotal: 1_000_000_000,
      userTotal: 1_000_000,
      userDaily: 1_000_000,
      userWeekly: 1_000_000,
    });
    for (let i = 0; i < USERS; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, USERS - i) }, (_, k) =>
          call('POST', '/users', {
            id: userId(i + k),
            name: `Bench user ${i + k}`,
            email: `${userId(i + k)}@bench.example`,
          }),
        ),
      );

    let counter = 0;
    const endpoints: Record<'bare' | 'validate' | 'redeem', autocannon.Request> = {
      bare: { method: 'GET', path: '/bench/bare' },
      validate: {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          path: `/coupons/${code}/validate?userId=${userId(counter++ % USERS)}`,
        }),
      },
      redeem: {
        method: 'POST',
        setupRequest: (req) => ({
          ...req,
          path: '/redemptions',
          body: JSON.stringify({
            couponCode: code,
            userId: userId(counter % USERS),
            orderId: `h${id}-${counter++}`,
          }),
        }),
      },
    };
    const labels = {
      bare: `${store}: GET /bench/bare`,
      validate: `${store}: GET /coupons/:code/validate`,
      redeem: `${store}: POST /redemptions`,
    };
    const usage = async () => {
      child.send({ type: 'usage' });
      return child.result<{ cpuUs: number; utilization: number }>(10_000);
    };
    const run = async (name: keyof typeof endpoints, seconds: number) => {
      await usage();
      const result = await autocannon({
        url: base,
        connections: HTTP_CONNECTIONS,
        duration: seconds,
        headers,
        requests: [endpoints[name]],
      });
      const bad = result.non2xx + result.errors + result.timeouts;
      if (bad > 0)
        throw new Error(
          `${labels[name]}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
        );
      const { cpuUs, utilization } = await usage();
      return {
        rps: result.requests.average,
        p99: result.latency.p99,
        total: result.requests.total,
        cpuUsPerRequest: cpuUs / result.requests.total,
        eventLoopUtilization: utilization,
      };
    };
    // Warm-up (not counted), then alternate.
    for (const name of Object.keys(endpoints) as (keyof typeof endpoints)[]) await run(name, 1);
    const samples: Record<string, Awaited<ReturnType<typeof run>>[]> = {};
    for (let r = 0; r < REPEATS; r++)
      for (const name of Object.keys(endpoints) as (keyof typeof endpoints)[]) {
        const result = await run(name, HTTP_SECONDS);
        (samples[name] ??= []).push(result);
        console.log(
          `  ${labels[name].padEnd(36)} ${fmt(result.rps).padStart(7)} req/s  p99 ${result.p99} ms` +
            `  (service CPU ${Math.round(result.cpuUsPerRequest)} µs per request, event loop ` +
            `${Math.round(100 * result.eventLoopUtilization)}% busy)`,
        );
      }
    raw[`http ${store}`] = [samples];
    for (const name of Object.keys(endpoints) as (keyof typeof endpoints)[]) {
      rows.push({
        section: 'e',
        contender: labels[name],
        metric: 'throughput',
        samples: samples[name].map((s) => s.rps),
        unit: 'req/s',
      });
      rows.push({
        section: 'e',
        contender: labels[name],
        metric: 'latency p99',
        samples: samples[name].map((s) => s.p99),
        unit: 'ms',
      });
      rows.push({
        section: 'e',
        contender: labels[name],
        metric: 'service CPU per request',
        samples: samples[name].map((s) => s.cpuUsPerRequest),
        unit: 'µs',
      });
    }
    rows.push(
      ratioRow(
        'e',
        labels.validate,
        samples.bare.map((s) => s.rps),
        samples.validate.map((s) => s.rps),
        0.9,
        '× bare req/s',
      ),
    );
    // The REST path against the queue it publishes to: the same store's drain at its default.
    const drained = drainRates.get(`${store}-${defaults[store]}`);
    if (drained)
      rows.push(
        ratioRow(
          'e',
          labels.redeem,
          drained,
          samples.redeem.map((s) => s.rps),
          0.8,
          `× drain c=${defaults[store]} (${store === 'memory' ? 'b' : 'c'})`,
        ),
      );
    child.send({ type: 'stop' });
    await child.end();
  } finally {
    await child.end();
    await deleteKeys(`${queuePrefix}:*`);
    await deleteKeys(`${storePrefix}:*`);
  }
}

// ---------------------------------------------------------------------------------------------
// (f) memory per usage record and the daily reset

interface MemoryResult {
  records: number;
  accepted: number;
  globalUsed: number;
  populateMs: number;
  bytesPerRecord: number;
  keyBytesPerRecord?: number;
  resetMs: number;
  freed: number;
}

async function memory(): Promise<void> {
  if (!ONLY.has('f')) return;
  console.log(`\n(f) ${RECORDS.toLocaleString('en-US')} usage records, then the daily reset`);
  for (const store of ['memory', 'redis'] as const) {
    const storePrefix = `${BASE}-s${++trialSeq}`;
    const child = new Child(
      './memory-child.js',
      { store, storePrefix, records: RECORDS, inFlight: 1000 },
      ['--expose-gc', '--max-old-space-size=4096'],
    );
    try {
      const result = await child.result<MemoryResult>(300_000);
      await child.end();
      raw[`memory ${store}`] = [result];
      const exact = result.accepted === RECORDS && result.globalUsed === RECORDS;
      if (!exact) capFailures.push(`memory ${store}: ${result.accepted} of ${RECORDS} accepted`);
      console.log(
        `  ${store} store: ${fmt(result.bytesPerRecord)} bytes/record` +
          (result.keyBytesPerRecord === undefined
            ? ''
            : ` (MEMORY USAGE of the keys: ${fmt(result.keyBytesPerRecord)})`) +
          `, populated in ${fmt(result.populateMs)} ms; reset ${fmt(result.resetMs)} ms freed ${result.freed}`,
      );
      const contender = `${store} store`;
      rows.push({
        section: 'f',
        contender,
        metric: store === 'memory' ? 'V8 heap per record' : 'used_memory per record',
        samples: [result.bytesPerRecord],
        unit: 'bytes',
        target: { label: '<= 200', pass: result.bytesPerRecord <= 200 },
        caps: exact,
        ...(result.keyBytesPerRecord !== undefined && {
          note: `MEMORY USAGE of the coupon's usage keys: ${fmt(result.keyBytesPerRecord)} bytes/record (immune to other clients of the shared Redis)`,
        }),
      });
      rows.push({
        section: 'f',
        contender,
        ...(store === 'memory' && {
          note: 'the memory reset drops its Maps; the garbage collector frees them later, off the clock',
        }),
        metric: `daily reset, ${result.freed.toLocaleString('en-US')} freed`,
        samples: [result.resetMs],
        unit: 'ms',
        target: { label: '<= 1000', pass: result.resetMs <= 1000 && result.freed === RECORDS },
      });
    } finally {
      await child.end();
      await deleteKeys(`${storePrefix}:*`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (g) a guessing bot

interface GuessResult {
  seconds: number;
  redisGrowthBytes: number;
  heapGrowthBytes: number;
  readyFailures: number;
  reasons: Record<string, number>;
  waiting: number;
}

async function guessing(): Promise<void> {
  if (!ONLY.has('g')) return;
  console.log(
    `\n(g) a guessing bot: ${GUESSES.toLocaleString('en-US')} jobs, distinct unknown codes and users`,
  );
  const MiB = 2 ** 20;
  for (const store of ['memory', 'redis'] as const) {
    const redis = await EmbeddedRedis.start();
    const spec: GuessSpec = { store, redisUrl: redis.url, n: GUESSES, concurrency: 32 };
    const child = new Child('./guess-child.js', spec, ['--expose-gc']);
    try {
      const result = await child.result<GuessResult>(3_600_000);
      raw[`guess ${store}`] = [result];
      console.log(
        `  ${store} store: ${fmt(GUESSES / result.seconds)} jobs/s; Redis +${fmt(result.redisGrowthBytes / MiB)} MiB, ` +
          `heap +${fmt(result.heapGrowthBytes / MiB)} MiB; readiness failures ${result.readyFailures}; ` +
          `${JSON.stringify(result.reasons)}`,
      );
      const contender = `${store} store`;
      const stayedReady = result.readyFailures === 0;
      rows.push({
        section: 'g',
        contender,
        metric: 'Redis used_memory growth',
        samples: [result.redisGrowthBytes / MiB],
        unit: 'MiB',
        target: { label: '< 10', pass: result.redisGrowthBytes < 10 * MiB && stayedReady },
      });
      rows.push({
        section: 'g',
        contender,
        metric: 'V8 heap growth',
        samples: [result.heapGrowthBytes / MiB],
        unit: 'MiB',
        target: { label: '< 50', pass: result.heapGrowthBytes < 50 * MiB && stayedReady },
        note: `${fmt(GUESSES / result.seconds)} jobs/s; /health/ready failed ${result.readyFailures} times; ${JSON.stringify(result.reasons)}`,
      });
    } finally {
      await child.end();
      await redis.stop();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (h) Redis Cluster

const CLUSTER_MASTERS = 3;
let localCluster: LocalCluster | undefined;
let clusterSettings: Record<string, unknown> | undefined;

async function stopCluster(): Promise<void> {
  const cluster = localCluster;
  localCluster = undefined;
  // stop() SIGKILLs exactly the redis-server processes it spawned (by pid) and removes their dir.
  if (cluster) await cluster.stop();
}

/** Codes BENCH-H<i>, the first whose slot falls in each third of the slot space, in that order. */
function codesPerThird(thirds: number): string[] {
  const codes: (string | undefined)[] = Array.from({ length: thirds });
  for (let i = 0; codes.includes(undefined); i++) {
    const code = `BENCH-H${i}`;
    codes[Math.floor((hashSlot(code) * thirds) / 16384)] ??= code;
  }
  return codes as string[];
}

async function clusterBench(): Promise<void> {
  if (!ONLY.has('h')) return;
  const concurrency = best.redis;
  const why = ONLY.has('c') ? "best of (c)'s sweep" : '(c) did not run: 8';
  console.log(
    `\n(h) Redis Cluster: redis-store drain of ${N.toLocaleString('en-US')} jobs, c=${concurrency} (${why})`,
  );
  // The harness is plain JavaScript outside the bench build: loaded from the source tree.
  const { startLocalCluster } = (await import(
    new URL('../../test/local-cluster.mjs', import.meta.url).href
  )) as typeof import('../test/local-cluster.mjs');
  const startedAt = performance.now();
  localCluster = await startLocalCluster({ masters: CLUSTER_MASTERS, replicas: 1 });
  const cluster = localCluster;
  try {
    console.log(
      `  cluster ${CLUSTER_MASTERS} masters x 1 replica up in ${fmt(performance.now() - startedAt)} ms: ` +
        `${cluster.nodes} (pids ${cluster.pids.join(' ')})`,
    );
    const codes = codesPerThird(CLUSTER_MASTERS);
    const shards = await Promise.all(codes.map((code) => cluster.shardOf(hashSlot(code))));
    const masters = new Set(shards.map((shard) => shard.master.port));
    if (masters.size !== CLUSTER_MASTERS)
      throw new Error(`coupons ${codes.join(', ')} are not on ${CLUSTER_MASTERS} masters`);
    console.log(
      `  coupons ${codes.map((code, c) => `${code} (slot ${shards[c].slot}, master :${shards[c].master.port})`).join(', ')}; ` +
        `limits each ${JSON.stringify(couponLimits(N, codes.length))}: ` +
        `${expectedAcceptedByCoupon(N, codes.length).join(' + ')} accepted expected`,
    );
    // Every redemption also reads its user (REQUIRE_REGISTERED_USERS), under the one {users} tag.
    const users = await cluster.shardOf(hashSlot('users'));
    console.log(`  user keys ({users}): slot ${users.slot}, master :${users.master.port}`);
    clusterSettings = {
      masters: CLUSTER_MASTERS,
      replicas: 1,
      concurrency,
      concurrencyFrom: why,
      coupons: codes.map((code, c) => ({
        code,
        slot: shards[c].slot,
        master: shards[c].master.port,
      })),
      users: { slot: users.slot, master: users.master.port },
      limitsPerCoupon: couponLimits(N, codes.length),
      expectedAcceptedPerCoupon: expectedAcceptedByCoupon(N, codes.length),
    };
    const contenders = [
      { key: 'single', name: `single Redis 1p c=${concurrency}`, target: {} },
      {
        key: 'cluster-1p',
        name: `cluster 1p c=${concurrency}`,
        target: { clusterNodes: cluster.nodes, partitions: 1 },
      },
      {
        key: 'cluster-3p',
        name: `cluster 3p c=${concurrency}`,
        target: { clusterNodes: cluster.nodes, partitions: 3 },
      },
    ];
    const samples = new Map<string, DrainResult[]>();
    for (let r = 0; r < REPEATS; r++)
      for (const { key, name, target } of contenders)
        samples.set(key, [
          ...(samples.get(key) ?? []),
          await drain('redis', concurrency, { codes, target: { ...target, name } }),
        ]);
    const jps = (key: string) => samples.get(key)!.map((s) => s.jobsPerSecond);
    for (const { key, name } of contenders)
      rows.push({
        section: 'h',
        contender: name,
        metric: 'drain',
        samples: jps(key),
        unit: 'jobs/s',
        caps: samples.get(key)!.every((s) => s.capsExact),
        ...(key === 'single' && {
          note: `3 coupons on 3 masters, round-robin; c=${concurrency} (${why}); cluster ${CLUSTER_MASTERS} masters x 1 replica on this machine`,
        }),
      });
    rows.push(
      ratioRow('h', 'cluster 1p / single', jps('single'), jps('cluster-1p'), undefined, 'jobs/s'),
    );
    rows.push(
      ratioRow('h', 'cluster 3p / single', jps('single'), jps('cluster-3p'), undefined, 'jobs/s'),
    );
    rows.push(
      ratioRow('h', 'cluster 3p / 1p', jps('cluster-1p'), jps('cluster-3p'), undefined, 'jobs/s'),
    );
  } finally {
    await stopCluster();
  }
}

// ---------------------------------------------------------------------------------------------
// (i) unique codes

const EXPORT_CODES = 1_000_000;
const CODES_PER_COUPON = 10_000_000;
const USED_CODES = Number(process.env.BENCH_USED_CODES ?? 100_000);

interface CodesResult {
  accepted: number;
  globalUsed: number;
  redeemMs: number;
  usedMemoryPerCode: number;
  keyBytesPerCode: number;
  keys: number;
}

async function uniqueCodes(): Promise<void> {
  if (!ONLY.has('i')) return;
  const concurrency = best.redis;
  const why = ONLY.has('c') ? "best of (c)'s sweep" : '(c) did not run: 8';
  console.log(
    `\n(i) unique codes: redis-store drain of ${N.toLocaleString('en-US')} jobs, plain code vs ` +
      `one single-use unique code per job, c=${concurrency} (${why}); export; memory per used code`,
  );
  const samples = { plain: [] as number[], unique: [] as number[] };
  const exact: boolean[] = [];
  for (let r = 0; r < REPEATS; r++) {
    for (const kind of ['plain', 'unique'] as const) {
      const result = await drain('redis', concurrency, {
        uniqueCodes: kind === 'unique',
        target: { name: `${kind} codes c=${concurrency}` },
      });
      samples[kind].push(result.jobsPerSecond);
      exact.push(result.capsExact === true);
    }
  }
  for (const kind of ['plain', 'unique'] as const)
    rows.push({
      section: 'i',
      contender: `${kind} codes c=${concurrency}`,
      metric: 'drain',
      samples: samples[kind],
      unit: 'jobs/s',
      caps: exact.every(Boolean),
    });
  rows.push(ratioRow('i', 'unique / plain codes', samples.plain, samples.unique, 0.9, 'jobs/s'));

  // The export over HTTP, as an admin downloads it: the service (ROLE=all, Redis store) in a child.
  const storePrefix = `${BASE}-s${++trialSeq}`;
  const queuePrefix = `${BASE}-q${trialSeq}`;
  const app = new Child(
    './http-child.js',
    { store: 'redis', queuePrefix, storePrefix },
    [],
    'ignore',
  );
  try {
    const { port } = await app.result<{ port: number }>(60_000);
    const call = (method: string, path: string, body?: object) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body && { 'content-type': 'application/json' }),
        },
        ...(body && { body: JSON.stringify(body) }),
      });
    const expiresAt = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
    const created = await call('POST', '/coupons', {
      code: 'BENCH-EXPORT',
      discountPercentage: 10,
      expiresAt,
    });
    if (created.status !== 201) throw new Error(`coupon: ${created.status}`);
    const batchMs: number[] = [];
    for (const count of [CODES_PER_COUPON, EXPORT_CODES]) {
      const started = performance.now();
      const batch = await call('POST', '/coupons/BENCH-EXPORT/code-batches', { count });
      batchMs.push(performance.now() - started);
      if (batch.status !== 201) throw new Error(`batch: ${batch.status} ${await batch.text()}`);
    }
    const exportMs: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const started = performance.now();
      const response = await call('GET', '/coupons/BENCH-EXPORT/code-batches/2/codes');
      let lines = 0;
      for await (const chunk of response.body!)
        for (const byte of chunk as Uint8Array) if (byte === 10) lines++;
      exportMs.push(performance.now() - started);
      if (lines !== EXPORT_CODES + 1) throw new Error(`export gave ${lines - 1} codes`);
    }
    console.log(
      `  batch of ${CODES_PER_COUPON.toLocaleString('en-US')} codes created in ${fmt(batchMs[0]!)} ms; ` +
        `export of ${EXPORT_CODES.toLocaleString('en-US')} codes: ${exportMs.map(fmt).join(', ')} ms`,
    );
    rows.push({
      section: 'i',
      contender: `create batch of ${CODES_PER_COUPON.toLocaleString('en-US')}`,
      metric: 'REST POST',
      samples: [batchMs[0]!],
      unit: 'ms',
    });
    rows.push({
      section: 'i',
      contender: `export ${EXPORT_CODES.toLocaleString('en-US')} codes`,
      metric: 'REST CSV stream',
      samples: exportMs,
      unit: 'ms',
      target: { label: '<= 5000', pass: median(exportMs) <= 5000 },
    });
  } finally {
    app.send({ type: 'stop' });
    await app.end();
    await deleteKeys(`${storePrefix}:*`);
    await deleteKeys(`${queuePrefix}:*`);
  }

  const codesPrefix = `${BASE}-s${++trialSeq}`;
  const child = new Child('./codes-child.js', {
    storePrefix: codesPrefix,
    codes: CODES_PER_COUPON,
    used: USED_CODES,
    inFlight: 64,
  });
  try {
    const result = await child.result<CodesResult>(300_000);
    await child.end();
    raw['unique codes memory'] = [result];
    const counted = result.accepted === USED_CODES && result.globalUsed === USED_CODES;
    if (!counted) capFailures.push(`unique codes: ${result.accepted} of ${USED_CODES} accepted`);
    console.log(
      `  ${USED_CODES.toLocaleString('en-US')} of ${CODES_PER_COUPON.toLocaleString('en-US')} codes used ` +
        `in ${fmt(result.redeemMs)} ms: MEMORY USAGE of the coupon's ${result.keys} keys ` +
        `${fmt(result.keyBytesPerCode)} bytes per used code, used_memory ${fmt(result.usedMemoryPerCode)}`,
    );
    rows.push({
      section: 'i',
      contender: `${USED_CODES.toLocaleString('en-US')} of ${CODES_PER_COUPON.toLocaleString('en-US')} used`,
      metric: 'Redis bytes / used code',
      samples: [result.keyBytesPerCode],
      unit: 'bytes',
      target: { label: '<= 64', pass: result.keyBytesPerCode <= 64 },
      caps: counted,
      note: `MEMORY USAGE of all the coupon's keys (log off, no outcome kept); INFO used_memory grew ${fmt(result.usedMemoryPerCode)} bytes per used code`,
    });
  } finally {
    await child.end();
    await deleteKeys(`${codesPrefix}:*`);
  }
}

// ---------------------------------------------------------------------------------------------
// (j) statistics on against off

async function statistics(): Promise<void> {
  if (!ONLY.has('j')) return;
  const contenders = [
    { store: 'memory', concurrency: 1 },
    { store: 'redis', concurrency: best.redis },
  ] as const;
  console.log(
    `\n(j) statistics: drain of ${N.toLocaleString('en-US')} jobs with STATS_RETENTION_DAYS=400 ` +
      `against 0, alternating; ${contenders.map((c) => `${c.store} c=${c.concurrency}`).join(', ')}`,
  );
  for (const { store, concurrency } of contenders) {
    const samples = { on: [] as number[], off: [] as number[] };
    const exact: boolean[] = [];
    for (let r = 0; r < REPEATS; r++) {
      for (const stats of ['off', 'on'] as const) {
        const result = await drain(store, concurrency, {
          statsRetentionDays: stats === 'on' ? 400 : 0,
          target: { name: `${store} c=${concurrency} stats ${stats}` },
        });
        samples[stats].push(result.jobsPerSecond);
        exact.push(result.capsExact === true);
      }
    }
    for (const stats of ['off', 'on'] as const)
      rows.push({
        section: 'j',
        contender: `${store} c=${concurrency} stats ${stats}`,
        metric: 'drain',
        samples: samples[stats],
        unit: 'jobs/s',
        caps: exact.every(Boolean),
      });
    rows.push(ratioRow('j', `${store} stats on / off`, samples.off, samples.on, 0.97, 'jobs/s'));
  }
}

// ---------------------------------------------------------------------------------------------

async function machine() {
  const redis = new Redis(REDIS_URL);
  try {
    const info = await redis.info('server');
    return {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      redisUrl: REDIS_URL,
      date: new Date().toISOString(),
      /** The machine may be shared: its 1/5/15-minute load at the start (and end) of the run. */
      loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    };
  } finally {
    redis.disconnect();
  }
}

let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) child.kill('SIGKILL');
    await stopCluster();
    const deleted = await deleteKeys(`${BASE}-*`).catch(() => -1);
    if (deleted !== 0) console.log(`cleanup: deleted ${deleted} leftover keys under ${BASE}-*`);
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    console.error(`\n${signal}: stopping children and deleting ${BASE}-* keys`);
    void cleanUp().finally(() => process.exit(130));
  });

async function main(): Promise<number> {
  const started = performance.now();
  const env = await machine();
  console.log(
    `coupon service bench: ${env.cpu}, ${env.cores} cores, Node ${env.node}, Redis ${env.redis}; ` +
      `load ${env.loadAverageAtStart.join(' ')}; N=${N}, repeats=${REPEATS}, ` +
      `sections ${[...ONLY].join(',')}, keys under ${BASE}-*`,
  );
  await throughput();
  await latency();
  await http();
  await memory();
  await guessing();
  await clusterBench();
  await uniqueCodes();
  await statistics();
  const seconds = (performance.now() - started) / 1000;
  const table = printTable();
  console.log(
    `\n${table}\n\ntotal ${fmt(seconds)} s; load average now ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const results = {
    machine: { ...env, loadAverageAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))) },
    reproduce:
      'npm ci && npm run bench  (Redis at 127.0.0.1:6379 or BENCH_REDIS_URL; knobs: BENCH_JOBS, ' +
      'BENCH_REPEATS, BENCH_ONLY=a,b,c,d,e,f,g,h,i,j, BENCH_SWEEP, BENCH_RECORDS, BENCH_GUESSES, ' +
      'BENCH_HTTP_SECONDS, BENCH_PROFILE=1)',
    settings: {
      jobs: N,
      repeats: REPEATS,
      sections: [...ONLY],
      limits: limitsFor(N),
      expectedAccepted: expectedAccepted(N),
      sweep: SWEEP,
      sweepJobs: SWEEP_JOBS,
      best,
      defaultConcurrency: defaults,
      latency: { ratePerSecond: LATENCY_RATE, seconds: LATENCY_SECONDS },
      httpSeconds: HTTP_SECONDS,
      httpConnections: HTTP_CONNECTIONS,
      records: RECORDS,
      guesses: GUESSES,
      cluster: clusterSettings,
    },
    seconds,
    rows: rows.map((row) => ({
      ...row,
      median: median(row.samples),
      margin: margin(row),
      min: Math.min(...row.samples),
      max: Math.max(...row.samples),
    })),
    capFailures,
    raw,
    table,
  };
  writeFileSync(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
  console.log('written bench/results.json');
  if (capFailures.length) {
    console.error(`\nCAPS NOT EXACT:\n  ${capFailures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error);
} finally {
  await cleanUp();
}
process.exit(code);
