/** Platform health: ingest throughput, rejections, spool and quarantine depth, silent devices. */
import { dashboard, type GridPos, panel, resetIds, timeseries } from './panels.js'

/**
 * Devices that sent status within 7 days but none in (about) the last hour: heartbeats counted per
 * 10-minute bucket with fill(0), summed over the last 6 buckets. InfluxQL cannot compare a last-seen
 * time with now(), and an outer time filter would reach into a subquery, hence the buckets.
 */
export const SILENT_DEVICES_QUERY =
  'SELECT "heartbeats_last_hour", "borough", "sensor" FROM (SELECT last("n") AS "heartbeats_last_hour" FROM ' +
  '(SELECT moving_average("c", 6) * 6 AS "n" FROM (SELECT count("uptime") AS "c" FROM "device_status" ' +
  'WHERE time > now() - 7d AND time <= now() GROUP BY time(10m), "sensor", "borough" fill(0)) GROUP BY "sensor", "borough") ' +
  'GROUP BY "sensor", "borough") WHERE "heartbeats_last_hour" = 0'

const READING_RATES =
  'non_negative_derivative(max("accepted"), 1s) AS "accepted", non_negative_derivative(max("rejected"), 1s) AS "rejected", non_negative_derivative(max("duplicates"), 1s) AS "duplicates"'

/** A time series of the ingest's health points, one line per ingest instance. */
function perInstance(title: string, gridPos: GridPos, select: string, opts: { unit?: string; alias?: string } = {}) {
  return timeseries({
    title,
    gridPos,
    unit: opts.unit,
    query: `SELECT ${select} FROM "ingest_health" WHERE $timeFilter GROUP BY time($__interval), "instance" fill(null)`,
    alias: opts.alias ?? '$tag_instance',
  })
}

function readingsPerSecondNow() {
  return panel({
    type: 'stat',
    title: 'Readings per second now (all ingest instances)',
    gridPos: { x: 0, y: 0, w: 6, h: 5 },
    unit: 'reqps',
    targets: [
      {
        refId: 'A',
        query:
          'SELECT sum("rps") FROM (SELECT last("readings_per_second") AS "rps" FROM "ingest_health" WHERE time > now() - 5m GROUP BY "instance")',
      },
    ],
  })
}

function silentDevices() {
  return panel({
    type: 'table',
    title: 'Devices not heard from for an hour',
    description:
      'Sensors with a status message in the last 7 days but none in about the last hour (10-minute buckets).',
    gridPos: { x: 0, y: 16, w: 12, h: 8 },
    targets: [{ refId: 'A', query: SILENT_DEVICES_QUERY, resultFormat: 'table' }],
  })
}

function deviceOutboxDepth() {
  return timeseries({
    title: 'Device outbox depth (readings waiting on the device)',
    gridPos: { x: 12, y: 16, w: 12, h: 8 },
    query:
      'SELECT max("outbox_depth") FROM "device_status" WHERE $timeFilter GROUP BY time($__interval), "sensor" fill(null)',
    alias: '$tag_sensor',
  })
}

export function platformHealthDashboard() {
  resetIds()
  return dashboard({
    uid: 'streetsense-health',
    title: 'streetsense · Platform health',
    description: 'Ingest throughput and backlog (ingest_health) and device heartbeats (device_status).',
    from: 'now-6h',
    variables: [],
    // Panel ids follow this order.
    panels: [
      readingsPerSecondNow(),
      perInstance(
        'Readings per second by ingest instance',
        { x: 6, y: 0, w: 18, h: 8 },
        'mean("readings_per_second")',
        {
          unit: 'reqps',
        },
      ),
      perInstance('Accepted, rejected and duplicate readings per second', { x: 0, y: 8, w: 12, h: 8 }, READING_RATES, {
        unit: 'reqps',
        alias: '$tag_instance $col',
      }),
      perInstance('Spool depth (readings waiting for InfluxDB)', { x: 12, y: 8, w: 6, h: 8 }, 'max("spool_depth")'),
      perInstance('Quarantine depth (invalid readings kept)', { x: 18, y: 8, w: 6, h: 8 }, 'max("quarantine_depth")'),
      silentDevices(),
      deviceOutboxDepth(),
    ],
  })
}
