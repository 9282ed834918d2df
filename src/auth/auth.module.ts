import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { RateLimits } from './rate-limits.js';
import { ADMIN_TOKEN } from './token.js';

@Module({
  providers: [
    {
      provide: ADMIN_TOKEN,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (config.adminToken) return config.adminToken;
        const token = randomBytes(24).toString('base64url');
        // Shown once, on a line of its own and not in the log: a local user copies it from there.
        console.log(`Admin token for this run (ADMIN_TOKEN is unset): ${token}`);
        return token;
      },
    },
    RateLimits,
    { provide: APP_GUARD, useClass: AdminTokenGuard },
  ],
  exports: [ADMIN_TOKEN, RateLimits],
})
export class AuthModule {}
