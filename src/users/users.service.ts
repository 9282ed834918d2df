import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { User } from '../domain/coupon.js';
import { CouponStore, type Page } from '../store/coupon-store.js';
import type { CreateUserDto } from './user.dto.js';

export interface UserView {
  id: string;
  name: string;
  email: string;
  createdAt: string;
}

/** Bound on the users remembered as registered: the oldest make room. */
const MAX_KNOWN_USERS = 100_000;

@Injectable()
export class UsersService {
  /** Users are never deleted, so a registered user stays registered. */
  private readonly knownUsers = new Set<string>();

  constructor(
    private readonly store: CouponStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Whether redemptions accept this user: any user when REQUIRE_REGISTERED_USERS is false,
   * otherwise a registered one.
   */
  async isKnown(userId: string): Promise<boolean> {
    if (!this.config.requireRegisteredUsers || this.knownUsers.has(userId)) return true;
    const known = (await this.store.getUser(userId)) !== undefined;
    if (known) {
      if (this.knownUsers.size >= MAX_KNOWN_USERS) {
        this.knownUsers.delete(this.knownUsers.values().next().value!);
      }
      this.knownUsers.add(userId);
    }
    return known;
  }

  async create(dto: CreateUserDto): Promise<UserView> {
    const user: User = {
      id: dto.id,
      name: dto.name,
      email: dto.email,
      createdAt: this.clock.now(),
    };
    switch (await this.store.createUser(user)) {
      case 'id-taken':
        throw new ConflictException(`User ${user.id} already exists`);
      case 'email-taken':
        throw new ConflictException(`Email ${user.email} is already registered`);
      case 'created':
        return view(user);
    }
  }

  async list(offset: number, limit: number): Promise<Page<UserView>> {
    const page = await this.store.listUsers(offset, limit);
    return { items: page.items.map(view), total: page.total };
  }

  async get(id: string): Promise<UserView> {
    const user = await this.store.getUser(id);
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
