/**
 * THE rule for who may read a sensor's readings, on every channel (the API, exports,
 * SensorThings, FIWARE, the live feed, the broker's MQTT ACL). Nothing else decides it.
 * - `open`: anyone, signed in or not;
 * - `shared`: accounts (reader, operator, admin) of the owning borough, and accounts of a partner
 *   borough of a data-sharing agreement in force that covers the sensor;
 * - `restricted`: accounts (reader, operator, admin) of the owning borough only.
 * An account's boroughs are its `boroughs` list: an account with none belongs to no borough and
 * reads open data only. Devices and the ingest are not readers here (the broker gives the
 * ingest every reading of its boroughs; devices get none).
 */
import type { RegisterEntry } from '../schemas/index.js'
import type { SharingAgreement } from './governance-types.js'

/** Roles whose accounts may be given readings that are not open, by their boroughs. */
export const READING_ROLES: readonly string[] = ['reader', 'operator', 'admin']

/** Who asks: an account (its role and boroughs), or undefined for an anonymous caller. */
export interface DataReader {
  /** An account's username: the cached policy then judges the account as it is now. */
  username?: string
  role: string
  boroughs: readonly string[]
  disabled?: boolean
}

/** What the rule needs of a register entry. */
export type SharedEntry = Pick<RegisterEntry, 'id' | 'borough' | 'sharing'>

/** The UTC day of a time, YYYY-MM-DD (agreement and review dates are days). */
export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10)

/** In force from its first day to its last day (inclusive), UTC. */
export function agreementInForce(a: Pick<SharingAgreement, 'starts' | 'ends'>, at: number): boolean {
  const day = utcDay(at)
  return a.starts <= day && (a.ends === undefined || day <= a.ends)
}

export function agreementCovers(a: Pick<SharingAgreement, 'borough' | 'sensors'>, entry: SharedEntry): boolean {
  return a.borough === entry.borough && (a.sensors === undefined || a.sensors.includes(entry.id))
}

/** The agreements in force at `at` that share this sensor's readings (none unless it is `shared`). */
export function agreementsSharing(
  entry: SharedEntry,
  agreements: readonly SharingAgreement[],
  at: number,
): SharingAgreement[] {
  if (entry.sharing !== 'shared') return []
  return agreements.filter((a) => agreementCovers(a, entry) && agreementInForce(a, at))
}

/** Boroughs that share data with any of these boroughs under an agreement in force. */
export function boroughsSharingWith(
  boroughs: readonly string[],
  agreements: readonly SharingAgreement[],
  at: number,
): Set<string> {
  const owners = agreements.filter((a) => agreementInForce(a, at) && a.partners.some((p) => boroughs.includes(p)))
  return new Set(owners.map((a) => a.borough))
}

export function mayReadReadings(
  entry: SharedEntry,
  reader: DataReader | undefined,
  agreements: readonly SharingAgreement[],
  at: number,
): boolean {
  if (entry.sharing === 'open') return true
  if (!reader || reader.disabled || !READING_ROLES.includes(reader.role)) return false
  if (reader.boroughs.includes(entry.borough)) return true
  return agreementsSharing(entry, agreements, at).some((a) => a.partners.some((p) => reader.boroughs.includes(p)))
}

/** A review date against today: due on that day, overdue the day after. */
export function reviewState(review: string, at: number): { review: string; overdue: boolean } {
  return { review, overdue: review < utcDay(at) }
}
