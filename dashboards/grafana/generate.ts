/**
 * Writes the Grafana dashboards JSON (dashboards/grafana/dashboards/*.json) from code, so DAQI
 * thresholds come from the one DAQI module. Run: node --import tsx dashboards/grafana/generate.ts
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { airQualityDashboard } from './air-quality.js'
import { platformHealthDashboard } from './platform-health.js'
import { trafficDashboard } from './traffic.js'

export function allDashboards(): Record<string, unknown> {
  return {
    'air-quality.json': airQualityDashboard(),
    'traffic.json': trafficDashboard(),
    'platform-health.json': platformHealthDashboard(),
  }
}

export function serialise(dashboard: unknown): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [name, json] of Object.entries(allDashboards())) {
    writeFileSync(new URL(`dashboards/${name}`, import.meta.url), serialise(json))
  }
}
