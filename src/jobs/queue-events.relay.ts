/** Hearing the ends of jobs other processes finish (shared with the typed client, whose package owns it). */
export {
  QueueEventsRelay,
  type QueueEventsRelayOptions,
} from '@coupon-code-service/client/internal';
