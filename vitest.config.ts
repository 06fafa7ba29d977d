import { defineConfig } from 'vitest/config'

// vitest 5's reporter calls Map.groupBy (Node >= 21); Node 20 lacks it, and a failing test would
// then crash the reporter instead of being reported.
if (typeof (Map as { groupBy?: unknown }).groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    value<K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, V[]> {
      const groups = new Map<K, V[]>()
      let i = 0
      for (const item of items) {
        const k = key(item, i++)
        const group = groups.get(k)
        if (group) group.push(item)
        else groups.set(k, [item])
      }
      return groups
    },
  })
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Flow tests start real servers (influxd, brokers, Chromium); two cores cannot run many at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
})
