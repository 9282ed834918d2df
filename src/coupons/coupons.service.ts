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
import {
  couponStatus,
  normalizeCouponCode,
  NO_USAGE,
  remainingUses,
  UNLIMITED,
  type Coupon,
  type CounterName,
  type CouponStatus,
  type Limit,
  type Remaining,
  type RepeatCounts,
  type UsageCounts,
} from '../domain/coupon.js';
import { usedOrHeld } from '../domain/holds.js';
import { NOTHING_REMAINING } from '../domain/outcome.js';
import { decide, type RejectionReason } from '../domain/decide.js';
import { couponDateToInstant, formatInZone, periodsAt } from '../domain/periods.js';
import type { WindowReport } from '../domain/report.js';
import { CouponRepository, findCodeOwner, type Page } from '../store/coupon.repository.js';
import { RedemptionLog, type LogPage, type LogQuery } from '../store/redemption.log.js';
import { UsageLedger, type Counts } from '../store/usage.ledger.js';
import { UsageReport } from '../store/usage.report.js';
import { UsersService } from '../users/users.service.js';
import type { CreateCouponDto, RepeatCountsDto, UpdateCouponDto } from './coupon.dto.js';

export interface CouponView {
  code: string;
  discountPercentage: number;
  startsAt: string | null;
  expiresAt: string;
  active: boolean;
  /** At the time of the request (couponStatus). */
  status: CouponStatus;
  description: string | null;
  repeatCounts: RepeatCounts;
  createdAt: string;
  updatedAt: string;
}

export interface CouponListItem extends CouponView {
  globalUsed: number;
  globalHeld: number;
  globalRemaining: number | null;
}

export interface UsageCount {
  used: number;
  /** Uses held by live checkout holds; `remaining` already subtracts them. */
  held: number;
  limit: Limit;
  remaining: number | null;
}

export interface BusiestUsersView {
  couponCode: string;
  day: WindowReport;
  week: WindowReport;
}

export interface HoldView {
  orderId: string;
  userId: string;
  /** The unique code the hold is on, when it is on one. */
  uniqueCode?: string;
  reservedAt: string;
  expiresAt: string;
}

export type UsageView = Record<'userTotal' | 'userDaily' | 'userWeekly', UsageCount>;

export interface ValidateView {
  valid: boolean;
  reason?: RejectionReason;
  /** Uses left under each limit, uses counted and held both subtracted. */
  remaining: Remaining;
  /** Uses held by live checkout holds against each counter (the per-user ones 0 without a user). */
  held: UsageCounts;
  /** When the code validated is a unique code: its own state. */
  code?: {
    code: string;
    batch: number;
    used: number;
    held: number;
    limit: Limit;
    revoked: boolean;
  };
}

/** What an unknown coupon has counted and held: nothing. */
const NO_COUNTS: Counts = { used: NO_USAGE, held: NO_USAGE, codeHeld: 0 };

/** How often an update is retried when another change lands between its read and its write. */
const MAX_UPDATE_ATTEMPTS = 5;

@Injectable()
export class CouponsService {
  constructor(
    private readonly coupons: CouponRepository,
    private readonly ledger: UsageLedger,
    private readonly log: RedemptionLog,
    private readonly report: UsageReport,
    private readonly clock: Clock,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateCouponDto): Promise<CouponView> {
    const now = this.clock.now();
    const startsAt = this.toInstant(dto.startsAt, 'start');
    const expiresAt = this.toInstant(dto.expiresAt, 'end')!;
    if (expiresAt <= now) throw new BadRequestException(['expiresAt must be in the future']);
    this.checkWindow(startsAt, expiresAt);
    const coupon: Coupon = {
      code: dto.code,
      discountPercentage: dto.discountPercentage,
      startsAt,
      expiresAt,
      active: dto.active ?? true,
      description: dto.description ?? null,
      repeatCounts: { ...UNLIMITED, ...withoutUndefined(dto.repeatCounts ?? {}) },
      createdAt: now,
      updatedAt: now,
      born: '',
      version: 1,
    };
    if (!(await this.coupons.create(coupon))) {
      throw new ConflictException(`Coupon ${coupon.code} already exists`);
    }
    return this.view(coupon);
  }

