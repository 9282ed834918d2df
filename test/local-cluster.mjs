/* global setTimeout */
/**
 * A throwaway Redis Cluster on loopback: M masters with R replicas each, every node a
 * redis-server this process spawned (pids kept, so stop() and failover tests kill exactly those).
 * Plain JavaScript because jest's global set-up loads it with Node's own loader; TypeScript tests
 * import it through local-cluster.ts (types in local-cluster.d.mts).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const HOST = '127.0.0.1';
const NODE_TIMEOUT_MS = 1500;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function run(file, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A port that was free a moment ago (the kernel's pick), with its cluster bus port (+10000) too. */
async function freePort() {
  for (;;) {
    const port = await listenOn(0);
    if (
      port <= 55535 &&
      (await listenOn(port + 10000).then(
        () => true,
        () => false,
      ))
    )
      return port;
  }
}

function listenOn(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, HOST, () => {
      const { port: bound } = server.address();
      server.close(() => resolve(bound));
    });
  });
}

/** Resolves once the server answers PING; rejects (with its output) if it exits first. */
async function serverUp(node, deadline) {
  for (;;) {
    if (node.exited)
      throw Object.assign(new Error(`redis-server on ${node.port} exited:\n${node.output}`), {
        node,
      });
    const client = quickClient(node.port);
    try {
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline)
      throw new Error(`redis-server on ${node.port} did not answer:\n${node.output}`);
    await sleep(50);
  }
}

function quickClient(port) {
  const client = new Redis({
    host: HOST,
    port,
    lazyConnect: false,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: true,
  });
  client.on('error', () => {});
  return client;
}

/** Asks one node something; undefined when it does not answer. */
async function ask(port, ...command) {
  const client = quickClient(port);
  try {
    return await client.call(...command);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

function spawnNode(dir, port) {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      // Replicas sync at once (the default waits 5 s for more replicas to share the transfer).
      '--repl-diskless-sync-delay',
      '0',
      // CLUSTER SLOTS lists a replica once its replication offset is past 0, which an idle
      // master moves only by pinging its replicas (every 10 s by default).
      '--repl-ping-replica-period',
      '1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const node = { port, pid: child.pid, child, output: '', exited: false };
  const collect = (chunk) => {
    if (node.output.length < 20_000) node.output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  node.exit = new Promise((resolve) =>
    child.once('exit', () => {
      node.exited = true;
      resolve();
    }),
  );
  child.once('error', (error) => {
    node.output += String(error);
    node.exited = true;
  });
  return node;
}

/** Whether every node agrees the cluster is whole, with each master's replicas attached. */
async function settled(ports, masters, replicas) {
  const slotsSeen = new Set();
  let mastersSeen = 0;
  for (const port of ports) {
    const info = await ask(port, 'CLUSTER', 'INFO');
    if (!info || !/cluster_state:ok/.test(info)) return false;
    const slots = await ask(port, 'CLUSTER', 'SLOTS');
    // Every node must also know every master's replicas (ioredis reads the map from any of them).
    if (!slots || slots.some((range) => range.length !== 3 + replicas)) return false;
    // Which master serves which range, as this node sees it.
    slotsSeen.add(
      JSON.stringify(
        slots
          .map(([from, to, [, masterPort]]) => [from, to, masterPort])
          .sort((a, b) => a[0] - b[0]),
      ),
    );
    const replication = await ask(port, 'INFO', 'replication');
    if (!replication) return false;
    if (/role:master/.test(replication)) {
      mastersSeen++;
      if (!new RegExp(`connected_slaves:${replicas}\\b`).test(replication)) return false;
    } else if (!/master_link_status:up/.test(replication)) return false;
  }
  return mastersSeen === masters && slotsSeen.size === 1;
}

/**
 * Starts `masters` masters with `replicas` replicas each on free loopback ports, and resolves once
 * every node reports cluster_state:ok, all see the same slot map, and every replica is attached.
 */
export async function startLocalCluster({ masters = 3, replicas = 2, timeoutMs = 30_000 } = {}) {
  const started = Date.now();
  const deadline = started + timeoutMs;
  await run('redis-server', ['--version'], 5000).catch((error) => {
    throw new Error(`a local Redis Cluster needs redis-server on the PATH: ${error.message}`);
  });
  await run('redis-cli', ['--version'], 5000).catch((error) => {
    throw new Error(`a local Redis Cluster needs redis-cli on the PATH: ${error.message}`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const nodes = [];
  const stop = async () => {
    for (const node of nodes) if (!node.exited) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exit));
    process.off('exit', killSync);
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test process ends without stop(), its servers go with it.
  const killSync = () => nodes.forEach((node) => node.exited || node.child.kill('SIGKILL'));
  process.on('exit', killSync);
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      // A port taken between our check and the server's bind: try another one.
      for (let attempt = 1; ; attempt++) {
        const node = spawnNode(dir, await freePort());
        nodes.push(node);
        try {
          await serverUp(node, deadline);
          break;
        } catch (error) {
          nodes.pop();
          if (!/Address already in use/.test(node.output) || attempt >= 5) throw error;
        }
      }
    }
    const ports = nodes.map((node) => node.port);
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `${HOST}:${port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      Math.max(1000, deadline - Date.now()),
    );
    while (!(await settled(ports, masters, replicas))) {
      if (Date.now() > deadline)
        throw new Error(
          `the local Redis Cluster on ${ports.join(', ')} did not settle in ${timeoutMs} ms`,
        );
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const pidOf = (port) => nodes.find((node) => node.port === port)?.pid;
  /** The first live node's answer (a killed node may not have been reaped yet: try the next). */
  const askAny = async (...command) => {
    for (const node of nodes) {
      if (node.exited) continue;
      const answer = await ask(node.port, ...command);
      if (answer !== undefined) return answer;
    }
    throw new Error(`no node of the local cluster answers ${command.join(' ')}`);
  };
  const slotOf = async (key) => Number(await askAny('CLUSTER', 'KEYSLOT', key));
  /** The master serving `slot` now, and its replicas, as node `via` (else any live one) sees it. */
  const shardOf = async (slot, via) => {
    const slots = await (via === undefined ? askAny : (...c) => ask(via, ...c))('CLUSTER', 'SLOTS');
    const range = slots?.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no node serves slot ${slot} (asked ${via ?? 'any node'})`);
    const [, , [, masterPort], ...replicaEntries] = range;
    return {
      slot,
      master: { port: masterPort, pid: pidOf(masterPort) },
      replicas: replicaEntries.map(([, port]) => ({ port, pid: pidOf(port) })),
    };
  };
  return {
    nodes: nodes.map((node) => `${HOST}:${node.port}`).join(','),
    ports: nodes.map((node) => node.port),
    pids: nodes.map((node) => node.pid),
    dir,
    slotOf,
    shardOf,
    masterOf: async (key) => (await shardOf(await slotOf(key))).master,
    stop,
  };
}

/** A seed list ("host:port,...") as ioredis Cluster takes it. */
export function parseNodes(nodes) {
  return nodes.split(',').map((node) => {
    const at = node.lastIndexOf(':');
    return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
  });
}
