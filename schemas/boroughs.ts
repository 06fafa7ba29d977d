/** ONS/GSS codes of the 32 London boroughs and the City of London (the register shows names). */
export const BOROUGHS = {
  E09000001: 'City of London',
  E09000002: 'Barking and Dagenham',
  E09000003: 'Barnet',
  E09000004: 'Bexley',
  E09000005: 'Brent',
  E09000006: 'Bromley',
  E09000007: 'Camden',
  E09000008: 'Croydon',
  E09000009: 'Ealing',
  E09000010: 'Enfield',
  E09000011: 'Greenwich',
  E09000012: 'Hackney',
  E09000013: 'Hammersmith and Fulham',
  E09000014: 'Haringey',
  E09000015: 'Harrow',
  E09000016: 'Havering',
  E09000017: 'Hillingdon',
  E09000018: 'Hounslow',
  E09000019: 'Islington',
  E09000020: 'Kensington and Chelsea',
  E09000021: 'Kingston upon Thames',
  E09000022: 'Lambeth',
  E09000023: 'Lewisham',
  E09000024: 'Merton',
  E09000025: 'Newham',
  E09000026: 'Redbridge',
  E09000027: 'Richmond upon Thames',
  E09000028: 'Southwark',
  E09000029: 'Sutton',
  E09000030: 'Tower Hamlets',
  E09000031: 'Waltham Forest',
  E09000032: 'Wandsworth',
  E09000033: 'Westminster',
} as const satisfies Record<string, string>

export type BoroughCodeKnown = keyof typeof BOROUGHS

/** The JSON Schema pattern of a borough code (the open schema and the settings use it). */
export const BOROUGH_CODE_PATTERN = '^E090000(0[1-9]|[12][0-9]|3[0-3])$'

export function isBoroughCode(code: string): code is BoroughCodeKnown {
  return Object.hasOwn(BOROUGHS, code)
}

export function boroughName(code: string): string | undefined {
  return isBoroughCode(code) ? BOROUGHS[code] : undefined
}

/**
 * Names people write for a borough, beyond its register name. Keys are normalised (see `normalise`):
 * lower case, "&" as "and", no punctuation, no "London Borough of" / "Royal Borough of" / "Council".
 */
const ALIASES: Record<string, BoroughCodeKnown> = {
  city: 'E09000001',
  'the city': 'E09000001',
  'city of london corporation': 'E09000001',
  'corporation of london': 'E09000001',
  'kensington chelsea': 'E09000020',
  kingston: 'E09000021',
  richmond: 'E09000027',
  'city of westminster': 'E09000033',
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/^(the )?(london borough of|royal borough of|borough of) /, '')
    .replace(/ (city )?council$/, '')
    .replace(/\s+/g, ' ')
    .trim()
}

const BY_NAME: ReadonlyMap<string, BoroughCodeKnown> = new Map([
  ...Object.entries(BOROUGHS).map(([code, name]) => [normalise(name), code as BoroughCodeKnown] as const),
  ...Object.entries(ALIASES),
])

/**
 * The borough code for a code or a name, case-insensitively: "E09000007", "Camden", "city of
 * london", "City", "Kensington & Chelsea", "Richmond", "Royal Borough of Greenwich". Undefined when
 * it is neither. Every place that takes a borough (CLI flags, API query parameters) goes through it.
 */
export function resolveBorough(input: string): BoroughCodeKnown | undefined {
  const trimmed = input.trim()
  const code = trimmed.toUpperCase()
  if (isBoroughCode(code)) return code
  return BY_NAME.get(normalise(trimmed))
}

/** Every code with its name, for error messages and `streetsense boroughs`: "E09000001 City of London, ...". */
export function boroughChoices(): string {
  return Object.entries(BOROUGHS)
    .map(([code, name]) => `${code} ${name}`)
    .join(', ')
}

/** The message for a borough that `resolveBorough` does not know. */
export function unknownBoroughMessage(input: string): string {
  return `"${input}" is not a London borough; give a code or a name (case does not matter): ${boroughChoices()}`
}
