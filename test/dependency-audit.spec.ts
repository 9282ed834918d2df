// Offline dependency audit: the versions package-lock.json pins against the advisory list in
// security/advisories.json (npm audit needs the registry's advisory service; this does not).
import {
  auditLockfile,
  checkAdvisoryList,
  formatFinding,
  installedPackages,
  loadAdvisories,
  readJson,
  reviewAge,
  type AdvisoryList,
  type Lockfile,
} from '../security/offline-audit.mjs';

const advisories = loadAdvisories();
const lockfile = readJson(new URL('../package-lock.json', import.meta.url)) as Lockfile;

/** A lockfile v3 holding just these node_modules paths and versions (or full entries). */
const lockWith = (
  entries: Record<string, string | { name: string; version: string }>,
): Lockfile => ({
  lockfileVersion: 3,
  packages: {
    '': { name: 'fixture', version: '1.0.0' },
    ...Object.fromEntries(
      Object.entries(entries).map(([path, v]) => [
        path,
        typeof v === 'string' ? { version: v } : v,
      ]),
    ),
  },
});
const only = (ids: string[]): AdvisoryList => ({
  ...advisories,
  advisories: advisories.advisories.filter((a) => ids.includes(a.id)),
});

describe('the advisory list', () => {
  it('is well formed: GHSA ids, CVE aliases, ranges that parse, a source for each', () => {
    expect(checkAdvisoryList(advisories)).toEqual([]);
  });

  it('covers the packages the service exposes to the network', () => {
    const covered = Object.keys(advisories.packages);
    for (const name of [
      'express',
      'body-parser',
      'path-to-regexp',
      'qs',
      'cookie',
      'send',
      'serve-static',
      'multer',
      '@nestjs/core',
      '@nestjs/common',
      'helmet',
      'ioredis',
      'bullmq',
    ]) {
      expect(covered).toContain(name);
    }
  });

  it('finds what is wrong in a broken list', () => {
    const broken: AdvisoryList = {
      reviewed: '2026-02-30',
      maxAgeDays: 0,
      packages: { express: 'web' },
      advisories: [
        {
          id: 'GHSA-xxxx-0000-1111',
          aliases: ['CVE-2024-1'],
          package: 'expresss',
          vulnerable: '<<4.19',
          summary: '',
          verifiedFrom: 'somewhere',
        },
      ],
    };
    expect(checkAdvisoryList(broken)).toEqual([
      'reviewed must be a YYYY-MM-DD date, not 2026-02-30',
      'maxAgeDays must be a positive whole number, not 0',
      'advisories[0] GHSA-xxxx-0000-1111: id is not a GHSA id',
      'advisories[0] GHSA-xxxx-0000-1111: alias CVE-2024-1 is not a CVE id',
      'advisories[0] GHSA-xxxx-0000-1111: package expresss is not listed under packages',
      'advisories[0] GHSA-xxxx-0000-1111: vulnerable range <<4.19 does not parse',
      'advisories[0] GHSA-xxxx-0000-1111: no summary',
    ]);
  });
});

describe('package-lock.json', () => {
  it('pins no version in a listed vulnerable range, nested copies included', () => {
    const findings = auditLockfile(lockfile, advisories);
    // On failure this names package, pinned version, advisory and node_modules path of each.
    expect(findings.map(formatFinding)).toEqual([]);
  });

  it('is read in full: every copy of an advised package is among those checked', () => {
    const advised = new Set(advisories.advisories.map((a) => a.package));
    const checked = installedPackages(lockfile).filter((p) => advised.has(p.name));
    const paths = checked.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['node_modules/express', 'node_modules/qs']));
    // semver has nested copies under @babel: the walk goes below the top level.
    expect(paths.filter((p) => p.endsWith('/node_modules/semver')).length).toBeGreaterThan(0);
    expect(checked.every((p) => typeof p.version === 'string')).toBe(true);
  });
});

