/**
 * The local Redis Cluster harness for TypeScript tests. One implementation, in plain JavaScript
 * (local-cluster.mjs), because jest's global set-up must load it without ts-jest.
 */
export {
  parseNodes,
  startLocalCluster,
  type ClusterNode,
  type LocalCluster,
  type Shard,
} from './local-cluster.mjs';
