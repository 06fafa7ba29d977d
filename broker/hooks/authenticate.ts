/**
 * CONNECT: username/password against the registry. CONNACK codes (MQTT 3.1.1):
 * 4 = unknown user or wrong password (also: no username/password), 5 = account retired/disabled,
 * throttled address, or a TLS client certificate whose CN is not the username, 2 = client id not
 * allowed (a device's client id must equal its username; a service account's must start with it).
 */

import { type ErrorCode, StreetsenseError } from '../../core/index.js'
import type { Account } from '../../registry/index.js'
import { type AuthenticateHandler, addressOf, type BrokerContext } from '../context.js'
import type { RefusalReason } from '../metrics.js'

const CONNACK = { identifierRejected: 2, badCredentials: 4, notAuthorized: 5 } as const

function clientIdAllowed(account: Account, clientId: string): boolean {
  if (account.role === 'device') return clientId === account.username
  return clientId.startsWith(account.username)
}

export function createAuthenticate(ctx: BrokerContext): AuthenticateHandler {
  const { registry, metrics, log, loginThrottle } = ctx

  return (client, username, password, done) => {
    const address = addressOf(ctx, client)
    const refuse = (reason: RefusalReason, code: ErrorCode, returnCode: number, message: string) => {
      metrics.refusals.inc({ reason })
      log.warn({ address, username, clientId: client.id, reason }, `login refused: ${message}`)
      done(new StreetsenseError(code, message, { returnCode }) as never, null)
    }
    if (loginThrottle.isThrottled(address, username)) {
      return refuse('login_throttled', 'IOT_BROKER_LOGIN_THROTTLED', CONNACK.notAuthorized, 'too many failed logins')
    }
    if (!username || !password) {
      loginThrottle.recordFailure(address, username)
      return refuse('bad_credentials', 'IOT_BROKER_BAD_CREDENTIALS', CONNACK.badCredentials, 'no username or password')
    }
    registry.check(username, password.toString('utf8')).then(
      (result) => {
        if (!result.ok && result.reason !== 'disabled') {
          loginThrottle.recordFailure(address, username)
          return refuse('bad_credentials', 'IOT_BROKER_BAD_CREDENTIALS', CONNACK.badCredentials, result.reason)
        }
        if (!result.ok) {
          return refuse('account_disabled', 'IOT_BROKER_ACCOUNT_DISABLED', CONNACK.notAuthorized, 'account disabled')
        }
        const { account } = result
        if (!clientIdAllowed(account, client.id)) {
          return refuse(
            'bad_client_id',
            'IOT_BROKER_BAD_CLIENT_ID',
            CONNACK.identifierRejected,
            'client id not allowed',
          )
        }
        const cn = ctx.connections.get(client.conn as object)?.certName
        if (cn !== undefined && cn !== account.username) {
          return refuse(
            'bad_credentials',
            'IOT_BROKER_BAD_CREDENTIALS',
            CONNACK.notAuthorized,
            'certificate CN mismatch',
          )
        }
        let borough: string | undefined
        if (account.role === 'device') {
          borough = registry.getSensor(account.sensor ?? account.username)?.entry.borough
          if (!borough) {
            return refuse('account_disabled', 'IOT_BROKER_ACCOUNT_DISABLED', CONNACK.notAuthorized, 'no register entry')
          }
        }
        ctx.sessions.set(client, { account, address, ...(borough ? { borough } : {}) })
        metrics.connectionsTotal.inc({ role: account.role })
        done(null, true)
      },
      (err: unknown) => {
        log.error({ err, username }, 'registry check failed')
        done(
          new StreetsenseError('IOT_BROKER_REGISTRY_UNAVAILABLE', 'registry unavailable', { returnCode: 3 }) as never,
          null,
        )
      },
    )
  }
}
