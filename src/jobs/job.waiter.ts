/** Waiting for the end of a job one publishes (shared with the typed client, whose package owns it). */
export { JobWaiter, type JobEndSource } from '@coupon-code-service/client/internal';
