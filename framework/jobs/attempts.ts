/** When BullMQ will not run a failed job again: the one rule every worker reports failures by. */
import type { Job } from 'bullmq';

/**
 * Whether a job that just failed has used all its attempts (BullMQ moves it to the failed set
 * for good), as opposed to waiting for a retry.
 *
 * @example
 * ```ts
 * worker.on('failed', (job, error) => log(error, job ? outOfAttempts(job) : true));
 * ```
 */
export function outOfAttempts(job: Pick<Job, 'attemptsMade' | 'opts'>): boolean {
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}
