/**
 * Stand-alone entry of the edge agent (`node --import tsx edge/main.ts --config FILE`): the same as
 * `streetsense edge run`, without loading the rest of the CLI, so a Pi starts faster and the
 * agent does not depend on the server-side stages.
 */
import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createLogger, runService } from '../core/index.js'
import { createEdgeAgent, type EdgeAgent } from './agent.js'
import { loadEdgeConfig } from './config.js'
import { createNotifier } from './notify.js'
import { startHealthReport } from './update/health.js'
import { agentVersion } from './version.js'

/** Loads the config, starts the agent, tells systemd, and stops cleanly on SIGINT/SIGTERM. */
export async function runEdgeAgent(
  configPath: string,
  logLevel = process.env.STREETSENSE_LOG_LEVEL ?? 'info',
): Promise<EdgeAgent | undefined> {
  const config = loadEdgeConfig(configPath)
  const logger = createLogger(logLevel, 'streetsense-edge')
  const notifier = createNotifier()
  const running = await runService({
    name: 'edge agent',
    failureCode: 'IOT_EDGE_START_FAILED',
    log: logger,
    start: async () => {
      const agent = createEdgeAgent(config, { logger, onHealthy: () => notifier.healthy() })
      await agent.start()
      // What the updater's trial reads: this version, connected, publishes acknowledged (docs/edge.md).
      const health = startHealthReport(agent, join(config.dataDir, 'health.json'), agentVersion())
      const close = () => {
        health.stop()
        return agent.stop()
      }
      return { agent, close }
    },
    started: () => notifier.ready(),
  })
  return running?.agent
}

// realpath: systemd starts the agent as /opt/streetsense/current/main.mjs, a symlink into releases/.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const { values } = parseArgs({ options: { config: { type: 'string' }, 'log-level': { type: 'string' } } })
  const configPath = values.config ?? process.env.STREETSENSE_CONFIG
  if (!configPath) {
    process.stderr.write('usage: edge/main.ts --config FILE\n')
    process.exit(2)
  }
  runEdgeAgent(configPath, values['log-level']).catch((err: Error & { code?: string }) => {
    process.stderr.write(`${err.code ?? 'IOT_EDGE_START_FAILED'}: ${err.message}\n`)
    process.exit(2)
  })
}
