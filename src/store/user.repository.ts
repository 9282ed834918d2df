import type { User } from '../domain/user.js';
import type { Page } from './coupon.repository.js';

export type CreateUserResult = 'created' | 'id-taken' | 'email-taken';

/** Registered users by id; an email is registered once, in any letter case. */
export abstract class UserRepository {
  abstract create(user: User): Promise<CreateUserResult>;
  abstract get(id: string): Promise<User | undefined>;
  /** Sorted by id. */
  abstract list(offset: number, limit: number): Promise<Page<User>>;
}
