import type { Redis } from 'ioredis';
import type { User } from '../../domain/user.js';
import type { Page } from '../coupon.repository.js';
import { UserRepository, type CreateUserResult } from '../user.repository.js';
import { indexPage } from './coupons.redis.js';
import type { RedisKeys } from './keys.redis.js';
import type { RedisScripts } from './scripts.redis.js';

/** Users as JSON strings under the {users} hash tag, with an email index. */
export class RedisUserRepository extends UserRepository {
  constructor(
    private readonly redis: Redis,
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

  list(offset: number, limit: number): Promise<Page<User>> {
    return indexPage(this.redis, this.keys.userIndex, offset, limit, (id) => this.get(id));
  }
}