  /**
   * A page of coupons, each with its global uses and holds: one `counts` step per coupon, run
   * together (each coupon's keys are in its own cluster slot). `q`: only codes that start with it,
   * in any letter case (codes are stored normalised).
   */
  async list(offset: number, limit: number, q?: string): Promise<Page<CouponListItem>> {
    const prefix = q === undefined ? undefined : normalizeCouponCode(q);
    const page = await this.coupons.list(offset, limit, prefix);
    const counts = await Promise.all(page.items.map((coupon) => this.countsNow(coupon.code)));
    return {
      items: page.items.map((coupon, i) => {
        const { used, held } = counts[i]!;
        return {
          ...this.view(coupon),
          ...globalView(coupon.repeatCounts, used.globalTotal, held.globalTotal),
        };
      }),
      total: page.total,
    };
  }

  async get(code: string): Promise<CouponView> {
    return this.view(await this.find(code));
  }

  async update(code: string, dto: UpdateCouponDto): Promise<CouponView> {
    const changes = withoutUndefined(dto);
    if (Object.keys(changes).length === 0) {
      throw new BadRequestException([
        'give at least one of discountPercentage, startsAt, expiresAt, active, description',
      ]);
    }
    return this.view(
      await this.change(code, (coupon) => {
        const startsAt =
          dto.startsAt === undefined ? coupon.startsAt : this.toInstant(dto.startsAt, 'start');
        const expiresAt =
          dto.expiresAt === undefined ? coupon.expiresAt : this.toInstant(dto.expiresAt, 'end')!;
        // As on create; an expiresAt left unchanged may have passed (other fields stay editable).
        if (dto.expiresAt !== undefined && expiresAt <= this.clock.now()) {
          throw new BadRequestException(['expiresAt must be in the future']);
        }
        this.checkWindow(startsAt, expiresAt);
        return {
          ...coupon,
          discountPercentage: dto.discountPercentage ?? coupon.discountPercentage,
          startsAt,
          expiresAt,
          active: dto.active ?? coupon.active,
          description: dto.description === undefined ? coupon.description : dto.description,
        };
      }),
    );
  }

  async remove(code: string): Promise<void> {
    if (!(await this.coupons.delete(code))) throw this.notFound(code);
  }

  async repeatCounts(code: string) {
    return this.repeatCountsView(await this.find(code));
  }

  async setRepeatCounts(code: string, dto: RepeatCountsDto) {
    const changes = withoutUndefined(dto);
    if (Object.keys(changes).length === 0) {
      throw new BadRequestException([
        'give at least one of globalTotal, userTotal, userDaily, userWeekly',
      ]);
    }
    const coupon = await this.change(code, (current) => ({
      ...current,
      repeatCounts: { ...current.repeatCounts, ...changes },
    }));
    return this.repeatCountsView(coupon);
  }

  /** A user's usage of a coupon; `code` may be one of its unique codes (the coupon's usage, then). */
  async usage(code: string, userId: string): Promise<UsageView> {
    const owner = await findCodeOwner(this.coupons, code);
    if (!owner) throw this.notFound(code);
    return this.usageOf(owner.coupon, userId);
  }

  private async usageOf(coupon: Coupon, userId: string): Promise<UsageView> {
    if (!(await this.users.isKnown(userId)))
      throw new NotFoundException(`User ${userId} not found`);
    const { used, held } = await this.countsNow(coupon.code, userId);
    const remaining = remainingUses(coupon.repeatCounts, usedOrHeld(used, held));
    const count = (name: CounterName): UsageCount => ({
      used: used[name],
      held: held[name],
      limit: coupon.repeatCounts[name],
      remaining: remaining[name],
    });
    return {
      userTotal: count('userTotal'),
      userDaily: count('userDaily'),
      userWeekly: count('userWeekly'),
    };
  }

