/**
 * Several load generator processes steered as one (bench/fleet: one process cannot hold more
 * sockets than its open-files limit). Sensor i goes to shard i mod `shards`; every command goes
 * to all shards (a paced rate split by their share of the sensors) and their answers are merged
 * (counts summed, times the latest).
 */

import {
  type GeneratorStats,
  type LoadGenerator,
  type LoadStepResult,
  type StartOptions,
  startLoadGenerator,
} from './control.js'
import type { GeneratorConfig } from './generator.js'

export interface ShardedLoad extends Omit<LoadGenerator, 'proc'> {
  pids: number[]
}

function mergeSteps(parts: LoadStepResult[]): LoadStepResult {
  return {
    event: 'step-done',
    published: Object.assign({}, ...parts.map((p) => p.published)),
    acked: Object.assign({}, ...parts.map((p) => p.acked)),
    resent: parts.reduce((a, p) => a + p.resent, 0),
    firstAt: Math.min(...parts.map((p) => p.firstAt)),
    lastAckAt: Math.max(...parts.map((p) => p.lastAckAt)),
    outstanding: parts.reduce((a, p) => a + p.outstanding, 0),
  }
}

function mergeStats(parts: GeneratorStats[]): GeneratorStats {
  const add = (k: 'connected' | 'outstanding' | 'closed' | 'reconnected' | 'closes') =>
    parts.reduce((a, p) => a + p[k], 0)
  return {
    at: Math.max(...parts.map((p) => p.at)),
    markAt: Math.min(...parts.map((p) => p.markAt)),
    connected: add('connected'),
    outstanding: add('outstanding'),
    closed: add('closed'),
    reconnected: add('reconnected'),
    closes: add('closes'),
    lastReconnectAt: Math.max(...parts.map((p) => p.lastReconnectAt)),
  }
}

export async function startShardedLoad(
  config: GeneratorConfig,
  shards: number,
  opts: StartOptions = {},
): Promise<ShardedLoad> {
  const configs = Array.from({ length: shards }, (_, k) => ({
    ...config,
    sensors: config.sensors.filter((_, i) => i % shards === k),
    connectConcurrency: Math.max(1, Math.round((config.connectConcurrency ?? 10) / shards)),
  }))
  const gens = await Promise.all(configs.map((c) => startLoadGenerator(c, opts)))
  return {
    pids: gens.map((g) => g.pid),
    pid: gens[0]!.pid,
    connect: {
      connections: gens.reduce((a, g) => a + g.connect.connections, 0),
      connectMs: Math.max(...gens.map((g) => g.connect.connectMs)),
      refusals: gens.reduce((a, g) => a + g.connect.refusals, 0),
      timeouts: gens.reduce((a, g) => a + g.connect.timeouts, 0),
    },
    // A paced rate is for the whole fleet: each shard offers its share.
    step: async (rate, seconds, seqStart, settleMs) =>
      mergeSteps(
        await Promise.all(
          gens.map((g, k) =>
            g.step((rate * configs[k]!.sensors.length) / config.sensors.length, seconds, seqStart, settleMs),
          ),
        ),
      ),
    stats: async () => mergeStats(await Promise.all(gens.map((g) => g.stats()))),
    mark: async () => Math.min(...(await Promise.all(gens.map((g) => g.mark())))),
    cut: async () => {
      await Promise.all(gens.map((g) => g.cut()))
    },
    stop: async () => {
      await Promise.all(gens.map((g) => g.stop()))
    },
  }
}
