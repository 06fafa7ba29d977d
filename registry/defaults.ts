/**
 * Sensible defaults for a register entry, so `streetsense sensors add --id --borough --kind`
 * alone creates a valid entry. Every default is a plain statement an operator can overwrite.
 */

import type { RegisterEntry } from '../schemas/index.js'
import { type BOROUGHS, boroughName } from '../schemas/index.js'

type Measure = RegisterEntry['measures'][number]

/** Approximate centre [longitude, latitude] of each borough, used when no location is given. */
export const BOROUGH_CENTRES: Record<keyof typeof BOROUGHS, [number, number]> = {
  E09000001: [-0.0922, 51.5155],
  E09000002: [0.1293, 51.5456],
  E09000003: [-0.1517, 51.6252],
  E09000004: [0.1505, 51.4549],
  E09000005: [-0.2817, 51.5588],
  E09000006: [0.051, 51.3727],
  E09000007: [-0.1425, 51.5437],
  E09000008: [-0.0877, 51.3628],
  E09000009: [-0.3089, 51.513],
  E09000010: [-0.0799, 51.6538],
  E09000011: [0.0648, 51.4892],
  E09000012: [-0.0553, 51.545],
  E09000013: [-0.2291, 51.499],
  E09000014: [-0.111, 51.5906],
  E09000015: [-0.3346, 51.5898],
  E09000016: [0.2111, 51.5637],
  E09000017: [-0.4485, 51.5366],
  E09000018: [-0.368, 51.4746],
  E09000019: [-0.1058, 51.5465],
  E09000020: [-0.1947, 51.502],
  E09000021: [-0.2833, 51.3925],
  E09000022: [-0.1231, 51.4571],
  E09000023: [-0.0209, 51.4452],
  E09000024: [-0.2108, 51.4098],
  E09000025: [0.0352, 51.5255],
  E09000026: [0.0741, 51.559],
  E09000027: [-0.3037, 51.4613],
  E09000028: [-0.0804, 51.4835],
  E09000029: [-0.1945, 51.3618],
  E09000030: [-0.0293, 51.5203],
  E09000031: [-0.0134, 51.5908],
  E09000032: [-0.191, 51.4567],
  E09000033: [-0.1469, 51.5099],
}

export const DEFAULT_MEASURES: Record<'air' | 'traffic', Measure[]> = {
  air: ['pm2_5', 'pm10', 'no2', 'temperature', 'relative_humidity'],
  traffic: ['pedal_cycle', 'motorcycle', 'car', 'bus_coach', 'lgv', 'hgv', 'pedestrian'],
}

export const DEFAULT_PURPOSE: Record<'air' | 'traffic', string> = {
  air:
    'Measures air pollution at street level, so the council can find pollution hot spots, ' +
    'check whether clean-air measures work and tell residents about the air they breathe.',
  traffic:
    'Counts vehicles, cycles and people walking by class, so the council can plan roads, cycle lanes ' +
    'and crossings and see whether traffic schemes work. It records no images and no number plates.',
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z]+/g, '')

/** The authorities whose name is not "<borough> Council": the City and the royal boroughs. */
const AUTHORITY_NAMES: Partial<Record<keyof typeof BOROUGHS, string>> = {
  E09000001: 'City of London Corporation',
  E09000011: 'Royal Borough of Greenwich',
  E09000020: 'Royal Borough of Kensington and Chelsea',
  E09000021: 'Royal Borough of Kingston upon Thames',
  E09000033: 'Westminster City Council',
}

/** The local authority that runs a borough's sensors unless the entry names another operator. */
export function defaultOperatorName(borough: string): string {
  return AUTHORITY_NAMES[borough as keyof typeof BOROUGHS] ?? `${boroughName(borough) ?? borough} Council`
}

/** Options a person gives on the command line; anything left out gets a default. */
export interface EntryOptions {
  id: string
  borough: string
  kind: string
  name?: string
  lat?: number
  lon?: number
  address?: string
  operator?: string
  email?: string
  purpose?: string
  measures?: string[]
  personalData?: string
  legalBasis?: string
  dpiaUrl?: string
  retention?: string
  licence?: string
  sharing?: string
  grade?: string
  installed?: string
  status?: string
}

/** Builds an entry (not yet validated: the registry validates and names the failing field). */
export function buildEntry(o: EntryOptions): Record<string, unknown> {
  const kind = o.kind === 'traffic' ? 'traffic' : 'air'
  const bName = boroughName(o.borough)
  const centre = bName ? BOROUGH_CENTRES[o.borough as keyof typeof BOROUGHS] : undefined
  const entry: Record<string, unknown> = {
    id: o.id,
    borough: o.borough,
    kind: o.kind,
    name: o.name ?? `${bName ?? o.borough} ${o.kind} sensor ${o.id}`,
    location: { type: 'Point', coordinates: [o.lon ?? centre?.[0], o.lat ?? centre?.[1]] },
    operator: {
      name: o.operator ?? defaultOperatorName(o.borough),
      email: o.email ?? `streetsense@${bName ? slug(bName) : 'example'}.gov.uk`,
    },
    purpose: o.purpose ?? DEFAULT_PURPOSE[kind],
    measures: o.measures ?? DEFAULT_MEASURES[kind],
    technology: kind === 'air' ? 'air_quality' : 'radar',
    personal_data: o.personalData ?? 'none',
    retention: o.retention ?? 'P5Y',
    licence: o.licence ?? 'OGL-UK-3.0',
    sharing: o.sharing ?? 'open',
    data_grade: o.grade ?? 'indicative',
    status: o.status ?? 'active',
  }
  if (o.address !== undefined) entry.address = o.address
  if (o.legalBasis !== undefined) entry.legal_basis = o.legalBasis
  if (o.dpiaUrl !== undefined) entry.dpia_url = o.dpiaUrl
  if (o.installed !== undefined) entry.installed = o.installed
  return entry
}
