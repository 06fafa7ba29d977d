/**
 * HTTP intake's rate per device, as the broker limits publishes per device on MQTT: a token
 * bucket per authenticated sensor. Over it the request is refused with 429 and Retry-After
 * (nothing was acknowledged, so the device keeps the readings and sends them again later);
 * holding the request open instead, as the broker holds a PUBACK, would cost a socket each.
 * Refusals take no token, so a device that retries too early runs up no debt.
 */
import type { FastifyReply } from 'fastify'
import { StreetsenseError, TokenBuckets } from '../../core/index.js'
import type { IngestConfig } from '../config.js'

export interface DeviceRate {
  /** Throws IOT_INGEST_RATE_LIMITED (and sets Retry-After) when the sensor is over its rate. */
  admit(sensor: string, reply: FastifyReply): void
}

const SWEEP_MS = 60_000

export function deviceRate(
  config: Pick<IngestConfig, 'httpRequestsPerSecondPerDevice' | 'httpRequestBurst'>,
): DeviceRate {
  const buckets = new TokenBuckets(config.httpRequestsPerSecondPerDevice, config.httpRequestBurst)
  let swept = Date.now()
  return {
    admit(sensor, reply) {
      const now = Date.now()
      if (now - swept > SWEEP_MS) {
        buckets.sweep(now)
        swept = now
      }
      const wait = buckets.tryTake(sensor, now)
      if (wait === 0) return
      reply.header('retry-after', String(Math.ceil(wait / 1000)))
      throw new StreetsenseError(
        'IOT_INGEST_RATE_LIMITED',
        `sensor ${sensor} sends more than ${config.httpRequestsPerSecondPerDevice} requests a second (bursts of ${config.httpRequestBurst}); retry after the header`,
      )
    },
  }
}
