/** The edge stage: the agent, its config, and the field engineer's tools. Drivers load lazily. */
export { createEdgeAgent, type EdgeAgent, type EdgeAgentDeps } from './agent.js'
export { type EdgeConfig, type EdgeSettings, EdgeSettingsSchema, loadEdgeConfig, parseEdgeConfig } from './config.js'
export { runEdgeAgent } from './main.js'
export { readFleetCredentials, type SimulatedFleet, startSimulatedFleet } from './simulated-fleet.js'
export { type Check, checkBrokerLogin, formatChecks, runDoctor } from './tools/doctor.js'
export { flashBoard, planFlash } from './tools/flash.js'
export { buildNodeConfig, fromSensorsAddJson, type ProvisionInput, writeNodeConfig } from './tools/provision.js'
export { type InstallOutcome, installRelease, rollBackToPrevious, type UpdaterContext } from './update/install.js'
export {
  generateReleaseKeys,
  type KeyFiles,
  keyIdOf,
  loadPrivateKey,
  loadPublicKey,
  PASSPHRASE_ENV,
} from './update/keys.js'
export { runUpdater } from './update/main.js'
export {
  createRelease,
  type FirmwareIdentity,
  type ReleaseKind,
  type ReleaseManifest,
  type VerifiedRelease,
  verifyRelease,
} from './update/manifest.js'
export { recoverInterruptedTrial } from './update/recover.js'
export { type Restarter, systemdRestarter } from './update/restarter.js'
export { compareVersions, isSemver } from './update/semver.js'
export { type UpdaterSettings, UpdaterSettingsSchema } from './update/settings.js'
export { readUpdateState, type UpdateState } from './update/state.js'
