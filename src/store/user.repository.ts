import type { User } from '../domain/user.js';
import type { Page } from './coupon.repository.js';

export type CreateUserResult = 'created' | 'id-taken' | 'email-taken';

export type UserChanges = Partial<Pick<User, 'name' | 'email'>>;

/** Registered users by id; an email is registered once, in any letter case. */
export abstract class UserRepository {
  abstract create(user: User): Promise<CreateUserResult>;
  abstract get(id: string): Promise<User | undefined>;
  /** Sorted by id. */
  abstract list(offset: number, limit: number): Promise<Page<User>>;
  /** Changes name and/or email; the user as now stored, or why not. */
  abstract update(id: string, changes: UserChanges): Promise<User | 'not-found' | 'email-taken'>;
  /** Removes the user and frees their email. False when there was none. */
  abstract delete(id: string): Promise<boolean>;
}
