// Types for offline-audit.mjs, so the TypeScript test can use the one implementation.

export interface Advisory {
  id: string;
  aliases: string[];
  package: string;
  /** npm semver range, matched with prereleases included */
  vulnerable: string;
  summary: string;
  verifiedFrom: string;
}

export interface AdvisoryList {
  reviewed: string;
  maxAgeDays: number;
  about?: string;
  packages: Record<string, string>;
  advisories: Advisory[];
}

export interface LockfileEntry {
  name?: string;
  version?: string;
  link?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  lockfileVersion?: number;
  packages: Record<string, LockfileEntry>;
  [field: string]: unknown;
}

export interface InstalledPackage {
  name: string;
  version: string | undefined;
  path: string;
}

export interface Finding {
  package: string;
  version: string;
  path: string;
  advisory: string;
  aliases: string[];
  vulnerable: string;
  summary: string;
}

export interface ReviewAge {
  reviewed: string;
  ageDays: number;
  maxAgeDays: number;
  stale: boolean;
}

export const ADVISORIES_PATH: URL;
export function readJson(pathOrUrl: string | URL): unknown;
export function loadAdvisories(pathOrUrl?: string | URL): AdvisoryList;
export function checkAdvisoryList(list: AdvisoryList): string[];
export function installedPackages(lock: Lockfile): InstalledPackage[];
export function auditLockfile(lock: Lockfile, list: AdvisoryList): Finding[];
export function formatFinding(finding: Finding): string;
export function reviewAge(list: AdvisoryList, now: Date): ReviewAge;
