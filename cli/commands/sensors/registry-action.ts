/**
 * What every `streetsense sensors` subcommand shares: the registry settings flags, `--json`,
 * an open registry per run, and one way of reporting known errors (message, field, exit code 1).
 */
import type { Command } from 'commander'
import { type RegistrySettings, RegistrySettingsSchema } from '../../../broker/config.js'
import { RegistryError } from '../../../broker/errors.js'
import { openRegistry, type Registry } from '../../../broker/registry/registry.js'
import { addSettingOptions, ConfigError, loadSettings } from '../../settings.js'

export type Opts = Record<string, unknown> & { json?: boolean }

/** A bad flag or file given on the command line; `field` names the flag so the user knows what to fix. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
  }
}

/** Runs one subcommand with an open registry; turns known errors into a message and exit code 1. */
export function withRegistry(fn: (registry: Registry, opts: Opts, args: string[]) => void | Promise<void>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command
    const opts = command.opts() as Opts
    const args = command.args
    let registry: Registry | undefined
    try {
      const settings = loadSettings<RegistrySettings>(RegistrySettingsSchema, opts)
      registry = openRegistry(settings.dataDir)
      await fn(registry, opts, args)
    } catch (err) {
      if (err instanceof RegistryError || err instanceof ConfigError || err instanceof UsageError) {
        const field = err.field ? ` (field ${err.field})` : ''
        const code = 'code' in err ? `${String(err.code)}: ` : ''
        if (opts.json)
          console.log(
            JSON.stringify({
              error: { code: (err as { code?: string }).code, field: err.field, message: err.message },
            }),
          )
        console.error(`error: ${code}${err.message}${field}`)
        process.exitCode = 1
      } else throw err
    } finally {
      registry?.close()
    }
  }
}

/** Adds a subcommand that takes the registry settings flags and `--json`, like every sensors subcommand. */
export const registrySubcommand = (parent: Command, name: string, description: string) =>
  addSettingOptions(parent.command(name).description(description), RegistrySettingsSchema).option(
    '--json',
    'machine-readable output',
  )
