/** Subscription-State (RFC 6665 §8.2.3): see event.ts, which holds the event-package headers. */
export { parseSubscriptionState, subscriptionState, type SubscriptionState } from './event';
