/** `streetsense edge run`: the edge agent for one node config, until SIGTERM/SIGINT. */
import type { Command } from 'commander'
import { addSettingOptions, loadSettings } from '../../../core/index.js'
import { type EdgeSettings, EdgeSettingsSchema } from '../../../edge/index.js'
import { edgeAction } from './edge-action.js'

export function registerRunCommand(edge: Command): void {
  addSettingOptions(
    edge.command('run').description('Run the edge agent for one node config'),
    EdgeSettingsSchema,
  ).action(
    edgeAction(async (flags: Record<string, unknown>) => {
      const settings = loadSettings<EdgeSettings>(EdgeSettingsSchema, flags)
      const { runEdgeAgent } = await import('../../../edge/index.js')
      await runEdgeAgent(settings.config, settings.logLevel)
    }),
  )
}
