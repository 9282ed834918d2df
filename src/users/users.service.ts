import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { User } from '../domain/user.js';
import type { Page } from '../store/coupon.repository.js';
import { UsageLedger, type Erased } from '../store/usage.ledger.js';
import { UserRepository } from '../store/user.repository.js';
import type { CreateUserDto, UpdateUserDto } from './user.dto.js';

export interface UserView {
  id: string;
  name: string;
  email: string;
  createdAt: string;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly ledger: UsageLedger,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Whether redemptions accept this user: any user when REQUIRE_REGISTERED_USERS is false,
   * otherwise a registered one. Read every time: a cache here would outlive a Redis that lost
   * its data (the worker's own cache is tied to a coupon's identity instead).
   */
  async isKnown(userId: string): Promise<boolean> {
    return !this.config.requireRegisteredUsers || (await this.users.get(userId)) !== undefined;
  }

  async create(dto: CreateUserDto): Promise<UserView> {
    const user: User = {
      id: dto.id,
      name: dto.name,
      email: dto.email,
      createdAt: this.clock.now(),
    };
    switch (await this.users.create(user)) {
      case 'id-taken':
        throw new ConflictException(`User ${user.id} already exists`);
      case 'email-taken':
        throw new ConflictException(`Email ${user.email} is already registered`);
      case 'created':
        return view(user);
    }
  }

  async list(offset: number, limit: number): Promise<Page<UserView>> {
    const page = await this.users.list(offset, limit);
    return { items: page.items.map(view), total: page.total };
  }

  async update(id: string, dto: UpdateUserDto): Promise<UserView> {
    const changes = Object.fromEntries(
      Object.entries({ name: dto.name, email: dto.email }).filter(([, v]) => v !== undefined),
    );
    if (Object.keys(changes).length === 0) {
      throw new BadRequestException(['give at least one of name, email']);
    }
    const result = await this.users.update(id, changes);
    if (result === 'not-found') throw new NotFoundException(`User ${id} not found`);
    if (result === 'email-taken') {
      throw new ConflictException(`Email ${dto.email} is already registered`);
    }
    return view(result);
  }

  private readonly removedListeners: ((id: string) => void)[] = [];

  /** Calls `listener` with the id of each user this process removes (caches forget them). */
  onRemoved(listener: (id: string) => void): void {
    this.removedListeners.push(listener);
  }

  /**
   * A data-protection erasure: removes the user, then erases their counters, kept outcomes and
   * log entries from every coupon (the global counts stay: ledger.ERASURE_KEEPS_GLOBAL_USED).
   * An id no longer registered is erased all the same, so a request cut short can be sent again;
   * it is 404 only when there was neither a user nor anything to erase.
   */
  async remove(id: string): Promise<{ id: string; erased: Erased }> {
    const existed = await this.users.delete(id);
    for (const listener of this.removedListeners) listener(id);
    const erased = await this.ledger.eraseUser(id, this.clock.now());
    const anything = erased.usageCounters + erased.outcomes + erased.logEntries > 0;
    if (!existed && !anything) throw new NotFoundException(`User ${id} not found`);
    return { id, erased };
  }

  async get(id: string): Promise<UserView> {
    const user = await this.users.get(id);
    if (!user) throw new NotFoundException(`User ${id} not found`);
    return view(user);
  }
}

function view(user: User): UserView {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}
