/**
 * The live feed: broker messages checked (events.ts) and published to the hub. Register entries
 * are cached for a few seconds: a message for every reading must not cost a registry read.
 */
import type { Logger } from 'pino'
import type { RegisterEntry } from '../../schemas/index.js'
import type { OpenDataRegistry } from '../api-context.js'
import { checkMessage, liveJson } from './events.js'
import { DEFAULT_HUB_LIMITS, type HubLimits, LiveHub } from './hub.js'
import type { LiveSource } from './mqtt-source.js'

export interface LiveOptions {
  source: LiveSource
  limits?: Partial<HubLimits>
  /** Readings whose interval ended longer ago than this are not live (a backlog): default 15 min. */
  maxAgeMs?: number
}

const ENTRY_TTL_MS = 10_000

export class LiveFeed {
  readonly hub: LiveHub
  private readonly entries = new Map<string, { entry: RegisterEntry | undefined; at: number }>()
  published = 0

  constructor(
    private readonly opts: LiveOptions,
    private readonly registry: Pick<OpenDataRegistry, 'getSensor'>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.hub = new LiveHub({ ...DEFAULT_HUB_LIMITS, ...opts.limits }, now)
  }

  async start(): Promise<void> {
    await this.opts.source.start((topic, payload) => this.onMessage(topic, payload))
  }

  async stop(): Promise<void> {
    this.hub.close()
    await this.opts.source.stop()
  }

  onMessage(topic: string, payload: Buffer): void {
    try {
      const now = this.now()
      const checked = checkMessage(topic, payload, (id) => this.entryOf(id, now), now, this.opts.maxAgeMs ?? 900_000)
      if (!checked) return
      for (const reading of checked.readings) this.hub.publish(checked.entry, liveJson(reading))
      this.published += checked.readings.length
    } catch (err) {
      this.log.warn({ err, topic }, 'live feed: message skipped')
    }
  }

  private entryOf(id: string, now: number): RegisterEntry | undefined {
    const cached = this.entries.get(id)
    if (cached && now - cached.at < ENTRY_TTL_MS) return cached.entry
    const entry = this.registry.getSensor(id)?.entry
    if (this.entries.size > 100_000) this.entries.clear()
    this.entries.set(id, { entry, at: now })
    return entry
  }
}
