import { NotReplicatedError } from '@coupon-code-service/client/internal';
import { isRedisUnavailable } from './unavailable.js';

const redisError = (message: string, code?: string) =>
  Object.assign(new Error(message), code ? { code } : {});

describe('isRedisUnavailable', () => {
  it.each([
    ['no connection', redisError('Connection is closed.')],
    ['a refused connection', redisError('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED')],
    ['a slot without a master', redisError('CLUSTERDOWN The cluster is down')],
    ['a demoted master', redisError("READONLY You can't write against a read only replica.")],
    ['a replica loading its data', redisError('LOADING Redis is loading the dataset in memory')],
    ['a slot map that cannot be read', redisError('Failed to refresh slots cache.')],
    ['an acceptance no replica holds', new NotReplicatedError('0 of 1 replicas acknowledged')],
  ])('counts %s as Redis being unavailable (the job is put back)', (_what, error) => {
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it.each([
    ['a cross-slot call', redisError("CROSSSLOT Keys in request don't hash to the same slot")],
    [
      'a script error',
      redisError('ERR user_script:12: Script attempted to access a non local key'),
    ],
    ['a missing script', redisError('NOSCRIPT No matching script. Please use EVAL.')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'born')")],
    ['a message that only mentions a word', redisError('ERR unknown command READONLY-ish')],
  ])('does not count %s (it fails the attempt)', (_what, error) => {
    expect(isRedisUnavailable(error)).toBe(false);
  });
});
