/** Where a job stands (shared with the typed client, whose package owns it). */
export {
  addUnlessAnswered,
  jobStatus,
  type JobEnd,
  type JobStatus,
  type Settlement,
} from '@coupon-code-service/client/internal';
