import type { Hub } from '@sse/hub';

/** A hub that also knows the id of the newest publish of this process that completed. */
export interface TrackedHub extends Hub {
  /**
   * The id of the publish that completed last ('' before the first). Every event with
   * an id up to it was handed to the hub before this call returned, which is what lets
   * a snapshot taken afterwards be joined to a replay from this id without a gap.
   */
  newestId(): string;
}

/** Wraps a hub so the demo can start new connections from a cursor (see `runStream`). */
export function trackNewest(hub: Hub): TrackedHub {
  let newest = '';
  return {
    publish: (topic, message) =>
      hub.publish(topic, message).then((id) => {
        newest = id;
        return id;
      }),
    subscribe: (subscriber, topics, options) => hub.subscribe(subscriber, topics, options),
    stats: () => hub.stats(),
    close: () => hub.close(),
    newestId: () => newest,
  };
}
