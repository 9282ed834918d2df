import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
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
  ) {}

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
