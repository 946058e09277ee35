// The one live delivery feed of the app. `api.inboxSubscribe` replaces the previous subscriber,
// so only this module calls it, once, and fans every delivery out to its listeners.
import { api, type DeliverySummary } from "./api";

export type DeliveryListener = (d: DeliverySummary) => void;
export type Subscribe = (onDelivery: DeliveryListener) => Promise<void>;

export type Listening = {
  /** Settles once the feed is connected; deliveries stored from then on reach the listener. */
  ready: Promise<void>;
  /** Removes the listener. Safe to call more than once. */
  stop: () => void;
};

export type Feed = {
  listen: (listener: DeliveryListener) => Listening;
  listenerCount: () => number;
};

export function createFeed(subscribe: Subscribe): Feed {
  const listeners = new Set<DeliveryListener>();
  let connected: Promise<void> | null = null;

  function dispatch(d: DeliverySummary) {
    for (const listener of [...listeners]) {
      try {
        listener(d);
      } catch (e) {
        // One broken listener must not starve the others.
        console.error("delivery listener failed", e);
      }
    }
  }

  function connect(): Promise<void> {
    if (!connected) {
      connected = subscribe(dispatch).catch((e: unknown) => {
        connected = null; // let the next listener try again
        throw e;
      });
    }
    return connected;
  }

  return {
    listen(listener) {
      // Wrap so the same function can listen twice and each stop removes only its own copy.
      const own: DeliveryListener = (d) => listener(d);
      listeners.add(own);
      return { ready: connect(), stop: () => listeners.delete(own) };
    },
    listenerCount: () => listeners.size,
  };
}

/** The app's feed. */
export const feed: Feed = createFeed((onDelivery) => api.inboxSubscribe(onDelivery));
