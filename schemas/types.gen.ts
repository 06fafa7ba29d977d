/* Generated from schemas/*.v1.json by schemas/generate-types.ts. Do not edit: run `npm run schemas:types`. */

/**
 * One observation of one sensor over one interval: air quality (means) or traffic (counts).
 */
export type Reading = {
  sensor: SensorId
  borough: BoroughCode
  kind: ReadingKind
  time: UtcTime
  /**
   * Length of the averaging or counting interval, in seconds.
   */
  interval: number
  seq: Sequence
  /**
   * Measured values; which fields are allowed depends on kind (airValues or trafficValues).
   */
  values: AirValues | TrafficValues
  quality?: Quality
}
/**
 * The register id of a sensor. Equal to the topic's sensor level and the MQTT identity. No MQTT wildcards, slashes, spaces or line-protocol metacharacters.
 */
export type SensorId = string
/**
 * ONS/GSS code of a London borough or the City of London, E09000001..E09000033.
 */
export type BoroughCode = string
export type ReadingKind = 'air' | 'traffic'
/**
 * Start of the observation interval (RFC 3339, UTC).
 */
export type UtcTime = string
/**
 * Per-sensor counter, incremented by one per reading, so gaps and duplicates can be seen.
 */
export type Sequence = number
/**
 * RFC 3339 date-time in UTC (ends in Z).
 */
export type UtcTime1 = string
/**
 * Per-sensor counter, incremented by one per reading, so gaps and duplicates can be seen.
 */
export type Sequence1 = number
/**
 * Per-sensor counter, incremented by one per reading, so gaps and duplicates can be seen.
 */
export type Sequence2 = number
/**
 * A command to one node on its cmd topic. Every command carries an id (the node answers on its result topic with that id) and an expiry. update and config carry documents signed with Ed25519 keys the node pins, so neither the broker nor a platform account can forge what they install or change.
 */
export type DeviceCommand = SetIntervalCommand | ResendCommand | StatusCommand | UpdateCommand | ConfigCommand
/**
 * RFC 3339 date-time in UTC (ends in Z).
 */
export type UtcTime2 = string
/**
 * RFC 3339 date-time in UTC (ends in Z).
 */
export type UtcTime3 = string
/**
 * RFC 3339 date-time in UTC (ends in Z).
 */
export type UtcTime4 = string
/**
 * RFC 3339 date-time in UTC (ends in Z).
 */
export type UtcTime5 = string
/**
 * RFC 3339 date-time in UTC (ends in Z).
 */
export type UtcTime6 = string

export interface StreetsenseMessages {
  reading?: Reading
  batch?: ReadingBatch
  status?: DeviceStatus
  registerEntry?: RegisterEntry
  deviceError?: DeviceError
  command?: DeviceCommand
  commandResult?: CommandResult
}
export interface Quality {
  /**
   * reference: certified reference instrument; indicative: calibrated low-cost sensor; citizen: uncalibrated.
   */
  grade: 'reference' | 'indicative' | 'citizen'
  /**
   * The device's own verdict: raw (as measured; the default), suspect (the device knows the reading is bad: the platform fails all its values), validated (accepted for compatibility, treated as raw: only the platform's QC and an operator's ratification give a status).
   */
  status: 'raw' | 'validated' | 'suspect'
  /**
   * The device's own flags (e.g. clock_unsynced); the ingest adds its QC flags to the stored reading (docs/data-quality.md).
   *
   * @maxItems 20
   */
  flags?: string[]
}
/**
 * Interval means. Units are fixed by the field name.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "airValues".
 */
