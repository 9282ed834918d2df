import type { User } from '../../domain/user.js';
import type { Page } from '../coupon.repository.js';
import { UserRepository, type CreateUserResult, type UserChanges } from '../user.repository.js';
import type { RedisClient } from './client.redis.js';
import { indexPage } from './coupons.redis.js';
import type { RedisKeys } from './keys.redis.js';
import type { RedisScripts } from './scripts.redis.js';

/** Users as JSON strings under the {users} hash tag, with an email index. */
export class RedisUserRepository extends UserRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: RedisScripts,
    private readonly keys: RedisKeys,
  ) {
    super();
  }

  async create(user: User): Promise<CreateUserResult> {
    const k = this.keys;
    return (await this.scripts.run(
      'createUser',
      [k.user(user.id), k.email(user.email), k.userIndex],
      [JSON.stringify(user), user.id],
    )) as CreateUserResult;
  }

  async get(id: string): Promise<User | undefined> {
    const json = await this.redis.get(this.keys.user(id));
    return json ? (JSON.parse(json) as User) : undefined;
  }

  async update(id: string, changes: UserChanges): Promise<User | 'not-found' | 'email-taken'> {
    const k = this.keys;
    for (;;) {
      const json = await this.redis.get(k.user(id));
      if (!json) return 'not-found';
      const user = JSON.parse(json) as User;
      const updated = { ...user, ...changes };
      const result = await this.scripts.run(
        'updateUser',
        [k.user(id), k.email(user.email), k.email(updated.email)],
        [json, JSON.stringify(updated), id],
      );
      // 'changed': another change landed between the read and the script; read again.
      if (result === 'updated') return updated;
      if (result !== 'changed') return result as 'not-found' | 'email-taken';
    }
  }

  async delete(id: string): Promise<boolean> {
    const k = this.keys;
    for (;;) {
      const json = await this.redis.get(k.user(id));
      if (!json) return false;
      const { email } = JSON.parse(json) as User;
      const result = await this.scripts.run(
        'deleteUser',
        [k.user(id), k.email(email), k.userIndex],
        [id, json],
      );
      // 'changed': the user changed between the read and the script; read again.
      if (result !== 'changed') return result === 1;
    }
  }

  list(offset: number, limit: number): Promise<Page<User>> {
    return indexPage(this.redis, this.keys.userIndex, offset, limit, (id) => this.get(id));
  }
}
