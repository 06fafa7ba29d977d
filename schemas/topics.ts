/**
 * The one topic grammar of the MQTT API, used by the edge agent, the broker ACL and the ingest.
 *
 *   up:   streetsense/v1/{borough}/{sensor}/{air|traffic|status|result}
 *   down: streetsense/v1/{borough}/{sensor}/{cmd|errors}
 *
 * The sensor level is the authenticated MQTT identity; the broker refuses any other.
 */
import { isBoroughCode } from './boroughs.js'

export const TOPIC_ROOT = 'streetsense'
export const TOPIC_VERSION = 'v1'

export const UP_CHANNELS = ['air', 'traffic', 'status', 'result'] as const
export const DOWN_CHANNELS = ['cmd', 'errors'] as const
/** The up channels that carry data (readings and heartbeats); `result` answers commands. */
export const DATA_CHANNELS = ['air', 'traffic', 'status'] as const
export type UpChannel = (typeof UP_CHANNELS)[number]
export type DownChannel = (typeof DOWN_CHANNELS)[number]
export type Channel = UpChannel | DownChannel

export interface TopicParts {
  borough: string
  sensor: string
  channel: Channel
  direction: 'up' | 'down'
}

const SENSOR_ID = /^[A-Za-z0-9._:-]{1,64}$/

export function isSensorId(id: string): boolean {
  return SENSOR_ID.test(id)
}

/**
 * The client id of `edge doctor`'s login check: the device's own id and a suffix no sensor id can
 * contain, so the check never takes over (or cleans) the running agent's session. The broker
 * admits it only with a clean session, and it may neither publish nor subscribe.
 */
export const DOCTOR_CLIENT_SUFFIX = '@doctor'
export const doctorClientId = (sensor: string): string => `${sensor}${DOCTOR_CLIENT_SUFFIX}`

function direction(channel: string): 'up' | 'down' | undefined {
  if ((UP_CHANNELS as readonly string[]).includes(channel)) return 'up'
  if ((DOWN_CHANNELS as readonly string[]).includes(channel)) return 'down'
  return undefined
}

/**
 * A topic built from parts that break the grammar: a programming error, not bad input (input is
 * parsed with parseTopic, which returns undefined). schemas/ is the ground floor and imports no
 * error registry, so this carries no IOT_* code.
 */
export class TopicError extends RangeError {
  override readonly name = 'TopicError'
}

/** Builds a topic; throws TopicError when a part would break the grammar. */
export function buildTopic(borough: string, sensor: string, channel: Channel): string {
  if (!isBoroughCode(borough)) throw new TopicError(`not a London borough code: ${JSON.stringify(borough)}`)
  if (!isSensorId(sensor)) throw new TopicError(`not a valid sensor id: ${JSON.stringify(sensor)}`)
  if (!direction(channel)) throw new TopicError(`unknown channel: ${JSON.stringify(channel)}`)
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/${borough}/${sensor}/${channel}`
}

/** Parses a concrete topic (no wildcards). Returns undefined for anything outside the grammar. */
export function parseTopic(topic: string): TopicParts | undefined {
  const parts = topic.split('/')
  if (parts.length !== 5) return undefined
  const [root, version, borough, sensor, channel] = parts as [string, string, string, string, string]
  if (root !== TOPIC_ROOT || version !== TOPIC_VERSION) return undefined
  if (!isBoroughCode(borough) || !isSensorId(sensor)) return undefined
  const dir = direction(channel)
  if (!dir) return undefined
  return { borough, sensor, channel: channel as Channel, direction: dir }
}

/** Subscription filter for readings of the given boroughs (all boroughs when the list is empty). */
export function readingFilters(
  boroughs: readonly string[] = [],
  channels: readonly UpChannel[] = DATA_CHANNELS,
): string[] {
  const levels = boroughs.length > 0 ? boroughs : ['+']
  return levels.flatMap((b) => channels.map((c) => `${TOPIC_ROOT}/${TOPIC_VERSION}/${b}/+/${c}`))
}

/** The downlink filter a device subscribes to: its own cmd and errors topics. */
export function deviceDownlinkFilter(borough: string, sensor: string): string {
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/${borough}/${sensor}/+`
}
