/**
 * Who may command which devices: the one rule the broker enforces on cmd topics and the ingest
 * applies before it sends a command (so it never publishes one the broker would refuse).
 */
import type { NewCommand } from './command-types.js'
import type { Account } from './types.js'

/** What the ingest's service account may send on its own (gap repair). */
export const SERVICE_COMMANDS: readonly string[] = ['resend', 'status']

/**
 * Operators and admins command the devices of their boroughs (none when they have none); the
 * ingest those of its boroughs (every borough when it has none). Devices and readers none.
 */
export function commandsBorough(account: Account, borough: string): boolean {
  if (account.role === 'operator' || account.role === 'admin') return account.boroughs.includes(borough)
  if (account.role === 'ingest') return account.boroughs.length === 0 || account.boroughs.includes(borough)
  return false
}

/** True while the issuer of a recorded command is an enabled operator or admin of its borough. */
export function issuerMayCommand(issuer: Account | undefined, command: Pick<NewCommand, 'borough'>): boolean {
  return (
    issuer !== undefined &&
    !issuer.disabled &&
    (issuer.role === 'operator' || issuer.role === 'admin') &&
    commandsBorough(issuer, command.borough)
  )
}
