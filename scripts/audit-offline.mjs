// Offline dependency audit: node scripts/audit-offline.mjs [path/to/package-lock.json]
// Prints every pinned package copy inside a vulnerable range of security/advisories.json and exits
// 1 when there is one, when the list is malformed, or when its review is older than maxAgeDays.
// The same checks run in test/dependency-audit.spec.ts; README.md, "Dependency audit", has more.
import {
  auditLockfile,
  checkAdvisoryList,
  formatFinding,
  installedPackages,
  loadAdvisories,
  readJson,
  reviewAge,
} from '../security/offline-audit.mjs';

const lockPath = process.argv[2] ?? 'package-lock.json';
const list = loadAdvisories();
const lock = readJson(lockPath);
let failed = false;

const problems = checkAdvisoryList(list);
for (const problem of problems) console.log(`advisory list: ${problem}`);
failed ||= problems.length > 0;

const advised = new Set(list.advisories.map((a) => a.package));
const checked = installedPackages(lock).filter((p) => advised.has(p.name));
const findings = auditLockfile(lock, list);
for (const finding of findings) console.log(`VULNERABLE ${formatFinding(finding)}`);
failed ||= findings.length > 0;

const age = reviewAge(list, new Date());
if (age.stale) {
  console.log(
    `advisory list reviewed ${age.reviewed}, ${age.ageDays} days ago (limit ${age.maxAgeDays}): ` +
      'review it against the advisory database and update "reviewed"',
  );
}
failed ||= age.stale;

console.log(
  `${lockPath}: ${checked.length} copies of ${advised.size} advised packages checked against ` +
    `${list.advisories.length} advisories (reviewed ${age.reviewed}); ` +
    `${findings.length} vulnerable${failed ? '' : ', list current'}`,
);
process.exitCode = failed ? 1 : 0;
