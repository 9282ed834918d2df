import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { changeCoupon, couponNotFound } from '../coupons/coupons.service.js';
import type { Coupon } from '../domain/coupon.js';
import { formatInZone, periodsAt } from '../domain/periods.js';
import {
  codeCipher,
  CODE_BODY_LENGTH,
  MAX_BATCHES,
  nextBatch,
  placeCode,
  type CodeBatch,
  type PlacedCode,
  type UniqueCodes,
} from '../domain/unique-codes.js';
import { CouponRepository, type Page } from '../store/coupon.repository.js';
import { UsageLedger } from '../store/usage.ledger.js';
import { UsageReport } from '../store/usage.report.js';

export interface CodeBatchView {
  batch: number;
  count: number;
  usesPerCode: number | null;
  createdAt: string;
}

/** A batch in the list: with its codes used at least once (unique-codes.usedPerBatch). */
export interface CodeBatchUsageView extends CodeBatchView {
  used: number;
}

export interface UniqueCodeView {
  code: string;
  batch: number;
  used: number;
  /** Uses of this code held by live checkout holds. */
  held: number;
  limit: number | null;
  revoked: boolean;
}

/** Who asked for an export, for its log line. */
export interface Requester {
  caller: string;
  address: string;
}

/** Codes generated per chunk of a CSV export: about 200 KB of text, a few ms of AES. */
export const EXPORT_CHUNK_CODES = 8192;
/** Revocations retried when the coupon changed between its read and the revocation. */
const MAX_REVOKE_ATTEMPTS = 5;

/** A coupon's batches of unique codes: create, list, export; one code's state, and revocation. */
@Injectable()
export class CodesService {
  private readonly logger = new Logger('UniqueCodes');

