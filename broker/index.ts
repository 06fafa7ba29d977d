/** The broker stage: what other stages and the CLI may import. */
export { type BrokerSettings, BrokerSettingsSchema, type RegistrySettings, RegistrySettingsSchema } from './config.js'
export { type RunningBroker, startBroker } from './start.js'
