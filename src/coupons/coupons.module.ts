import { Module } from '@nestjs/common';
import { RedemptionsModule } from '../redemptions/redemptions.module.js';
import { CouponsController } from './coupons.controller.js';
import { CouponsService } from './coupons.service.js';

@Module({
  imports: [RedemptionsModule],
  controllers: [CouponsController],
  providers: [CouponsService],
})
export class CouponsModule {}
