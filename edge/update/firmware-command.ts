/** `updater firmware DIR`: stop the agents (they hold the Arduino's port), flash and check, start them again. */
import { join } from 'node:path'
import { createLogger, StreetsenseError } from '../../core/index.js'
import { installFirmware } from './firmware.js'
import { loadPublicKey } from './keys.js'
import { systemdRestarter } from './restarter.js'
import type { UpdaterSettings } from './settings.js'

export async function runFirmwareCommand(dir: string, s: UpdaterSettings, stateFile: string): Promise<number> {
  if (!s.arduinoPort)
    throw new StreetsenseError('IOT_USAGE', 'set --arduino-port (STREETSENSE_ARDUINO_PORT)', 'arduinoPort')
  const units = systemdRestarter(s.agentUnits)
  const publicKey = loadPublicKey(s.releasePubkey)
  await units.stop()
  try {
    const o = await installFirmware(dir, {
      publicKey,
      port: s.arduinoPort,
      board: s.arduinoBoard,
      stateFile,
      firmwareDir: join(s.updateStateDir, 'firmware'),
      logger: createLogger(s.logLevel, 'streetsense-updater'),
    })
    const now = o.outcome === 'healthy' ? `the board reports ${o.reported}` : `${o.reason}; now on ${o.previous}`
    process.stdout.write(`${o.outcome}: firmware ${o.version}: ${now}\n`)
    return o.outcome === 'healthy' ? 0 : 1
  } finally {
    await units.start()
  }
}
