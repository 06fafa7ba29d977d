/**
 * CONNECT: username/password against the registry. CONNACK codes (MQTT 3.1.1):
 * 4 = unknown user or wrong password (also: no username/password), 5 = account retired/disabled,
 * throttled address, or a TLS client certificate whose CN is not the username, 2 = client id not
 * allowed (a device's client id must equal its username, or be `<username>@doctor` with a clean
 * session for `edge doctor`'s login check; a service account's must equal its
 * username or be `<username>/<suffix>`: sensor ids cannot contain '/', so no device's client id
 * can ever equal a service's, and a service account cannot take over a device's session; an
 * empty client id with clean session off is refused before anything else, MQTT-3.1.3-8).
 * The steps: throttle and missing credentials (no scrypt spent) -> registry.check -> admit
 * (the check's answer, client id, certificate, register entry) -> a session for the hooks after.
 */

import type { Client } from 'aedes'
import { type ErrorCode, StreetsenseError } from '../../core/index.js'
import { type Account, clientIdAllowed, type LoginCheck } from '../../registry/index.js'
import { doctorClientId } from '../../schemas/index.js'
import { type AuthenticateHandler, addressOf, type BrokerContext, peerGone } from '../context.js'
import type { RefusalReason } from '../metrics.js'

const CONNACK = { identifierRejected: 2, badCredentials: 4, notAuthorized: 5 } as const

/** Each kind of refusal: its metric label, error code and CONNACK return code. */
const REFUSALS = {
  throttled: ['login_throttled', 'IOT_BROKER_LOGIN_THROTTLED', CONNACK.notAuthorized],
  badCredentials: ['bad_credentials', 'IOT_BROKER_BAD_CREDENTIALS', CONNACK.badCredentials],
  disabled: ['account_disabled', 'IOT_BROKER_ACCOUNT_DISABLED', CONNACK.notAuthorized],
  badClientId: ['bad_client_id', 'IOT_BROKER_BAD_CLIENT_ID', CONNACK.identifierRejected],
  certMismatch: ['bad_credentials', 'IOT_BROKER_BAD_CREDENTIALS', CONNACK.notAuthorized],
} as const satisfies Record<string, readonly [RefusalReason, ErrorCode, number]>

interface Refusal {
  kind: keyof typeof REFUSALS
  message: string
}

interface Login {
  client: Client
  username: string | undefined
  address: string
  done: Parameters<AuthenticateHandler>[3]
}

export function createAuthenticate(ctx: BrokerContext): AuthenticateHandler {
  return (client, username, password, done) => {
    const login: Login = { client, username, address: addressOf(ctx, client), done }
    if (ctx.emptyPersistentIds.has(client)) {
      return refuse(ctx, login, { kind: 'badClientId', message: 'empty client id needs clean session (MQTT-3.1.3-8)' })
    }
    // Refusals that need no registry lookup (and cost no scrypt).
    if (ctx.loginThrottle.isThrottled(login.address, username)) {
      return refuse(ctx, login, { kind: 'throttled', message: 'too many failed logins' })
    }
    if (!username || !password) {
      ctx.loginThrottle.recordFailure(login.address, username)
      return refuse(ctx, login, { kind: 'badCredentials', message: 'no username or password' })
    }
    ctx.registry.check(username, password.toString('utf8')).then(
      (result) => admit(ctx, login, result),
      (err: unknown) => registryFailed(ctx, login, err),
    )
  }
}

function refuse(ctx: BrokerContext, { client, username, address, done }: Login, { kind, message }: Refusal): void {
  const [reason, code, returnCode] = REFUSALS[kind]
  ctx.metrics.refusals.inc({ reason })
  ctx.log.warn({ address, username, clientId: client.id, reason }, `login refused: ${message}`)
  done(new StreetsenseError(code, message, { returnCode }) as never, null)
}

function registryFailed(ctx: BrokerContext, { username, done }: Login, err: unknown): void {
  ctx.log.error({ err, username }, 'registry check failed')
  done(
    new StreetsenseError('IOT_BROKER_REGISTRY_UNAVAILABLE', 'registry unavailable', { returnCode: 3 }) as never,
    null,
  )
}

function admit(ctx: BrokerContext, login: Login, result: LoginCheck) {
  if (!result.ok && result.reason !== 'disabled') {
    ctx.loginThrottle.recordFailure(login.address, login.username)
    return refuse(ctx, login, { kind: 'badCredentials', message: result.reason })
  }
  if (!result.ok) return refuse(ctx, login, { kind: 'disabled', message: 'account disabled' })
  const { account } = result
  const refused = refuseAccount(ctx, login.client, account)
  if (refused) return refuse(ctx, login, refused)
  const borough = account.role === 'device' ? deviceBorough(ctx, account) : undefined
  if (account.role === 'device' && !borough) {
    return refuse(ctx, login, { kind: 'disabled', message: 'no register entry' })
  }
  if (peerGone(login.client)) return abandoned(ctx, login)
  const loginCheck = isLoginCheck(account, login.client)
  ctx.sessions.set(login.client, {
    account,
    address: login.address,
    ...(borough ? { borough } : {}),
    ...(loginCheck ? { loginCheck } : {}),
  })
  ctx.metrics.connectionsTotal.inc({ role: account.role })
  login.done(null, true)
}

/**
 * The client closed its connection while its login was checked (it gave up waiting for the
 * CONNACK, as devices do in a reconnect storm, and has connected again since): admitted, it would
 * take its client id over from that newer connection and close it (MQTT-3.1.4-2), which makes
 * the client connect once more. Closed instead; Aedes sees the client closed and stops there.
 */
function abandoned(ctx: BrokerContext, { client, done }: Login): void {
  noteAbandoned(ctx, client)
  client.close()
  done(null, false)
}

/** Counts and logs a connection its client left before its CONNACK. */
export function noteAbandoned(ctx: BrokerContext, client: Client): void {
  ctx.metrics.refusals.inc({ reason: 'client_gone' })
  ctx.log.debug({ address: addressOf(ctx, client), clientId: client.id }, 'login abandoned by the client')
}

/** A valid password is not enough: the client id and a client certificate must fit the account. */
function refuseAccount(ctx: BrokerContext, client: Client, account: Account): Refusal | undefined {
  if (!clientIdAllowed(account, client.id) && !isLoginCheck(account, client)) {
    return { kind: 'badClientId', message: 'client id not allowed' }
  }
  const cn = ctx.connections.get(client.conn as object)?.certName
  if (cn !== undefined && cn !== account.username) return { kind: 'certMismatch', message: 'certificate CN mismatch' }
  return undefined
}

/**
 * `edge doctor` on a node whose agent is running: `<id>@doctor` with a clean session, so the
 * agent's own session (and the commands queued in it) is neither taken over nor cleaned.
 */
function isLoginCheck(account: Account, client: Client): boolean {
  return account.role === 'device' && client.clean && client.id === doctorClientId(account.username)
}

/** The borough of a device's register entry, which the topic ACL checks its topics against. */
function deviceBorough(ctx: BrokerContext, account: Account): string | undefined {
  return ctx.registry.getSensor(account.sensor ?? account.username)?.entry.borough
}
