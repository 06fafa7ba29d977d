/** The edge stage: the agent, its config, and the field engineer's tools. Drivers load lazily. */

export { compareVersions, isSemver } from '../core/index.js'
export { createEdgeAgent, type EdgeAgent, type EdgeAgentDeps } from './agent.js'
export { type EdgeConfig, type EdgeSettings, EdgeSettingsSchema, loadEdgeConfig, parseEdgeConfig } from './config.js'
export { runEdgeAgent } from './main.js'
export {
  type ConfigDocument,
  openConfigDocument,
  type SignedConfig,
  signConfigDocument,
} from './remote-config/document.js'
export { checkRemoteSettings, type RemoteSettings } from './remote-config/settings.js'
export { readFleetCredentials, type SimulatedFleet, startSimulatedFleet } from './simulated-fleet.js'
export { type Check, checkBrokerLogin, formatChecks, runDoctor } from './tools/doctor.js'
export { flashBoard, planFlash } from './tools/flash.js'
export { buildNodeConfig, fromSensorsAddJson, type ProvisionInput, writeNodeConfig } from './tools/provision.js'
export { takeAll, type UpdateRequest } from './update/handoff.js'
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
  MANIFEST_FILE,
  type ReleaseKind,
  type ReleaseManifest,
  SIGNATURE_FILE,
  type VerifiedRelease,
  verifyManifest,
  verifyRelease,
} from './update/manifest.js'
export { recoverInterruptedTrial } from './update/recover.js'
export { type Restarter, systemdRestarter } from './update/restarter.js'
export { type UpdaterSettings, UpdaterSettingsSchema } from './update/settings.js'
export { readUpdateState, type UpdateState } from './update/state.js'
