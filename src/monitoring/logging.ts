import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import PinoPretty from 'pino-pretty';
import type { AppConfig } from '../config/app-config.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The std-serialized request and response pino-http hands to a custom serializer. */
interface LoggedRequest {
  id: unknown;
  method: string;
  url: string;
  headers?: unknown;
}
interface LoggedResponse {
  statusCode: number;
  headers?: unknown;
}

/**
 * Logs through pino: JSON lines, or readable lines when stdout is a terminal. Each HTTP log line
 * carries a request id (the caller's X-Request-Id when sane, else a new one, echoed back); headers
 * only at debug and trace; credentials never reach a log line.
 */
export function loggingOptions(
  config: AppConfig,
  { pretty = process.stdout.isTTY === true } = {},
): Params {
  const withHeaders = config.logLevel === 'debug' || config.logLevel === 'trace';
  const options = {
    level: config.logLevel,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: withHeaders
      ? undefined
      : {
          req: ({ id, method, url }: LoggedRequest) => ({ id, method, url }),
          res: ({ statusCode }: LoggedResponse) => ({ statusCode }),
        },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    // Health probes come every few seconds; their lines would drown the rest.
    autoLogging: { ignore: (req: IncomingMessage) => req.url?.startsWith('/health') ?? false },
  };
  return { pinoHttp: pretty ? [options, prettyStream()] : options };
}

/**
 * pino-pretty for a terminal: `[12:00:01.234] INFO: [Context] message`; an HTTP line reads
 * `... INFO: GET /coupons 200 request completed`, with the remaining fields on one line.
 */
export function prettyStream(
  destination: NodeJS.WritableStream = process.stdout,
): DestinationStream {
  return PinoPretty({
    destination,
    colorize: destination === process.stdout,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res',
    singleLine: true,
    messageFormat:
      '{if context}[{context}] {end}{if req}{req.method} {req.url} {res.statusCode} {end}{msg}',
  });
}

/** Nest's own start-up chatter: every module loaded, every route mapped. */
const START_UP_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/**
 * The app's logger, with Nest's start-up chatter moved from info to debug: at info a start shows
 * what a user needs (where it listens, the Redis, the schedules), and LOG_LEVEL=debug lists routes.
 */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && START_UP_CONTEXTS.has(context)) {
      this.inner.debug?.(message, ...rest);
    } else {
      this.inner.log(message, ...rest);
    }
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...rest);
  }
}
