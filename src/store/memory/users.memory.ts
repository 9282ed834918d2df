import type { User } from '../../domain/user.js';
import type { Page } from '../coupon.repository.js';
import { UserRepository, type CreateUserResult, type UserChanges } from '../user.repository.js';
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

  async update(id: string, changes: UserChanges): Promise<User | 'not-found' | 'email-taken'> {
    const user = this.data.users.get(id);
    if (!user) return 'not-found';
    const oldEmail = user.email.toLowerCase();
    const email = changes.email?.toLowerCase() ?? oldEmail;
    const owner = this.data.userIdsByEmail.get(email);
    if (owner !== undefined && owner !== id) return 'email-taken';
    const updated = { ...user, ...changes };
    this.data.users.set(id, updated);
    this.data.userIdsByEmail.delete(oldEmail);
    this.data.userIdsByEmail.set(email, id);
    return copyUser(updated);
  }

  async delete(id: string): Promise<boolean> {
    const user = this.data.users.get(id);
    if (!user) return false;
    this.data.users.delete(id);
    this.data.userIdsByEmail.delete(user.email.toLowerCase());
    return true;
  }

  async list(offset: number, limit: number): Promise<Page<User>> {
    const ids = [...this.data.users.keys()].sort();
    const items = ids.slice(offset, offset + limit).map((id) => copyUser(this.data.users.get(id)!));
    return { items, total: ids.length };
  }
}
