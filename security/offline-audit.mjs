// Offline dependency audit: matches every package copy pinned in package-lock.json against the
// vulnerable ranges in security/advisories.json. No network; the advisory list is the input.
// Used by test/dependency-audit.spec.ts and scripts/audit-offline.mjs (npm run audit:offline).
import { readFileSync } from 'node:fs';
import semver from 'semver';

export const ADVISORIES_PATH = new URL('./advisories.json', import.meta.url);

// The GitHub advisory database orders versions as semver does, prereleases included:
// multer 1.4.5-lts.2 is inside "<2.0.0", and 2.0.0-beta.1 is outside ">=2.0.0 <2.1.0".
const RANGE_OPTIONS = { includePrerelease: true };
const GHSA_ID = /^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/;
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

export function readJson(pathOrUrl) {
  return JSON.parse(readFileSync(pathOrUrl, 'utf8'));
}

export function loadAdvisories(pathOrUrl = ADVISORIES_PATH) {
  return readJson(pathOrUrl);
}

/** What is wrong with the advisory list itself, one line each; empty when it is usable. */
export function checkAdvisoryList(list) {
  const problems = [];
  if (!isDay(list.reviewed))
    problems.push(`reviewed must be a YYYY-MM-DD date, not ${list.reviewed}`);
  if (!Number.isInteger(list.maxAgeDays) || list.maxAgeDays <= 0) {
    problems.push(`maxAgeDays must be a positive whole number, not ${list.maxAgeDays}`);
  }
  const packages = list.packages ?? {};
  const seen = new Set();
  for (const [i, a] of (list.advisories ?? []).entries()) {
    const where = `advisories[${i}] ${a.id ?? '(no id)'}`;
    if (!GHSA_ID.test(a.id ?? '')) problems.push(`${where}: id is not a GHSA id`);
    for (const alias of a.aliases ?? []) {
      if (!CVE_ID.test(alias)) problems.push(`${where}: alias ${alias} is not a CVE id`);
    }
    if (!Object.hasOwn(packages, a.package)) {
      problems.push(`${where}: package ${a.package} is not listed under packages`);
    }
    if (
      typeof a.vulnerable !== 'string' ||
      semver.validRange(a.vulnerable, RANGE_OPTIONS) === null
    ) {
      problems.push(`${where}: vulnerable range ${a.vulnerable} does not parse`);
    }
    for (const field of ['summary', 'verifiedFrom']) {
      if (typeof a[field] !== 'string' || a[field].trim() === '')
        problems.push(`${where}: no ${field}`);
    }
    const key = `${a.id} ${a.package}`;
    if (seen.has(key)) problems.push(`${where}: listed twice for ${a.package}`);
    seen.add(key);
  }
  return problems;
}

/** Every package copy in a lockfile v2/v3: name, pinned version and its node_modules path. */
export function installedPackages(lock) {
  if (!lock || typeof lock.packages !== 'object' || lock.packages === null) {
    throw new Error(
      'not a lockfile v2 or v3: it has no "packages" map (run npm install with npm 7+)',
    );
  }
  const installed = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.includes('node_modules/') || entry.link) continue; // the root, workspaces, links
    // An alias (npm:real-name@x) records the real name; otherwise it is the last path segment.
    const name =
      entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    installed.push({ name, version: entry.version, path });
  }
  return installed;
}

/**
 * One finding per (installed copy, advisory) whose pinned version is in the vulnerable range,
 * and one per copy of an advised package whose version cannot be read (so it cannot pass unseen).
 */
export function auditLockfile(lock, list) {
  const byPackage = new Map();
  for (const a of list.advisories) {
    byPackage.set(a.package, [...(byPackage.get(a.package) ?? []), a]);
  }
  const findings = [];
  for (const copy of installedPackages(lock)) {
    const advisories = byPackage.get(copy.name);
    if (!advisories) continue;
    const version = semver.valid(copy.version);
    for (const a of advisories) {
      if (version === null || semver.satisfies(version, a.vulnerable, RANGE_OPTIONS)) {
        findings.push({
          package: copy.name,
          version: copy.version ?? '(none)',
          path: copy.path,
          advisory: a.id,
          aliases: a.aliases ?? [],
          vulnerable: a.vulnerable,
          summary: version === null ? 'pinned version is not valid semver' : a.summary,
        });
      }
    }
  }
  return findings;
}

export function formatFinding(f) {
  const ids = [f.advisory, ...f.aliases].join(' / ');
  return `${f.package} ${f.version} at ${f.path}: ${ids} (vulnerable ${f.vulnerable}): ${f.summary}`;
}

/** How old the list's review is at `now` (a Date), and whether that is past maxAgeDays. */
export function reviewAge(list, now) {
  const reviewed = Date.parse(`${list.reviewed}T00:00:00Z`);
  const ageDays = Math.floor((now.getTime() - reviewed) / DAY_MS);
  return {
    reviewed: list.reviewed,
    ageDays,
    maxAgeDays: list.maxAgeDays,
    stale: !(ageDays <= list.maxAgeDays),
  };
}

function isDay(value) {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value); // no 2026-02-30
}
