/**
 * What every `streetsense sensors` subcommand shares: the registry settings flags, `--json`,
 * an open registry per run, and one way of reporting known errors (message, field, exit code 1).
 */
import type { Command } from 'commander'
import { type RegistrySettings, RegistrySettingsSchema } from '../../../broker/index.js'
import { addSettingOptions, loadSettings, StreetsenseError } from '../../../core/index.js'
import { openRegistry, type Registry } from '../../../registry/index.js'

export type Opts = Record<string, unknown> & { json?: boolean }

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
      if (err instanceof StreetsenseError) {
        const field = err.field ? ` (field ${err.field})` : ''
        if (opts.json)
          console.log(JSON.stringify({ error: { code: err.code, field: err.field, message: err.message } }))
        console.error(`error: ${err.code}: ${err.message}${field}`)
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
