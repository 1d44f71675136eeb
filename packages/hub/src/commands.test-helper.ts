import fc from 'fast-check';

/** One step of a replay scenario: publish, drop a client, bring it back, or let time pass. */
export type Command =
  | { kind: 'publish'; topic: number }
  | { kind: 'disconnect'; client: number }
  | { kind: 'reconnect'; client: number }
  | { kind: 'tick' };

/**
 * Random replay scenarios for the property tests: `topics` and `clients` bound the
 * indexes; `ticks` adds steps that let pending work progress (for scheduled tests).
 */
export function commands(options: { topics: number; clients: number; ticks: boolean }) {
  const { topics, clients, ticks } = options;
  const steps: fc.WeightedArbitrary<Command>[] = [
    {
      arbitrary: fc.record({ kind: fc.constant('publish' as const), topic: fc.nat(topics - 1) }),
      weight: 5,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('disconnect' as const),
        client: fc.nat(clients - 1),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('reconnect' as const),
        client: fc.nat(clients - 1),
      }),
      weight: 3,
    },
  ];
  if (ticks) steps.push({ arbitrary: fc.constant({ kind: 'tick' as const }), weight: 2 });
  return fc.oneof(...steps);
}
