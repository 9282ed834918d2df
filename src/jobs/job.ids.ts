/** The ids of the jobs on our queues: part of the queue contract, owned by the client package. */
export {
  ownRedemptionJobId,
  redemptionJobId,
  releaseJobId,
  reservationJobId,
  rollbackJobId,
} from '@coupon-code-service/client/contract';
