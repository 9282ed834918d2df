import { RedemptionLog, type LogPage, type LogQuery } from '../redemption.log.js';
import type { MemoryData } from './data.memory.js';

export class MemoryRedemptionLog extends RedemptionLog {
  constructor(private readonly data: MemoryData) {
    super();
  }

  async list(code: string, query: LogQuery, now: number): Promise<LogPage> {
    const log = this.data.logs.get(code);
    return log
      ? log.page(query, now - this.data.options.logTtlMs)
      : { items: [], nextCursor: null };
  }
}