export interface AirValues {
  /**
   * PM1, ug/m3
   */
  pm1?: number
  /**
   * PM2.5, ug/m3
   */
  pm2_5?: number
  /**
   * PM4, ug/m3
   */
  pm4?: number
  /**
   * PM10, ug/m3
   */
  pm10?: number
  /**
   * Number concentration of particles up to 0.5 um, particles per cm3
   */
  pnc0_5?: number
  /**
   * Number concentration of particles up to 1 um, particles per cm3
   */
  pnc1?: number
  /**
   * Number concentration of particles up to 2.5 um, particles per cm3
   */
  pnc2_5?: number
  /**
   * Number concentration of particles up to 4 um, particles per cm3
   */
  pnc4?: number
  /**
   * Number concentration of particles up to 10 um, particles per cm3
   */
  pnc10?: number
  /**
   * Nitrogen dioxide, ug/m3 (electrochemical cells read slightly below zero in clean air: negatives down to -200 are kept)
   */
  no2?: number
  /**
   * Ozone, ug/m3 (electrochemical cells read slightly below zero in clean air: negatives down to -200 are kept)
   */
  o3?: number
  /**
   * Sulphur dioxide, ug/m3 (electrochemical cells read slightly below zero in clean air: negatives down to -200 are kept)
   */
  so2?: number
  /**
   * Carbon dioxide, ppm
   */
  co2?: number
  /**
   * Air temperature, Cel
   */
  temperature?: number
  /**
   * Relative humidity, %
   */
  relative_humidity?: number
  /**
   * Atmospheric pressure, hPa
   */
  pressure?: number
  /**
   * Equivalent continuous sound level, dB(A)
   */
  noise_laeq?: number
  /**
   * Lowest A-weighted sound level in the interval, dB(A)
   */
  noise_lamin?: number
  /**
   * Highest A-weighted sound level in the interval, dB(A)
   */
  noise_lamax?: number
}
/**
 * Counts per class over the interval, plus speed and occupancy where the detector measures them.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "trafficValues".
 */
export interface TrafficValues {
  counts: TrafficCounts
  /**
   * Mean vehicle speed, km/h
   */
  mean_speed?: number
  /**
   * 85th percentile speed, km/h
   */
  v85?: number
  /**
   * Fraction of the interval a vehicle was over the detector, 0..1
   */
  occupancy?: number
  /**
   * Lane number, 1 = nearest the kerb
   */
  lane?: number
  /**
   * Direction relative to the street's digitised direction
   */
  direction?: 'forward' | 'backward'
}
/**
 * Counts per DfT vehicle class, plus pedestrians.
 *
 * This interface was referenced by `undefined`'s JSON-Schema
 * via the `definition` "trafficCounts".
 */
export interface TrafficCounts {
  pedal_cycle?: number
  motorcycle?: number
  car?: number
  bus_coach?: number
  lgv?: number
  hgv?: number
  pedestrian?: number
}
/**
 * Several readings of one sensor sent at once, e.g. a node's backlog after a network outage. Every reading is complete on its own.
 */
export interface ReadingBatch {
  /**
   * @minItems 1
   * @maxItems 500
   */
  readings: Reading[]
}
/**
 * Heartbeat a node publishes every few minutes: what it runs, how healthy it is, what it holds back.
 */
export interface DeviceStatus {
  sensor: SensorId
  borough: BoroughCode
  time: UtcTime1
  /**
   * streetsense edge agent version
   */
  agent_version: string
  /**
   * Firmware of attached boards, e.g. StandardFirmata 2.4
   */
  firmware?: string
  /**
   * Seconds since the agent started
   */
  uptime: number
  /**
   * Readings waiting in the outbox
   */
  outbox_depth: number
  /**
   * Readings dropped from a full outbox since install (oldest first)
   */
  evicted: number
  /**
   * Readings the platform rejected since install
   */
  rejected?: number
  /**
   * Whether the system clock is synchronised (NTP)
   */
  clock_synced: boolean
  last_seq?: Sequence1
  resendable_from?: Sequence2
  /**
   * Acknowledged readings kept for resend requests
   */
  retained?: number
  /**
   * Acknowledged readings dropped from the resend window since install (by age or size); a later resend of them is refused
   */
  retained_evicted?: number
  /**
   * Where the node's last agent update stands: pending (accepted, waiting to start), downloading (fetching and checking the payload), installed (switched, on trial), healthy, failed (refused or not installable) or rolled_back, the version it concerns and the last error (reason)
   */
  update?: {
    state: 'pending' | 'downloading' | 'installed' | 'healthy' | 'failed' | 'rolled_back'
    version: string
    reason?: string
    time: UtcTime1
  }
  /**
   * Recent driver or agent errors
   *
   * @maxItems 50
   */
  errors?: {
    code: string
    message: string
    driver?: string
    time?: UtcTime1
  }[]
}
/**
 * The public facts about one sensor: what it measures, why, who runs it, what happens to the data. Published on the register; never holds secrets.
 */
