/**
 * SUBSCRIBE ACL. A refused filter gets SUBACK 0x80 and the connection stays up.
 * - device: only its own downlink: streetsense/v1/{borough}/{id}/+ , .../cmd or .../errors;
 *   nothing in `edge doctor`'s login check (client id `<id>@doctor`);
 * - ingest: any filter under streetsense/v1/ (+ and # allowed), within its boroughs if it has any;
 * - reader, operator, admin: readings only: streetsense/v1/{borough|+}/{sensor|+}/{air|traffic|status}
 *   (no '#' and no '+' channel, so they never see devices' cmd/errors topics); operators and
 *   admins also the `result` channel (answers to commands) of their own boroughs.
 * `$share/...` (granted but silently dead in Aedes 1.x) and `$SYS/...` are refused to everyone.
 */
import {
  DATA_CHANNELS,
  DOWN_CHANNELS,
  deviceDownlinkFilter,
  isBoroughCode,
  isSensorId,
  TOPIC_ROOT,
  TOPIC_VERSION,
  UP_CHANNELS,
} from '../../schemas/index.js'
import type { AuthorizeSubscribeHandler, BrokerContext, Session } from '../context.js'

const DATA = DATA_CHANNELS as readonly string[]
const ALL_CHANNELS = [...UP_CHANNELS, ...DOWN_CHANNELS] as readonly string[]

function deviceFilters(session: Session): string[] {
  const { borough = '', account } = session
  const base = deviceDownlinkFilter(borough, account.sensor ?? account.username)
  return [base, ...DOWN_CHANNELS.map((c) => base.replace(/\+$/, c))]
}

function serviceFilterAllowed(session: Session, filter: string): boolean {
  const { role, boroughs } = session.account
  const levels = filter.split('/')
  if (levels[0] !== TOPIC_ROOT || levels[1] !== TOPIC_VERSION) return false
  const [borough = '', sensor = '', channel = ''] = levels.slice(2)
  const boroughOk = (b: string) => (boroughs.length === 0 ? b === '+' || isBoroughCode(b) : boroughs.includes(b))
  if (role === 'ingest') {
    if (levels.length === 3 && borough === '#') return boroughs.length === 0
    if (!boroughOk(borough)) return false
    if (levels.length === 4) return sensor === '#'
    if (levels.length !== 5) return false
    return (
      (sensor === '+' || isSensorId(sensor)) && (channel === '+' || channel === '#' || ALL_CHANNELS.includes(channel))
    )
  }
  if (levels.length !== 5 || !(sensor === '+' || isSensorId(sensor))) return false
  if (channel === 'result') return (role === 'operator' || role === 'admin') && boroughs.includes(borough)
  return boroughOk(borough) && DATA.includes(channel)
}

export function createAuthorizeSubscribe(ctx: BrokerContext): AuthorizeSubscribeHandler {
  const { metrics, log } = ctx
  return (client, subscription, callback) => {
    const session = ctx.sessions.get(client)
    const filter = subscription.topic
    let ok = false
    if (session && !session.loginCheck && !filter.startsWith('$')) {
      ok =
        session.account.role === 'device'
          ? deviceFilters(session).includes(filter)
          : serviceFilterAllowed(session, filter)
    }
    if (ok) return callback(null, subscription)
    metrics.refusals.inc({ reason: 'subscribe_acl' })
    log.warn({ clientId: client.id, username: session?.account.username, filter }, 'subscribe refused')
    callback(null, null)
  }
}
