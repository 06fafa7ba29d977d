#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when node_modules is missing and, when
// run as root on Debian, the Debian packages the platform or its tests need. Plain Node, no
// dependencies, because it runs before `npm ci`. Usage: bootstrap.js start|test
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const purpose = process.argv[2] === 'test' ? 'test' : 'start'

// Debian package -> a file it installs, to tell whether it is there.
const FOR_START = { influxdb: '/usr/bin/influxd' }
const FOR_TEST = {
  ...FOR_START,
  socat: '/usr/bin/socat',
  chromium: '/usr/bin/chromium',
  'redis-server': '/usr/bin/redis-server',
  mosquitto: '/usr/sbin/mosquitto',
  'mosquitto-clients': '/usr/bin/mosquitto_pub',
  'python3-paho-mqtt': '/usr/lib/python3/dist-packages/paho',
  openssl: '/usr/bin/openssl',
  // The alert rules' tests, the cluster failover test and the emulated Uno's Optiboot build.
  prometheus: '/usr/bin/prometheus',
  'prometheus-alertmanager': '/usr/bin/prometheus-alertmanager',
  haproxy: '/usr/sbin/haproxy',
  'arduino-core-avr': '/usr/share/arduino/hardware/arduino/avr/bootloaders/optiboot/optiboot.c',
}

function say(msg) {
  process.stderr.write(`[streetsense] ${msg}\n`)
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) {
    say(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`)
    process.exit(1)
  }
}

// package.json's engines (">=20.19"): every locked dependency supports it (test/architecture/engines.test.ts).
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 19)) {
  say(`streetsense needs Node 20.19 or newer; this is Node ${process.versions.node}`)
  process.exit(1)
}

const wanted = purpose === 'test' ? FOR_TEST : FOR_START
const missing = Object.entries(wanted)
  .filter(([, file]) => !existsSync(file))
  .map(([pkg]) => pkg)
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const hasApt = existsSync('/usr/bin/apt-get')
  if (isRoot && hasApt) {
    say(`installing Debian packages: ${missing.join(' ')}`)
    run('apt-get', ['update', '-qq'])
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing])
  } else {
    say(`missing Debian packages: ${missing.join(' ')}`)
    say(`install them with: sudo apt-get install ${missing.join(' ')}`)
    if (purpose === 'start' && missing.includes('influxdb')) {
      say('or point streetsense at an existing InfluxDB: npm start -- --influx-url http://host:8086')
    }
  }
}

// npm writes node_modules/.package-lock.json on every install: older than the lock file means a
// `git pull` brought new dependencies.
const installed = join(root, 'node_modules', '.package-lock.json')
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
  say('installing npm dependencies (npm ci)')
  run('npm', ['ci', '--no-audit', '--no-fund'])
}

// A quick self-check that the native module this platform depends on loads.
try {
  execFileSync(process.execPath, ['-e', "require('better-sqlite3')"], { cwd: root, stdio: 'ignore' })
} catch {
  say('better-sqlite3 did not load; rebuilding it')
  run('npm', ['rebuild', 'better-sqlite3'])
}