export interface RegisterEntry {
  id: SensorId
  borough: BoroughCode
  kind: ReadingKind
  /**
   * Short plain name, e.g. 'Euston Road at Gower Street'
   */
  name: string
  location: Location
  /**
   * Unique Property Reference Number of the object the sensor is mounted on (e.g. a lamp column)
   */
  uprn?: string
  /**
   * Unique Street Reference Number of the street
   */
  usrn?: string
  /**
   * Street and place in words
   */
  address?: string
  operator: Operator
  /**
   * Why the sensor is there, in plain English
   */
  purpose: string
  /**
   * Quantities the sensor reports (field names of the reading schema)
   *
   * @minItems 1
   */
  measures: (
    | 'pm1'
    | 'pm2_5'
    | 'pm4'
    | 'pm10'
    | 'pnc0_5'
    | 'pnc1'
    | 'pnc2_5'
    | 'pnc4'
    | 'pnc10'
    | 'no2'
    | 'o3'
    | 'so2'
    | 'co2'
    | 'temperature'
    | 'relative_humidity'
    | 'pressure'
    | 'noise_laeq'
    | 'noise_lamin'
    | 'noise_lamax'
    | 'pedal_cycle'
    | 'motorcycle'
    | 'car'
    | 'bus_coach'
    | 'lgv'
    | 'hgv'
    | 'pedestrian'
    | 'mean_speed'
    | 'v85'
    | 'occupancy'
  )[]
  /**
   * DTPR technology element, e.g. air_quality, induction_loop, radar, passive_infrared_sensor, non_identifiable_video
   */
  technology?: string
  /**
   * none: no personal data; pseudonymised: personal data processed then de-identified at the sensor; personal: personal data leaves the sensor
   */
  personal_data: 'none' | 'pseudonymised' | 'personal'
  /**
   * UK GDPR Article 6 lawful basis; required unless personal_data is none
   */
  legal_basis?: 'public_task' | 'legitimate_interests' | 'legal_obligation' | 'consent' | 'contract' | 'vital_interests'
  /**
   * Published Data Protection Impact Assessment
   */
  dpia_url?: string
  privacy_notice_url?: string
  /**
   * How long readings are kept, ISO 8601 duration (e.g. P5Y) or 'indefinite'
   */
  retention: string
  /**
   * Licence of the data
   */
  licence: 'OGL-UK-3.0' | 'CC-BY-4.0' | 'CC0-1.0' | 'ODbL-1.0'
  /**
   * open: public API; shared: partner boroughs; restricted: operator only (register entry still public)
   */
  sharing: 'open' | 'shared' | 'restricted'
  data_grade?: 'reference' | 'indicative' | 'citizen'
  hardware?: Hardware
  /**
   * Date installed
   */
  installed?: string
  /**
   * Planned removal date
   */
  active_until?: string
  status: 'planned' | 'active' | 'maintenance' | 'retired'
}
/**
 * GeoJSON Point, WGS84, [longitude, latitude], within Greater London's bounding box.
 */
export interface Location {
  type: 'Point'
  /**
   * @minItems 2
   * @maxItems 2
   */
  coordinates: unknown[]
}
export interface Operator {
  /**
   * The organisation accountable for the sensor
   */
  name: string
  /**
   * Public contact address (a team mailbox, never a person's)
   */
  email: string
  url?: string
  phone?: string
}
export interface Hardware {
  manufacturer?: string
  model?: string
  /**
   * @maxItems 20
   */
  sensors?: string[]
}
/**
 * What the platform publishes on a device's errors topic when it rejects a message. The device marks the readings as rejected and does not resend them.
 */
export interface DeviceError {
  /**
   * Stable error code
   */
  code:
    | 'READING_INVALID'
    | 'READING_NOT_JSON'
    | 'READING_TOPIC_MISMATCH'
    | 'READING_UNKNOWN_SENSOR'
    | 'READING_TOO_LARGE'
  /**
   * Human-readable reason
   */
  reason: string
  /**
   * $id of the schema the message was checked against
   */
  schema: string
  topic?: string
  /**
   * Sequence numbers of the rejected readings, when they could be read
   *
   * @maxItems 500
   */
  seq?: Sequence[]
  /**
   * @maxItems 50
   */
  errors?: {
    /**
     * JSON Pointer to the failing value
     */
    path: string
    message: string
    keyword?: string
  }[]
  time: UtcTime1
}
/**
 * Change the publish interval (kept across restarts).
 */
export interface SetIntervalCommand {
  command: 'set_interval'
  /**
   * New publish interval, seconds
   */
  interval: number
  /**
   * Unique id of this command, chosen by the sender; the node answers with it and ignores a repeat of an id it has seen (QoS 1 redelivers).
   */
  id: string
  issued_at?: UtcTime1
  expires_at: UtcTime2
  /**
   * Who asked for it (operator account or service), for the node's log; the platform's audit log is the authority.
   */
  by?: string
}
/**
 * Publish again the readings with from <= seq <= to that the node still holds.
 */
