/**
 * `sensors add-account` / `sensors ensure-account`: accounts that are not sensors: ingest, reader,
 * operator (commands the devices of its boroughs) and admin. `ensure-account` is the idempotent
 * form for deployments.
 */
import type { Command } from 'commander'
import { StreetsenseError } from '../../../core/index.js'
import type { AccountRole } from '../../../registry/index.js'
import { boroughsOption } from '../../borough-option.js'
import { registrySubcommand, withRegistry } from './registry-action.js'

export function registerServiceAccountCommands(sensors: Command): void {
  registrySubcommand(
    sensors,
    'add-account',
    'Create an account (ingest, reader, operator or admin) and issue its password',
  )
    .requiredOption('--username <name>', 'account name (also the prefix of its MQTT client ids)')
    .requiredOption('--role <role>', 'ingest | reader | operator | admin')
    .option(
      '--boroughs <codes or names>',
      'comma-separated boroughs (codes or names) the account is limited to (required for operator)',
    )
    .action(
      withRegistry((registry, o) => {
        const boroughs = boroughsOption(o.boroughs)
        const creds = registry.addAccount({ username: String(o.username), role: o.role as AccountRole, boroughs })
        if (o.json) return console.log(JSON.stringify({ ...creds, role: o.role, boroughs }))
        console.log(`username: ${creds.username}\npassword: ${creds.password}\n(shown once)`)
      }),
    )

  registrySubcommand(
    sensors,
    'ensure-account',
    'Create a service account if missing and set its password from an environment variable (idempotent; for deployments)',
  )
    .requiredOption('--username <name>', 'account name')
    .requiredOption('--role <role>', 'ingest | reader | operator | admin')
    .requiredOption('--password-env <variable>', 'environment variable holding the password (at least 22 characters)')
    .option('--boroughs <codes or names>', 'comma-separated boroughs (codes or names) the account is limited to')
    .action(
      withRegistry(async (registry, o) => {
        const variable = String(o.passwordEnv)
        const password = process.env[variable]
        if (!password)
          throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', `${variable} is not set`, 'password-env')
        const username = String(o.username)
        const boroughs = boroughsOption(o.boroughs)
        const existing = registry.getAccount(username)
        if (existing && existing.role !== o.role) {
          throw new StreetsenseError(
            'IOT_REGISTRY_DUPLICATE',
            `account ${username} exists with role ${existing.role}`,
            'role',
          )
        }
        if (!existing) registry.addAccount({ username, role: o.role as AccountRole, boroughs }, 'ensure-account')
        // Only write the password when it changed, so re-running a deployment leaves the audit trail quiet.
        if (!existing || !(await registry.verify(username, password)))
          registry.setPassword(username, password, 'ensure-account')
        const state = existing ? 'exists' : 'created'
        if (o.json) return console.log(JSON.stringify({ username, role: o.role, state }))
        console.log(`account ${username} (${o.role}) ${state}; password set from ${variable}`)
      }),
    )
}