  /**
   * Forgives one user on one coupon: their total, daily and weekly counts go to 0; the global
   * count and kept outcomes stay. Answers the usage as it now is.
   */
  async forgive(code: string, userId: string) {
    // 404s as GET usage does, but only for the coupon's own code: a unique code is not a coupon.
    const coupon = await this.find(code);
    await this.usageOf(coupon, userId);
    await this.ledger.forgive(code, userId);
    return this.usageOf(coupon, userId);
  }

  /** Who used the coupon most today and this week, and how many users are at its limits. */
  async busiestUsers(code: string, top: number): Promise<BusiestUsersView> {
    const coupon = await this.find(code);
    const now = this.clock.now();
    const { userDaily, userWeekly } = coupon.repeatCounts;
    const periods = periodsAt(now, this.config.couponTz);
    const limits = { day: userDaily, week: userWeekly };
    const report = await this.report.busiestUsers(coupon.code, periods, limits, top, now);
    return { couponCode: coupon.code, ...report };
  }

  /** The coupon's live holds now, soonest expiry first; a read that drops nothing. */
  async holds(code: string, limit: number): Promise<Page<HoldView>> {
    const coupon = await this.find(code);
    const page = await this.report.liveHolds(coupon.code, limit, this.clock.now());
    return {
      total: page.total,
      // As a reservation's outcome shows its instants.
      items: page.items.map((hold) => ({
        orderId: hold.orderId,
        userId: hold.userId,
        ...(hold.uniqueCode !== undefined && { uniqueCode: hold.uniqueCode }),
        reservedAt: new Date(hold.reservedAt).toISOString(),
        expiresAt: new Date(hold.expiresAt).toISOString(),
      })),
    };
  }

  redemptionLog(code: string, query: LogQuery): Promise<LogPage> {
    return this.log.list(code, query, this.clock.now());
  }

  /**
   * A dry run of a redemption: what the worker would decide now, consuming nothing. Limits are
   * checked against uses counted plus uses held by live checkout holds. Without a user only the
   * coupon-level rules and the global limit apply, and the per-user remaining counts are those of
   * a user with no uses or holds.
   *
   * `code` may be one of a coupon's unique codes: the coupon's rules apply, and the code's own
   * (revoked, its uses per code) through decide's `code` input; the answer then names the code.
   */
  async validate(code: string, userId: string | undefined): Promise<ValidateView> {
    const now = this.clock.now();
    const periods = periodsAt(now, this.config.couponTz);
    const [owner, userKnown] = await Promise.all([
      findCodeOwner(this.coupons, code),
      userId === undefined || this.users.isKnown(userId),
    ]);
    const stored = owner?.coupon;
    const unique = owner?.uniqueCode;
    const [counts, state] = await Promise.all([
      stored ? this.ledger.counts(stored.code, userId, periods, now, unique?.index) : NO_COUNTS,
      unique && this.ledger.codeState(stored!.code, unique.index),
    ]);
    // Limits are checked against uses counted plus uses held, as the worker checks them.
    const { held, codeHeld } = counts;
    const used = usedOrHeld(counts.used, held);
    const coupon =
      stored && userId === undefined
        ? {
            ...stored,
            repeatCounts: { ...UNLIMITED, globalTotal: stored.repeatCounts.globalTotal },
          }
        : stored;
    // A unique code's own limit, too, is checked against its uses counted plus held.
    const limit = unique?.batch.usesPerCode ?? null;
    const codeUse = state && { used: state.used + codeHeld, revoked: state.revoked, limit };
    const decision = decide({ coupon, userKnown, used, now, code: codeUse });
    const remaining = stored ? remainingUses(stored.repeatCounts, used) : NOTHING_REMAINING;
    const answer: ValidateView =
      decision.status === 'accepted'
        ? { valid: true, remaining, held: countsView(held) }
        : { valid: false, reason: decision.reason, remaining, held: countsView(held) };
    if (unique && state) {
      answer.code = {
        code: unique.code,
        batch: unique.batch.batch,
        used: state.used,
        held: codeHeld,
        limit,
        revoked: state.revoked,
      };
    }
    return answer;
  }

