/** The registry's governance methods: agreements and DPIA records, erasures and retention runs. */
import { erasureMethods } from './erasures.js'
import { governanceRecordMethods } from './governance-records.js'
import { GOVERNANCE_SQL } from './governance-sql.js'
import type { GovernanceRegistry } from './governance-types.js'
import type { RegistryStore } from './store.js'

export function governanceMethods(s: RegistryStore): GovernanceRegistry {
  s.db.exec(GOVERNANCE_SQL)
  return { ...governanceRecordMethods(s), ...erasureMethods(s) }
}