export interface ResendCommand {
  command: 'resend'
  from: Sequence
  to: Sequence
  /**
   * Unique id of this command, chosen by the sender; the node answers with it and ignores a repeat of an id it has seen (QoS 1 redelivers).
   */
  id: string
  issued_at?: UtcTime1
  expires_at: UtcTime3
  /**
   * Who asked for it (operator account or service), for the node's log; the platform's audit log is the authority.
   */
  by?: string
}
/**
 * Publish a status heartbeat now.
 */
export interface StatusCommand {
  command: 'status'
  /**
   * Unique id of this command, chosen by the sender; the node answers with it and ignores a repeat of an id it has seen (QoS 1 redelivers).
   */
  id: string
  issued_at?: UtcTime1
  expires_at: UtcTime4
  /**
   * Who asked for it (operator account or service), for the node's log; the platform's audit log is the authority.
   */
  by?: string
}
/**
 * Install a signed agent release: the node checks the manifest's signature against its pinned release key, downloads the payload from url (no more than the manifest's length), checks length and SHA-256, and hands it to its updater (A/B install, health check, automatic rollback). It answers accepted (with detail.state pending, downloading, installed) and at the end done (healthy), failed (rolled_back or failed, with the reason) or refused (nothing installed: bad signature, wrong key, expired, not newer, wrong hash, busy).
 */
export interface UpdateCommand {
  command: 'update'
  /**
   * The release's manifest.json, its exact bytes as a string (kind, version, file, length, sha256, expiry, key id): the signature covers these bytes
   */
  manifest: string
  /**
   * Detached Ed25519 signature (64 bytes, base64) over the exact bytes of the signed document
   */
  signature: string
  /**
   * Where the node fetches the payload (HTTPS from the platform's release store; resumable with Range). The node sends its credentials only to an origin its config lists.
   */
  url: string
  /**
   * The rollout this update belongs to, if any (for the node's log)
   */
  rollout?: string
  /**
   * Unique id of this command, chosen by the sender; the node answers with it and ignores a repeat of an id it has seen (QoS 1 redelivers).
   */
  id: string
  issued_at?: UtcTime1
  expires_at: UtcTime5
  /**
   * Who asked for it (operator account or service), for the node's log; the platform's audit log is the authority.
   */
  by?: string
}
/**
 * Change the node's settings: a config document signed with the platform's config key (not the release key), for this sensor only, newer than the last one applied. The node checks it against its config schema, applies it (restarting what must restart), keeps the last good config and goes back to it when the new one fails its trial (a driver gives no samples, the broker cannot be reached). It answers accepted, then done, failed (rolled back, with the reason) or refused (not applied).
 */
export interface ConfigCommand {
  command: 'config'
  /**
   * The signed config document (JSON: _type streetsense-config, sensor, borough, version, issued, expires, keyId, settings), its exact bytes as a string
   */
  document: string
  /**
   * Detached Ed25519 signature (64 bytes, base64) over the exact bytes of the signed document
   */
  signature: string
  /**
   * Unique id of this command, chosen by the sender; the node answers with it and ignores a repeat of an id it has seen (QoS 1 redelivers).
   */
  id: string
  issued_at?: UtcTime1
  expires_at: UtcTime6
  /**
   * Who asked for it (operator account or service), for the node's log; the platform's audit log is the authority.
   */
  by?: string
}
/**
 * A node's answer to a command, on its result topic: accepted (will run, or is running: detail.state says how far), done (ran), failed (ran and did not succeed, e.g. an update rolled back; with the reason) or refused (not run, with the reason: expired, invalid, unsupported, busy, ...).
 */
export interface CommandResult {
  sensor: SensorId
  borough: BoroughCode
  /**
   * The id of the command answered ("unknown" when the command was unreadable).
   */
  id: string
  /**
   * The command's name, when it could be read.
   */
  command?: string
  status: 'accepted' | 'done' | 'failed' | 'refused'
  /**
   * Why a command was refused or failed (plain English), or a note on a done command.
   */
  reason?: string
  /**
   * Stable code of a refusal or failure, e.g. IOT_EDGE_COMMAND_INVALID.
   */
  code?: string
  time: UtcTime1
  /**
   * Command-specific outcome, e.g. for resend: requeued, first and last seq resent, and the part no longer held; for update and config: state (pending, downloading, installed, healthy, failed, rolled_back), version, bytes.
   */
  detail?: {
    [k: string]: string | number | boolean | null
  }
}
