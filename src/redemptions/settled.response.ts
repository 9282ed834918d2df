import { HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import type { Settlement } from '../jobs/job.status.js';

/**
 * The REST answer to a job published and waited for: its outcome under the status `statusOf`
 * picks, 202 with the job id while it is undecided, 503 when the job failed. Without a job id,
 * the answer came without publishing (it is completed).
 */
export function answerSettled<T>(
  res: Response,
  job: string,
  { jobId, settlement }: { jobId?: string; settlement: Settlement<T> },
  statusOf: (outcome: T) => HttpStatus,
): T | { jobId?: string; status: 'pending' } {
  switch (settlement.kind) {
    case 'completed':
      res.status(statusOf(settlement.value));
      return settlement.value;
    case 'failed':
      throw new ServiceUnavailableException(`${job} job ${jobId} failed: ${settlement.error}`);
    case 'pending':
      res.status(HttpStatus.ACCEPTED);
      return { jobId, status: 'pending' };
  }
}
