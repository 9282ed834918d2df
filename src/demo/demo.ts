/**
 * `npm run demo`: against a running service when SERVICE_URL, ADMIN_TOKEN and REDIS_URL are set
 * (QUEUE_PREFIX optional), otherwise against one it starts in this process (on REDIS_URL, or an
 * embedded redis-server when that is unset too).
 */
import { formatReport, runDemo, type ExternalService } from './run-demo.js';

const { SERVICE_URL, ADMIN_TOKEN, REDIS_URL, QUEUE_PREFIX } = process.env;
let service: ExternalService | undefined;
if (SERVICE_URL && ADMIN_TOKEN && REDIS_URL) {
  service = {
    url: SERVICE_URL,
    adminToken: ADMIN_TOKEN,
    redisUrl: REDIS_URL,
    queuePrefix: QUEUE_PREFIX,
  };
} else if (SERVICE_URL) {
  console.error('SERVICE_URL needs ADMIN_TOKEN and REDIS_URL too (the client publishes to Redis)');
  process.exit(2);
}

console.log(
  service
    ? `Demo against ${SERVICE_URL} (queue prefix ${QUEUE_PREFIX ?? 'bull'})`
    : `Demo against an in-process service on ${REDIS_URL ? 'REDIS_URL' : 'an embedded redis-server'}`,
);
const report = await runDemo({
  service,
  redisUrl: REDIS_URL || undefined,
  queuePrefix: QUEUE_PREFIX || undefined,
});
console.log(formatReport(report));
process.exit(report.problems.length === 0 ? 0 : 1);