  private async find(code: string): Promise<Coupon> {
    const coupon = await this.coupons.get(code);
    if (!coupon) throw this.notFound(code);
    return coupon;
  }

  /** Read, change and write back, again if another change landed in between. */
  private change(code: string, apply: (coupon: Coupon) => Coupon): Promise<Coupon> {
    return changeCoupon(this.coupons, this.clock, code, apply);
  }

  private async repeatCountsView(coupon: Coupon) {
    const { used, held } = await this.countsNow(coupon.code);
    return {
      ...limitsView(coupon.repeatCounts),
      ...globalView(coupon.repeatCounts, used.globalTotal, held.globalTotal),
    };
  }

  /** Uses counted and held now (UsageLedger.counts). */
  private countsNow(code: string, userId?: string) {
    const now = this.clock.now();
    return this.ledger.counts(code, userId, periodsAt(now, this.config.couponTz), now);
  }

  private toInstant(input: string | null | undefined, edge: 'start' | 'end'): number | null {
    return input == null ? null : couponDateToInstant(input, this.config.couponTz, edge);
  }

  private checkWindow(startsAt: number | null, expiresAt: number): void {
    if (startsAt !== null && startsAt >= expiresAt) {
      throw new BadRequestException(['startsAt must be before expiresAt']);
    }
  }

  private notFound(code: string) {
    return couponNotFound(code);
  }

  private view(coupon: Coupon): CouponView {
    const zone = this.config.couponTz;
    return {
      code: coupon.code,
      discountPercentage: coupon.discountPercentage,
      startsAt: coupon.startsAt === null ? null : formatInZone(coupon.startsAt, zone),
      expiresAt: formatInZone(coupon.expiresAt, zone),
      active: coupon.active,
      status: couponStatus(coupon, this.clock.now()),
      description: coupon.description,
      repeatCounts: limitsView(coupon.repeatCounts),
      createdAt: formatInZone(coupon.createdAt, zone),
      updatedAt: formatInZone(coupon.updatedAt, zone),
    };
  }
}

/**
 * Reads a coupon, changes it and saves it with compare-and-set (the save bumps its version, so
 * copies cached elsewhere are read again), again if another change landed in between. 404 when
 * the coupon is not there; 409 after MAX_UPDATE_ATTEMPTS lost races. `apply` may throw.
 */
export async function changeCoupon(
  coupons: CouponRepository,
  clock: Clock,
  code: string,
  apply: (coupon: Coupon) => Coupon,
): Promise<Coupon> {
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await coupons.get(code);
    if (!current) throw couponNotFound(code);
    const next = { ...apply(current), updatedAt: clock.now() };
    const result = await coupons.save(next, current);
    if (result === 'saved') return { ...next, version: current.version + 1 };
    if (result === 'not-found') throw couponNotFound(code);
  }
  throw new ConflictException(`Coupon ${code} is being changed by others; try again`);
}

export const couponNotFound = (code: string) => new NotFoundException(`Coupon ${code} not found`);

/** Uses by all users and uses held, and what the global limit leaves of both (null: unlimited). */
function globalView(limits: RepeatCounts, globalUsed: number, globalHeld: number) {
  const used = { ...NO_USAGE, globalTotal: globalUsed + globalHeld };
  return { globalUsed, globalHeld, globalRemaining: remainingUses(limits, used).globalTotal };
}

/** Counts in the order `remaining` lists them. */
function countsView(counts: UsageCounts): UsageCounts {
  return {
    globalTotal: counts.globalTotal,
    userTotal: counts.userTotal,
    userWeekly: counts.userWeekly,
    userDaily: counts.userDaily,
  };
}

/** The limits in the order admins set them. */
function limitsView(limits: RepeatCounts): RepeatCounts {
  return {
    globalTotal: limits.globalTotal,
    userTotal: limits.userTotal,
    userDaily: limits.userDaily,
    userWeekly: limits.userWeekly,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