describe('the check itself', () => {
  it('flags a known-vulnerable pin, naming package, version, advisory and path', () => {
    const findings = auditLockfile(lockWith({ 'node_modules/express': '4.17.1' }), advisories);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          package: 'express',
          version: '4.17.1',
          path: 'node_modules/express',
          advisory: 'GHSA-rv95-896h-c2vc',
          aliases: ['CVE-2024-29041'],
        }),
        expect.objectContaining({ package: 'express', advisory: 'GHSA-qw6h-vgh9-j6wx' }),
      ]),
    );
    expect(formatFinding(findings.find((f) => f.advisory === 'GHSA-rv95-896h-c2vc')!)).toBe(
      'express 4.17.1 at node_modules/express: GHSA-rv95-896h-c2vc / CVE-2024-29041 ' +
        '(vulnerable <4.19.2 || >=5.0.0-alpha.1 <5.0.0-beta.3): ' +
        'Open redirect: malformed URLs passed to res.location/res.redirect can bypass allow lists',
    );
  });

  it('flags nested copies and aliased installs, and leaves patched copies alone', () => {
    const lock = lockWith({
      'node_modules/express': '5.3.0',
      'node_modules/qs': '6.17.1',
      'node_modules/legacy/node_modules/qs': '6.7.0',
      'node_modules/legacy/node_modules/@nestjs/core': '10.4.15',
      'node_modules/old-express': { name: 'express', version: '4.19.2' },
    });
    const hits = auditLockfile(lock, advisories).map((f) => `${f.path} ${f.advisory}`);
    expect(hits).toEqual(
      expect.arrayContaining([
        'node_modules/legacy/node_modules/qs GHSA-hrpp-h998-j3pp',
        'node_modules/legacy/node_modules/@nestjs/core GHSA-36xv-jgw5-4q75',
        'node_modules/old-express GHSA-qw6h-vgh9-j6wx',
      ]),
    );
    expect(hits.filter((h) => h.startsWith('node_modules/express '))).toEqual([]);
    expect(hits.filter((h) => h.startsWith('node_modules/qs '))).toEqual([]);
    expect(hits).not.toContain('node_modules/old-express GHSA-rv95-896h-c2vc'); // fixed in 4.19.2
  });

  it('matches range edges as the advisories give them, prereleases included', () => {
    const hit = (version: string, id: string, name: string) =>
      auditLockfile(lockWith({ [`node_modules/${name}`]: version }), only([id])).length === 1;
    expect(hit('2.2.0', 'GHSA-wqch-xfxh-vrr4', 'body-parser')).toBe(true);
    expect(hit('2.2.1', 'GHSA-wqch-xfxh-vrr4', 'body-parser')).toBe(false);
    expect(hit('2.1.0', 'GHSA-wqch-xfxh-vrr4', 'body-parser')).toBe(false);
    expect(hit('8.3.0', 'GHSA-j3q9-mxjg-w52f', 'path-to-regexp')).toBe(true);
    expect(hit('8.4.0', 'GHSA-j3q9-mxjg-w52f', 'path-to-regexp')).toBe(false);
    expect(hit('0.1.12', 'GHSA-37ch-88jc-xwx2', 'path-to-regexp')).toBe(true);
    expect(hit('1.4.5-lts.2', 'GHSA-4pg4-qvpc-4q3h', 'multer')).toBe(true);
    expect(hit('2.0.0-rc.4', 'GHSA-3p4h-7m6x-2hcm', 'multer')).toBe(true);
    expect(hit('2.0.0-beta.1', 'GHSA-cm22-4g7w-348p', 'serve-static')).toBe(false);
    expect(hit('6.15.3', 'GHSA-x5fp-wj9c-mxmx', 'qs')).toBe(true);
  });

  it('reports a copy of an advised package whose version it cannot read', () => {
    const findings = auditLockfile(
      lockWith({ 'node_modules/qs': 'github:ljharb/qs#main' }),
      only(['GHSA-hrpp-h998-j3pp']),
    );
    expect(findings.map(formatFinding)).toEqual([
      'qs github:ljharb/qs#main at node_modules/qs: GHSA-hrpp-h998-j3pp / CVE-2022-24999 ' +
        `(vulnerable ${only(['GHSA-hrpp-h998-j3pp']).advisories[0].vulnerable}): ` +
        'pinned version is not valid semver',
    ]);
  });

  it('refuses a lockfile without a packages map (lockfile v1)', () => {
    expect(() => auditLockfile({ lockfileVersion: 1 } as unknown as Lockfile, advisories)).toThrow(
      /lockfile v2 or v3/,
    );
  });
});

describe('the advisory list is kept current', () => {
  it(`was reviewed at most maxAgeDays ago (refresh it as README "Dependency audit" says)`, () => {
    // On failure the diff shows the review date and its age in days.
    expect(reviewAge(advisories, new Date())).toEqual(expect.objectContaining({ stale: false }));
  });

  it('goes stale the day after maxAgeDays have passed', () => {
    const list: AdvisoryList = { ...advisories, reviewed: '2026-12-01', maxAgeDays: 120 };
    expect(reviewAge(list, new Date('2027-03-31T23:59:59Z'))).toEqual({
      reviewed: '2026-12-01',
      ageDays: 120,
      maxAgeDays: 120,
      stale: false,
    });
    expect(reviewAge(list, new Date('2027-04-01T00:00:00Z')).stale).toBe(true);
  });
});
