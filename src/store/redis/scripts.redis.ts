import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { COUNTER_NAMES } from '../../domain/coupon.js';
import { LIMIT_REASONS } from '../../domain/decide.js';
import { REMAINING_FIELDS, RESTORED_FIELDS } from './keys.redis.js';
import type { RedisClient } from './client.redis.js';

/** The build copies this folder next to the compiled code (scripts/copy-lua.mjs). */
const LUA_DIR = new URL('./lua/', import.meta.url);
const INCLUDE = /^--- @include "([\w/]+)"$/gm;

const luaList = (items: string[]) => `{${items.map((item) => `'${item}'`).join(', ')}}`;

/** Includes made from the domain's own tables, so no list is copied by hand. */
const GENERATED_INCLUDES: Record<string, string> = {
  'includes/counters': [
    `local LIMIT_REASONS = ${luaList(COUNTER_NAMES.map((name) => LIMIT_REASONS[name]))}`,
    `local REMAINING_FIELDS = ${luaList(REMAINING_FIELDS)}`,
    `local RESTORED_FIELDS = ${luaList(RESTORED_FIELDS)}`,
  ].join('\n'),
};

/** A script's text with its includes in place, each once. */
function withIncludes(source: string, included = new Set<string>()): string {
  return source.replace(INCLUDE, (_, name: string) => {
    if (included.has(name)) return '';
    included.add(name);
    const text = GENERATED_INCLUDES[name] ?? readFileSync(new URL(`${name}.lua`, LUA_DIR), 'utf8');
    return withIncludes(text, included);
  });
}

/** Every command under lua/: `<name>-<number of keys>.lua`, as BullMQ names its commands. */
function loadCommands(): { name: string; lua: string; numberOfKeys: number }[] {
  return readdirSync(LUA_DIR)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const [, name, keys] = /^(\w+)-(\d+)\.lua$/.exec(file)!;
      const lua = withIncludes(readFileSync(new URL(file, LUA_DIR), 'utf8'));
      return { name: name!, lua, numberOfKeys: Number(keys) };
    });
}

export type ScriptName =
  | 'redeem'
  | 'recordRejection'
  | 'rollback'
  | 'revokeCode'
  | 'usage'
  | 'resetWindows'
  | 'logPage'
  | 'createCoupon'
  | 'saveCoupon'
  | 'deleteCoupon'
  | 'createUser'
  | 'updateUser'
  | 'deleteUser'
  | 'forgiveUser'
  | 'eraseUser'
  | 'reserve'
  | 'release'
  | 'counts'
  | 'expireHolds';

const MARK_TTL_MS = 10_000;

/**
 * The store's Lua commands on one connection (EVALSHA, falling back to EVAL once). On a cluster,
 * ioredis sends each call to the node of its first key, and Redis refuses a call whose keys span
 * slots: every script's KEYS are one coupon's keys (tag {CODE}) or user keys ({users}), never both.
 * Keys a script finds inside (window hashes, outcome records named by a set) share that tag.
 */
export class RedisScripts {
  private readonly commands = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  private readonly sources = new Map<string, { lua: string; sha: string; numberOfKeys: number }>();

  constructor(readonly redis: RedisClient) {
    for (const { name, lua, numberOfKeys } of loadCommands()) {
      // Two files of one command (a stale copy beside its renamed successor) would run the wrong one.
      if (this.commands.has(name))
        throw new Error(`two Lua files define the store command ${name}`);
      const command = `coupons_${name}`;
      redis.defineCommand(command, { lua, numberOfKeys });
      const sha = createHash('sha1').update(lua).digest('hex');
      this.sources.set(name, { lua, sha, numberOfKeys });
      this.commands.set(
        name,
        (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[command]!,
      );
    }
  }

  run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.commands.get(name)!.call(this.redis, ...keys, ...args);
  }

  /**
   * Runs the command between a write of `mark` (a key in the same slot) and a WAIT for
   * `replicas`, in one pipeline: one connection to the node that holds the slot, so the WAIT
   * counts replicas of exactly this node's writes up to the command's, whoever made them. A
   * failover in between fails the pipeline (or reruns all of it on the new master), never
   * pairing a write on one master with a WAIT on another. Returns the reply and how many
   * replicas acknowledged it.
   */
  async runReplicated(
    name: ScriptName,
    keys: string[],
    args: (string | number)[],
    wait: { mark: string; replicas: number; timeoutMs: number },
  ): Promise<{ reply: unknown; acknowledged: number }> {
    // EVALSHA as a plain command, not ioredis's script command: on NOSCRIPT that one re-sends the
    // script on its own, and the node runs it after the WAIT, which then covers only the mark.
    // Here a NOSCRIPT comes back in the replies and the whole pipeline is sent again with EVAL.
    const { lua, sha, numberOfKeys } = this.sources.get(name)!;
    const send = (evalCommand: 'evalsha' | 'eval') =>
      this.redis
        .pipeline()
        .set(wait.mark, '1', 'PX', MARK_TTL_MS)
        .call(evalCommand, evalCommand === 'eval' ? lua : sha, numberOfKeys, ...keys, ...args)
        .wait(wait.replicas, wait.timeoutMs)
        .exec();
    let replies = await send('evalsha');
    if (replies?.[1]?.[0]?.message.includes('NOSCRIPT')) replies = await send('eval');
    for (const [error] of replies ?? []) if (error) throw error;
    return { reply: replies![1]![1], acknowledged: replies![2]![1] as number };
  }
}
