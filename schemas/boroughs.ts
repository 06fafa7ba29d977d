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

export function isBoroughCode(code: string): code is BoroughCodeKnown {
  return Object.hasOwn(BOROUGHS, code)
}

export function boroughName(code: string): string | undefined {
  return isBoroughCode(code) ? BOROUGHS[code] : undefined
}
