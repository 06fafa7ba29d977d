import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

/**
 * `npm run test:unit`: the fast tests, which start no process, server or browser of their own
 * (no influxd, broker process, Chromium, socat or CLI). Seconds instead of minutes; the flow
 * tests against the real parts still run in `npm test`. A new test file that needs nothing
 * external belongs here.
 */
export const UNIT_TESTS = [
  'test/architecture/**/*.test.ts',
  'test/schemas/**/*.test.ts',
  'test/edge/unit/**/*.test.ts',
  'test/broker/limits-unit.test.ts',
  'test/broker/registry.test.ts',
  'test/broker/registry-commands.test.ts',
  'test/cli/config-docs.test.ts',
  'test/cli/errors-docs.test.ts',
  'test/cli/help-texts.test.ts',
  'test/cli/settings.test.ts',
  'test/fuzz/schema-properties.test.ts',
  'test/fuzz/topic-properties.test.ts',
  'test/ingest/check-pool.test.ts',
  'test/ingest/gap-repair.test.ts',
  'test/ingest/line-protocol.test.ts',
  'test/ingest/ordered-acks.test.ts',
  'test/ingest/qc-docs.test.ts',
  'test/ingest/qc-rules.test.ts',
  'test/ingest/sc-mapping.test.ts',
  'test/ingest/seq-ranges.test.ts',
  'test/ingest/spool.test.ts',
  'test/register/calibration-fit.test.ts',
  'test/register/daqi.test.ts',
  'test/register/influx-read.test.ts',
  'test/register/mappings.test.ts',
  'test/register/sta-odata.test.ts',
]

export default defineConfig({ ...base, test: { ...base.test, include: UNIT_TESTS } })
