/**
 * `streetsense fleet ...`: signed releases for both tiers of a node. keygen (an Ed25519 key pair:
 * the release key, or with --name config the config key), release (a release directory: payload,
 * manifest, detached signature), verify (what a node checks before it installs: exit 0 when
 * valid, 1 with the reason when refused, 2 on usage errors), publish (into the platform's release
 * store), rollout and its siblings (fleet/rollouts.ts, through the admin API). updater: the
 * node's side (install, rollback, recover, status, take; edge/update/main.ts).
 */
import type { Command } from 'commander'
import { RegistrySettingsSchema } from '../../broker/index.js'
import { addSettingOptions, StreetsenseError } from '../../core/index.js'
import { publishRelease } from './fleet/publish.js'
import { registerRolloutCommands } from './fleet/rollouts.js'

function fail(err: unknown): void {
  const e = err as StreetsenseError
  console.error(e.code ? `${e.code}: ${e.message}` : String((err as Error)?.message ?? err))
  process.exitCode = e.code === 'IOT_EDGE_UPDATE_REFUSED' ? 1 : 2
}

interface ReleaseFlags {
  key: string
  kind: string
  version: string
  out: string
  expiresDays: string
  board?: string
  firmataName?: string
  firmataVersion?: string
}

function firmwareIdentity(opts: ReleaseFlags) {
  if (!opts.board && !opts.firmataName && !opts.firmataVersion) return undefined
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(opts.firmataVersion ?? '')
  if (opts.firmataVersion && !m) {
    throw Object.assign(new Error('--firmata-version must be MAJOR.MINOR, e.g. 2.5'), { code: 'IOT_USAGE' })
  }
  return {
    board: opts.board ?? '',
    name: opts.firmataName ?? '',
    major: m ? Number(m[1]) : -1,
    minor: m ? Number(m[2]) : -1,
  }
}

function registerRelease(fleet: Command): void {
  fleet
    .command('release')
    .description('Sign a payload into a release directory (payload, manifest.json, manifest.json.sig)')
    .argument('<file>', 'the payload: an agent bundle (.tar.gz) or an Arduino firmware (.hex)')
    .requiredOption('--key <file>', 'private release key (from fleet keygen)')
    .requiredOption('--kind <kind>', 'agent or firmware')
    .requiredOption('--version <semver>', 'release version, e.g. 1.4.0 (nodes install only newer ones)')
    .requiredOption('--out <dir>', 'release directory to create')
    .option('--expires-days <days>', 'days until nodes refuse the release (re-sign to extend)', '14')
    .option('--board <name>', 'firmware: board type, e.g. uno')
    .option('--firmata-name <name>', 'firmware: the name the board reports over Firmata')
    .option('--firmata-version <major.minor>', 'firmware: the version the board reports over Firmata')
    .action(async (file: string, opts: ReleaseFlags) => {
      try {
        const { createRelease, loadPrivateKey } = await import('../../edge/index.js')
        const days = Number(opts.expiresDays)
        if (!Number.isInteger(days) || days < 1 || days > 366) {
          throw Object.assign(new Error('--expires-days must be a whole number of days, 1..366'), { code: 'IOT_USAGE' })
        }
        const release = createRelease({
          kind: opts.kind as 'agent' | 'firmware',
          version: opts.version,
          payload: file,
          out: opts.out,
          privateKey: loadPrivateKey(opts.key),
          expiresDays: days,
          firmware: firmwareIdentity(opts),
        })
        const m = release.manifest
        console.log(`release ${m.kind} ${m.version} in ${release.dir}`)
        console.log(`${m.file}: ${m.length} bytes, sha256 ${m.sha256}; key ${m.keyId}; expires ${m.expires}`)
      } catch (err) {
        fail(err)
      }
    })
}

export function registerFleetCommand(program: Command): void {
  const fleet = program
    .command('fleet')
    .description('Signed releases for the nodes: keys, releases, verification, publishing, staged rollouts')
  registerKeygen(fleet)
  registerRelease(fleet)
  registerUpdater(fleet)
  registerVerify(fleet)
  registerPublish(fleet)
  registerRolloutCommands(fleet)
}

function registerPublish(fleet: Command): void {
  const command = fleet
    .command('publish')
    .description("Check a release as a node would and put it in the platform's release store, for rollouts")
    .argument('<dir>', 'release directory (from fleet release)')
    .requiredOption('--pubkey <file>', 'the public release key the nodes trust')
    .option('--actor <name>', 'who publishes it, for the audit log', 'cli')
  addSettingOptions(command, RegistrySettingsSchema)
  command.action(async (dir: string, opts: { pubkey: string; actor?: string } & Record<string, unknown>) => {
    try {
      console.log(await publishRelease(dir, opts))
    } catch (err) {
      fail(err)
    }
  })
}

function registerKeygen(fleet: Command): void {
  fleet
    .command('keygen')
    .description('Make an Ed25519 release key pair: DIR/NAME.key (0600, keep offline) and DIR/NAME.pub (pin on nodes)')
    .requiredOption('--out <dir>', 'directory for the key pair (created 0700)')
    .option('--name <name>', 'file name stem', 'release')
    .action(async (opts: { out: string; name: string }) => {
      try {
        const { generateReleaseKeys, PASSPHRASE_ENV } = await import('../../edge/index.js')
        const keys = generateReleaseKeys(opts.out, opts.name)
        console.log(`private key ${keys.privateKey} (mode 0600; encrypted only if ${PASSPHRASE_ENV} was set)`)
        console.log(`public key  ${keys.publicKey} (key id ${keys.keyId}): install it on every node`)
      } catch (err) {
        fail(err)
      }
    })
}

function registerUpdater(fleet: Command): void {
  fleet
    .command('updater')
    .description(
      "The node's updater (install DIR, rollback, recover, status), as /opt/streetsense/updater/updater.mjs runs it",
    )
    .argument('[args...]', 'updater command and flags, e.g. install /tmp/release-1.4.0 --health-timeout-seconds 300')
    .allowUnknownOption()
    .passThroughOptions()
    .helpOption(false)
    .action(async (args: string[]) => {
      const { runUpdater } = await import('../../edge/index.js')
      process.exitCode = await runUpdater(args)
    })
}

function registerVerify(fleet: Command): void {
  fleet
    .command('verify')
    .description('Check a release directory as a node would: exit 0 when valid, 1 with the reason when refused')
    .argument('<dir>', 'release directory')
    .requiredOption('--pubkey <file>', 'the public release key the node trusts')
    .option('--kind <kind>', 'refuse any other kind: agent or firmware')
    .option('--installed <semver>', 'the version the node runs: refuse one not newer')
    .action(async (dir: string, opts: { pubkey: string; kind?: string; installed?: string }) => {
      try {
        const { loadPublicKey, verifyRelease } = await import('../../edge/index.js')
        if (opts.kind && opts.kind !== 'agent' && opts.kind !== 'firmware') {
          throw new StreetsenseError('IOT_USAGE', '--kind must be agent or firmware', 'kind')
        }
        const { manifest: m } = await verifyRelease(dir, {
          publicKey: loadPublicKey(opts.pubkey),
          kind: opts.kind as 'agent' | 'firmware' | undefined,
          installed: opts.installed,
        })
        console.log(
          `valid: ${m.kind} ${m.version}, ${m.file} ${m.length} bytes, sha256 ${m.sha256}, expires ${m.expires}`,
        )
      } catch (err) {
        fail(err)
      }
    })
}
