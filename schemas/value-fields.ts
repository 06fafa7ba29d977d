/**
 * The values a reading of each kind can hold, by the names they are stored under in InfluxDB
 * (traffic adds `total_vehicles`, the sum of the vehicle classes): what QC, ratification and
 * calibration may name.
 */
import readingSchema from './reading.v1.json' with { type: 'json' }

export const VALUE_FIELDS: { readonly air: readonly string[]; readonly traffic: readonly string[] } = {
  air: Object.keys(readingSchema.$defs.airValues.properties),
  traffic: [
    ...Object.keys(readingSchema.$defs.trafficCounts.properties),
    'total_vehicles',
    ...Object.keys(readingSchema.$defs.trafficValues.properties).filter(
      (k) => !['counts', 'lane', 'direction'].includes(k),
    ),
  ],
}
