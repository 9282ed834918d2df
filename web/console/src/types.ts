// The API's answers the console reads (see the OpenAPI document at /docs).

export type Role = 'admin' | 'viewer';
export type CouponStatus = 'active' | 'scheduled' | 'expired' | 'inactive';

export interface RepeatCounts {
  globalTotal: number | null;
  userTotal: number | null;
  userDaily: number | null;
  userWeekly: number | null;
}

export interface Coupon {
  code: string;
  discountPercentage: number;
  startsAt: string | null;
  expiresAt: string;
  active: boolean;
  description: string | null;
  repeatCounts: RepeatCounts;
  status: CouponStatus;
  createdAt: string;
  updatedAt: string;
}

export interface GlobalUse {
  globalUsed: number;
  globalHeld: number;
  globalRemaining: number | null;
}

export type CouponListItem = Coupon & GlobalUse;
export type RepeatCountsView = RepeatCounts & GlobalUse;

export interface Page<T> {
  items: T[];
  total: number;
}

export interface DayCounts {
  accepted: number;
  confirmed: number;
  rejected: number;
  rolledBack: number;
  reserved: number;
  released: number;
  expired: number;
  reasons: Record<string, number>;
}

export interface Stats {
  couponCode: string;
  timeZone: string;
  from: string;
  to: string;
  days: (DayCounts & { day: string })[];
  totals: DayCounts;
}

export interface BusiestPeriod {
  period: string;
  limit: number | null;
  atLimit: number;
  users: { userId: string; used: number }[];
}

export interface BusiestUsers {
  couponCode: string;
  day: BusiestPeriod;
  week: BusiestPeriod;
}

export interface Hold {
  orderId: string;
  userId: string;
  uniqueCode?: string;
  reservedAt: string;
  expiresAt: string;
}

export interface CodeBatch {
  batch: number;
  count: number;
  usesPerCode: number | null;
  createdAt: string;
  /** Codes of the batch used at least once. */
  used: number;
}

export const LOG_STATUSES = [
  'accepted',
  'rejected',
  'rolled-back',
  'reserved',
  'confirmed',
  'released',
  'expired',
] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];

export interface LogEntry {
  id: string;
  at: string;
  couponCode: string;
  uniqueCode?: string;
  userId: string;
  orderId?: string;
  status: LogStatus;
  reason?: string;
}

export interface LogPage {
  items: LogEntry[];
  nextCursor: string | null;
}

/** "Accepted" in the console: a confirmed hold is an accepted redemption too. */
export const acceptedOf = (counts: DayCounts) => counts.accepted + counts.confirmed;
