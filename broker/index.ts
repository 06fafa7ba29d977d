/** The broker stage: what other stages and `streetsense up` may import. */
export { type BrokerSettings, RegistrySettingsSchema, SettingsSchema } from './config.js'
export { BrokerError, RegistryError } from './errors.js'
export {
  type Account,
  type AccountRole,
  type AuditEvent,
  type IssuedCredentials,
  openRegistry,
  type Registry,
  type SensorRecord,
} from './registry/registry.js'
export { type RunningBroker, startBroker } from './start.js'
