/** Types of local-cluster.mjs (see there). */
export interface ClusterNode {
  port: number;
  /** Undefined for a node this harness did not start. */
  pid: number | undefined;
}

export interface Shard {
  slot: number;
  master: ClusterNode;
  replicas: ClusterNode[];
}

export interface LocalCluster {
  /** Seed list, "127.0.0.1:port,...": every node. */
  nodes: string;
  ports: number[];
  pids: number[];
  /** The servers' working directory (removed by stop). */
  dir: string;
  /** The hash slot of a key (CLUSTER KEYSLOT). */
  slotOf(key: string): Promise<number>;
  /** The master serving a slot now, and its replicas (as node `via`, else any live one, sees it). */
  shardOf(slot: number, via?: number): Promise<Shard>;
  /** The master serving a key's slot now. */
  masterOf(key: string): Promise<ClusterNode>;
  /** SIGKILLs every server started and removes their directory. */
  stop(): Promise<void>;
}

export function startLocalCluster(options?: {
  masters?: number;
  replicas?: number;
  timeoutMs?: number;
}): Promise<LocalCluster>;

export function parseNodes(nodes: string): { host: string; port: number }[];
