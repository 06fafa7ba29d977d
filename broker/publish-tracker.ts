/**
 * Counts publishes Aedes has started and not finished. Aedes sends a QoS 1 PUBACK first and then
 * publishes: it looks up the persistent sessions subscribed to the topic and queues the message
 * for the offline ones (with Redis persistence, a Redis write), then emits it. A shutdown right
 * after the last PUBACK must wait for those, or the restarted broker has lost them (seen in CI: 4
 * of 300 readings). Aedes calls `publish`'s callback when every step is done.
 */
import type { Aedes } from 'aedes'

export interface PublishTracker {
  inFlight(): number
  /** Resolves when no publish is in flight, or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void>
}

export function trackPublishes(aedes: Aedes): PublishTracker {
  let inFlight = 0
  const publish = aedes.publish.bind(aedes) as (packet: unknown, client: unknown, done?: (err?: Error) => void) => void
  // Aedes' handlers call `client.broker.publish(...)`: the instance property wins over the prototype.
  ;(aedes as unknown as { publish: typeof publish }).publish = (packet, client, done) => {
    if (typeof client === 'function') {
      done = client as (err?: Error) => void
      client = null
    }
    inFlight++
    publish(packet, client, (err?: Error) => {
      inFlight--
      done?.(err)
    })
  }
  return {
    inFlight: () => inFlight,
    async settled(timeoutMs) {
      const deadline = Date.now() + timeoutMs
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    },
  }
}
