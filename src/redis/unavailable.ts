/**
 * Errors ioredis raises while it has no connection (fail-fast clients: no offline queue), those of
 * a cluster in a failover, and a publish that no replica acknowledged in time.
 */
export function isRedisUnavailable(exception: unknown): boolean {
  if (!(exception instanceof Error)) return false;
  const code = (exception as NodeJS.ErrnoException).code;
  return (
    exception.name === 'MaxRetriesPerRequestError' ||
    exception.name === 'NotReplicatedError' ||
    /enableOfflineQueue|Connection is closed|Stream isn't writeable/i.test(exception.message) ||
    // A failover: no master for a slot yet, a demoted master answering as a replica, a replica
    // still loading its data.
    /^(CLUSTERDOWN|TRYAGAIN|READONLY|LOADING)\b|refresh slots cache|startup nodes/.test(
      exception.message,
    ) ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET'
  );
}
