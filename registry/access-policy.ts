/**
 * The access rule (access.ts) over a cached copy of what it needs from the registry: each
 * sensor's borough and sharing level, and the data-sharing agreements. The copy is reloaded when
 * the registry file changed (its change stamp: SQLite's data_version for other processes' commits
 * and this connection's own changes), so a sharing level or an agreement changed by the CLI or
 * the admin API holds from the next decision on. Cheap enough to ask per MQTT delivery.
 * A reader named by its username is judged as its account is now, not as it was when it signed
 * in: an MQTT session of an account disabled, deleted or moved to other boroughs since it
 * connected gets open data only, or its new boroughs' data, from the next message on.
 */
import {
  boroughsSharingWith,
  type DataReader,
  mayReadReadings,
  READING_ROLES,
  type SharedEntry,
  agreementsSharing as sharing,
} from './access.js'
import type { SharingAgreement } from './governance-types.js'
import type { Registry } from './types.js'

export type AccessSource = Pick<Registry, 'listSensors' | 'listAgreements' | 'listAccounts' | 'changeStamp'>

export class AccessPolicy {
  private stamp: string | undefined
  private sensors = new Map<string, SharedEntry>()
  private agreements: SharingAgreement[] = []
  private accounts = new Map<string, DataReader>()

  constructor(
    private readonly source: AccessSource,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Whether `reader` (undefined: anonymous) may read the sensor's readings now. A sensor given
   * by id that the register does not hold is refused.
   */
  mayRead(sensor: string | SharedEntry, reader: DataReader | undefined, at = this.clock()): boolean {
    this.refresh()
    const entry = typeof sensor === 'string' ? this.sensors.get(sensor) : sensor
    return entry !== undefined && mayReadReadings(entry, this.current(reader), this.agreements, at)
  }

  /** The agreements in force that share this sensor with partner boroughs. */
  agreementsSharing(entry: SharedEntry, at = this.clock()): SharingAgreement[] {
    this.refresh()
    return sharing(entry, this.agreements, at)
  }

  /** Boroughs sharing data with the reader's boroughs under an agreement in force. */
  partnerOf(reader: DataReader, at = this.clock()): Set<string> {
    this.refresh()
    return boroughsSharingWith(this.current(reader)?.boroughs ?? [], this.agreements, at)
  }

  /** The reader as its account is now (refresh first); undefined when its account is gone. */
  private current(reader: DataReader | undefined): DataReader | undefined {
    if (reader?.username === undefined) return reader
    return this.accounts.get(reader.username)
  }

  private refresh(): void {
    const stamp = this.source.changeStamp()
    if (stamp === this.stamp) return
    // Read the stamp first: a change landing during the reload only causes one more reload.
    this.stamp = stamp
    this.sensors = new Map(
      this.source.listSensors().map(({ entry: { id, borough, sharing } }) => [id, { id, borough, sharing }]),
    )
    this.agreements = this.source.listAgreements()
    this.accounts = new Map(
      this.source
        .listAccounts()
        .filter((a) => READING_ROLES.includes(a.role))
        .map(({ username, role, boroughs, disabled }) => [username, { username, role, boroughs, disabled }]),
    )
  }
}
