import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { User } from '../domain/user.js';
import type { Page } from '../store/coupon.repository.js';
import { UserRepository } from '../store/user.repository.js';
import type { CreateUserDto } from './user.dto.js';

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
