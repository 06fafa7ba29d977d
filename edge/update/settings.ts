/** Settings of the node's updater (edge/update/main.ts): flags or STREETSENSE_* variables, e.g. from /etc/streetsense/updater.env. */
import type { SettingsSchema } from '../../core/index.js'

export interface UpdaterSettings {
  installRoot: string
  updateStateDir: string
  releasePubkey: string
  agentUnits: string[]
  healthFiles: string[]
  healthTimeoutSeconds: number
  inbox: string
  arduinoPort?: string
  arduinoBoard: string
  logLevel: string
}

export const UpdaterSettingsSchema: SettingsSchema = {
  $id: 'streetsense:settings:updater',
  type: 'object',
  additionalProperties: false,
  properties: {
    installRoot: {
      type: 'string',
      minLength: 1,
      description: 'Where releases/, current and previous live',
      default: '/opt/streetsense',
    },
    updateStateDir: {
      type: 'string',
      minLength: 1,
      description: 'update-state.json and the firmware kept for a rollback (outside releases/)',
      default: '/var/lib/streetsense/update',
    },
    releasePubkey: {
      type: 'string',
      minLength: 1,
      description: 'The pinned public release key (from `streetsense fleet keygen`)',
      default: '/etc/streetsense/trust/release.pub',
    },
    agentUnits: {
      type: 'array',
      items: { type: 'string', pattern: '^[A-Za-z0-9@._:-]+$' },
      description: 'systemd units of the agent instances, restarted after a switch (comma-separated)',
      default: ['streetsense-edge@air'],
    },
    healthFiles: {
      type: 'array',
      items: { type: 'string' },
      description: "Each instance's health.json (<dataDir>/health.json), all must be healthy (comma-separated)",
      default: ['/var/lib/streetsense-edge/air/health.json'],
    },
    healthTimeoutSeconds: {
      type: 'integer',
      minimum: 5,
      maximum: 3600,
      description: 'How long a new release has to connect and publish before it is rolled back',
      default: 180,
    },
    inbox: {
      type: 'string',
      minLength: 1,
      description: 'Where agents hand over releases fetched for update commands (`updater take` installs them)',
      default: '/var/lib/streetsense/update/inbox',
    },
    arduinoPort: { type: 'string', minLength: 1, description: 'Serial port of the Arduino, for firmware releases' },
    arduinoBoard: { type: 'string', description: 'Board type for firmware releases (avrgirl name)', default: 'uno' },
    logLevel: { type: 'string', description: 'Log level', default: 'info', enum: ['debug', 'info', 'warn', 'error'] },
  },
}
