/**
 * The ingest's governance duties, on one timer (governancePollMs), one at a time:
 * - load every erasure request from the registry into the writer's filter when the registry
 *   changed (so erased points are never written, whichever instance holds them);
 * - carry out the erasure requests of its boroughs, oldest first (erasure-runner.ts);
 * - every retentionIntervalMs, delete readings past their sensor's retention (retention-job.ts).
 * InfluxDB unreachable: an erasure stays claimed and is tried again on the next tick.
 */
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Registry as PromRegistry } from 'prom-client'
import type { ErasureRecord, Registry } from '../../registry/index.js'
import type { IngestConfig } from '../config.js'
import type { Quarantine } from '../quarantine/quarantine.js'
import type { Spool } from '../spool/spool.js'
import type { InfluxWriter } from '../store/influx-writer.js'
import type { ErasedLines } from './erased-lines.js'
import { runErasure, tombstoneOf } from './erasure-runner.js'
import { createGovernanceMetrics, type GovernanceMetrics } from './governance-metrics.js'
import { isUnreachable } from './influx-delete.js'
import { enforceRetention } from './retention-job.js'

export interface GovernanceParts {
  registry: Registry
  spool: Spool
  quarantine: Quarantine
  writer: InfluxWriter
  erased: ErasedLines
  metricsRegistry: PromRegistry
  logger: Logger
}

interface Loop {
  config: IngestConfig
  parts: GovernanceParts
  metrics: GovernanceMetrics
  stamp?: string
  lastRetention: number
}

/** Loads every erasure into the writer's filter when the registry changed (call before the writer starts). */
export function loadTombstones(registry: Registry, erased: ErasedLines, stamp?: string): string {
  const now = registry.changeStamp()
  if (now !== stamp) erased.set(registry.listErasures({ limit: 10_000 }).map(tombstoneOf))
  return now
}

async function erase(loop: Loop, e: ErasureRecord): Promise<void> {
  const { config, parts, metrics } = loop
  const claimed = parts.registry.claimErasure(e.id, config.instance)
  if (!claimed) return
  const log = parts.logger.child({ erasure: e.id, sensor: e.sensor })
  try {
    const result = await runErasure(
      {
        ...parts,
        target: config,
        archiveDir: config.archiveDir ?? join(config.dataDir, 'archives'),
        graceMs: 2 * config.governancePollMs,
      },
      claimed,
    )
    parts.registry.finishErasure(e.id, { result }, config.instance)
    metrics.erasures.inc({ outcome: 'done' })
    log.info({ result }, 'erasure done')
  } catch (err) {
    if (isUnreachable(err)) return log.warn({ err: (err as Error).message }, 'erasure waits for InfluxDB')
    parts.registry.finishErasure(e.id, { error: (err as Error).message }, config.instance)
    metrics.erasures.inc({ outcome: 'failed' })
    log.error({ err }, 'erasure failed')
  }
}

/** Pending requests of this instance's boroughs and those it had claimed before a restart, oldest first. */
function due(loop: Loop): ErasureRecord[] {
  const { registry } = loop.parts
  const boroughs = loop.config.boroughs
  const mine = registry
    .listErasures({ status: 'running', boroughs, limit: 1000 })
    .filter((e) => e.claimed_by === loop.config.instance)
  return [...mine, ...registry.listErasures({ status: 'pending', boroughs, limit: 1000 })].sort((a, b) => a.id - b.id)
}

async function retention(loop: Loop): Promise<void> {
  const { config, parts, metrics } = loop
  loop.lastRetention = Date.now()
  try {
    const runs = await enforceRetention({
      registry: parts.registry,
      target: config,
      boroughs: config.boroughs,
      actor: config.instance,
    })
    for (const run of runs) metrics.retentionDeleted.inc(run.points)
    metrics.retentionLastSuccess.set(Date.now() / 1000)
    if (runs.length > 0) parts.logger.info({ sensors: runs.length }, 'retention: old readings deleted')
  } catch (err) {
    parts.logger.warn({ err: (err as Error).message }, 'retention run failed; tried again at the next interval')
  }
}

async function tick(loop: Loop): Promise<void> {
  loop.stamp = loadTombstones(loop.parts.registry, loop.parts.erased, loop.stamp)
  for (const e of due(loop)) await erase(loop, e)
  const every = loop.config.retentionIntervalMs
  if (every > 0 && Date.now() - loop.lastRetention >= every) await retention(loop)
}

export function startGovernance(config: IngestConfig, parts: GovernanceParts): { stop(): Promise<void> } {
  const loop: Loop = {
    config,
    parts,
    metrics: createGovernanceMetrics(parts.metricsRegistry, parts.registry, config.boroughs),
    lastRetention: 0,
  }
  let busy: Promise<void> | undefined
  const timer = setInterval(() => {
    busy ??= tick(loop)
      .catch((err: Error) => parts.logger.error({ err }, 'governance tick failed'))
      .finally(() => {
        busy = undefined
      })
  }, config.governancePollMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await busy
    },
  }
}