  constructor(
    private readonly coupons: CouponRepository,
    private readonly ledger: UsageLedger,
    private readonly report: UsageReport,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A new batch: nothing per code is stored or computed, only its range in the index space. */
  async createBatch(
    code: string,
    request: { count: number; usesPerCode: number | null },
  ): Promise<CodeBatchView> {
    let created: CodeBatch | undefined;
    await changeCoupon(this.coupons, this.clock, code, (coupon) => {
      const codes: UniqueCodes = coupon.codes ?? {
        secret: randomBytes(32).toString('hex'),
        batches: [],
      };
      const batch = nextBatch(codes.batches, request, this.clock.now());
      if (batch === 'too-many-batches') {
        throw new ConflictException(`Coupon ${code} already has ${MAX_BATCHES} batches of codes`);
      }
      if (batch === 'index-space-full') {
        throw new ConflictException(`Coupon ${code} has no room for ${request.count} more codes`);
      }
      created = batch;
      return { ...coupon, codes: { ...codes, batches: [...codes.batches, batch] } };
    });
    return this.batchView(created!);
  }

  async listBatches(code: string): Promise<Page<CodeBatchUsageView>> {
    const coupon = await this.find(code);
    const batches = coupon.codes?.batches ?? [];
    const used =
      batches.length === 0 ? [] : await this.report.usedCodesPerBatch(coupon.code, batches);
    return {
      items: batches.map((batch, i) => ({ ...this.batchView(batch), used: used[i]! })),
      total: batches.length,
    };
  }

  /** One page of a batch's codes, in batch order. */
  async page(
    code: string,
    number: number,
    offset: number,
    limit: number,
    by: Requester,
  ): Promise<Page<string>> {
    const { coupon, codes, batch } = await this.findBatch(code, number);
    const first = Math.min(offset, batch.count);
    const count = Math.min(limit, batch.count - first);
    const bodies = codeCipher(codes.secret).bodies(batch.first + first, count);
    this.logExport(by, coupon.code, batch, `${count} codes from position ${first}`);
    return { items: bodies.map((body) => `${coupon.code}-${body}`), total: batch.count };
  }

  /**
   * The whole batch as CSV (a `code` header, then one code per line), made chunk by chunk as the
   * client reads: memory stays flat whatever the count.
   */
  async csv(
    code: string,
    number: number,
    by: Requester,
  ): Promise<{ stream: Readable; filename: string }> {
    const { coupon, codes, batch } = await this.findBatch(code, number);
    this.logExport(by, coupon.code, batch, `all ${batch.count} codes as CSV`);
    return {
      stream: Readable.from(csvChunks(coupon.code, codes.secret, batch), { objectMode: false }),
      filename: `${coupon.code}-batch-${batch.batch}.csv`,
    };
  }

  async getCode(code: string, uniqueCode: string): Promise<UniqueCodeView> {
    const { coupon, placed } = await this.findCode(code, uniqueCode);
    return this.codeView(coupon, placed);
  }

  /** Revokes a code: every later redemption of it is refused with CODE_REVOKED. Idempotent. */
  async revoke(code: string, uniqueCode: string): Promise<UniqueCodeView> {
    for (let attempt = 0; attempt < MAX_REVOKE_ATTEMPTS; attempt++) {
      const { coupon, placed } = await this.findCode(code, uniqueCode);
      const result = await this.ledger.revokeCode(coupon, placed.index, this.clock.now());
      if (result !== 'stale') return this.codeView(coupon, placed);
    }
    throw new ConflictException(`Coupon ${code} is being changed by others; try again`);
  }

  private async codeView(coupon: Coupon, placed: PlacedCode): Promise<UniqueCodeView> {
    const now = this.clock.now();
    const periods = periodsAt(now, this.config.couponTz);
    const [state, counts] = await Promise.all([
      this.ledger.codeState(coupon.code, placed.index),
      this.ledger.counts(coupon.code, undefined, periods, now, placed.index),
    ]);
    return {
      code: placed.code,
      batch: placed.batch.batch,
      used: state.used,
      held: counts.codeHeld,
      limit: placed.batch.usesPerCode,
      revoked: state.revoked,
    };
  }

  private logExport(by: Requester, coupon: string, batch: CodeBatch, what: string) {
    this.logger.log(
      `Export of coupon ${coupon} batch ${batch.batch} by the ${by.caller} at ${by.address}: ${what}`,
    );
  }

  private async find(code: string): Promise<Coupon> {
    const coupon = await this.coupons.get(code);
    if (!coupon) throw couponNotFound(code);
    return coupon;
  }

  private async findBatch(code: string, number: number) {
    const coupon = await this.find(code);
    const batch = coupon.codes?.batches[number - 1];
    if (!coupon.codes || !batch) {
      throw new NotFoundException(`Coupon ${code} has no batch ${number}`);
    }
    return { coupon, codes: coupon.codes, batch };
  }

  private async findCode(code: string, uniqueCode: string) {
    const coupon = await this.find(code);
    const placed = placeCode(coupon.code, coupon.codes, uniqueCode);
    if (!placed) throw new NotFoundException(`Code ${uniqueCode} of coupon ${code} not found`);
    return { coupon, placed };
  }

  private batchView(batch: CodeBatch): CodeBatchView {
    return {
      batch: batch.batch,
      count: batch.count,
      usesPerCode: batch.usesPerCode,
      createdAt: formatInZone(batch.createdAt, this.config.couponTz),
    };
  }
}

/** `code\n`, then `<COUPON>-<body>\n` per code, EXPORT_CHUNK_CODES codes per Buffer. */
export function* csvChunks(coupon: string, secret: string, batch: CodeBatch): Generator<Buffer> {
  yield Buffer.from('code\n');
  const cipher = codeCipher(secret);
  const prefix = Buffer.from(`${coupon}-`, 'latin1');
  const line = prefix.length + CODE_BODY_LENGTH + 1;
  for (let done = 0; done < batch.count; done += EXPORT_CHUNK_CODES) {
    const count = Math.min(EXPORT_CHUNK_CODES, batch.count - done);
    const bodies = cipher.asciiBodies(batch.first + done, count);
    const out = Buffer.allocUnsafe(count * line);
    for (let i = 0; i < count; i++) {
      const at = i * line;
      prefix.copy(out, at);
      bodies.copy(out, at + prefix.length, i * CODE_BODY_LENGTH, (i + 1) * CODE_BODY_LENGTH);
      out[at + line - 1] = 0x0a;
    }
    yield out;
  }
}
