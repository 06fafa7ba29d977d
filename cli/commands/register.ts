/**
 * `streetsense register`: the public register pages, the open data API, exports and the admin API
 * on the public port, in a process of their own (device intake is `streetsense ingest`). When
 * ready it prints one JSON line `{"event":"listening","port":N}` on stdout.
 */
import type { Command } from 'commander'
import { addSettingOptions, createLogger, runService, settingsOrExit } from '../../core/index.js'
import { loadRegisterConfig, RegisterSettingsSchema, startRegister } from '../../register/index.js'

export function registerRegisterCommand(program: Command): void {
  const command = program
    .command('register')
    .description('Serve the public register, the open data API, exports and the admin API on the public port')
  addSettingOptions(command, RegisterSettingsSchema).action(async (opts: Record<string, unknown>) => {
    const config = settingsOrExit(() => loadRegisterConfig(opts))
    if (!config) return
    const logger = createLogger()
    await runService({
      name: 'register',
      failureCode: 'IOT_REGISTER_START_FAILED',
      log: logger,
      start: () => startRegister(config, { logger }),
      started: (register) => console.log(JSON.stringify({ event: 'listening', port: register.port })),
    })
  })
}
