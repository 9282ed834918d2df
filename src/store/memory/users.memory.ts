import type { User } from '../../domain/user.js';
import type { Page } from '../coupon.repository.js';
import { UserRepository, type CreateUserResult } from '../user.repository.js';
import { copyUser, type MemoryData } from './data.memory.js';

export class MemoryUserRepository extends UserRepository {
  constructor(private readonly data: MemoryData) {
    super();
  }

  async create(user: User): Promise<CreateUserResult> {
    if (this.data.users.has(user.id)) return 'id-taken';
    const email = user.email.toLowerCase();
    if (this.data.userIdsByEmail.has(email)) return 'email-taken';
    this.data.users.set(user.id, copyUser(user));
    this.data.userIdsByEmail.set(email, user.id);
    return 'created';
  }

  async get(id: string): Promise<User | undefined> {
    const user = this.data.users.get(id);
    return user && copyUser(user);
  }

  async list(offset: number, limit: number): Promise<Page<User>> {
    const ids = [...this.data.users.keys()].sort();
    const items = ids.slice(offset, offset + limit).map((id) => copyUser(this.data.users.get(id)!));
    return { items, total: ids.length };
  }
}
