/** The public view of a register entry: an explicit whitelist, so nothing internal can leak. */

import { mayReadReadings, type SensorRecord } from '../registry/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { boroughName } from '../schemas/index.js'
import { licenceInfo } from './mappings.js'

const PUBLIC_FIELDS = [
  'id',
  'borough',
  'kind',
  'name',
  'location',
  'uprn',
  'usrn',
  'address',
  'operator',
  'purpose',
  'measures',
  'technology',
  'personal_data',
  'legal_basis',
  'dpia_url',
  'privacy_notice_url',
  'retention',
  'licence',
  'sharing',
  'data_grade',
  'hardware',
  'installed',
  'active_until',
  'status',
] as const satisfies readonly (keyof RegisterEntry)[]

const OPERATOR_FIELDS = ['name', 'email', 'url', 'phone'] as const

export type PublicEntry = Partial<RegisterEntry> & {
  borough_name?: string
  registered: string
  updated: string
  links: Record<string, string>
}

export function publicEntry(record: SensorRecord, baseUrl = ''): PublicEntry {
  const entry = record.entry
  const out: Record<string, unknown> = {}
  for (const key of PUBLIC_FIELDS) if (entry[key] !== undefined) out[key] = entry[key]
  const operator: Record<string, string> = {}
  for (const key of OPERATOR_FIELDS) if (entry.operator?.[key]) operator[key] = entry.operator[key]!
  out.operator = operator
  out.location = pointOf(entry)
  const id = encodeURIComponent(entry.id)
  return {
    ...(out as Partial<RegisterEntry>),
    borough_name: boroughName(entry.borough),
    registered: record.createdAt,
    updated: record.updatedAt,
    links: {
      self: `${baseUrl}/v1/sensors/${id}`,
      page: `${baseUrl}/sensors/${id}`,
      readings: `${baseUrl}/v1/sensors/${id}/readings`,
      licence: licenceInfo(entry.licence).url,
    },
  }
}

/**
 * The sensor's location as a GeoJSON Point, its coordinates to 6 decimal places (about 0.1 m):
 * no float noise such as -0.12750000000000003 from computed positions.
 */
export function pointOf(entry: Pick<RegisterEntry, 'location'>): { type: 'Point'; coordinates: number[] } {
  return { type: 'Point', coordinates: (entry.location.coordinates as number[]).map((c) => Math.round(c * 1e6) / 1e6) }
}

/**
 * Whether anyone, signed in or not, may read the sensor's readings: the registry's access rule
 * (registry/access.ts) for an anonymous caller. What a signed-in caller may read is
 * `Caller.mayRead` (data-access.ts), from the same rule.
 */
export function isOpenData(entry: RegisterEntry): boolean {
  return mayReadReadings(entry, undefined, [], 0)
}
