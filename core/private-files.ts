/**
 * Data directories and files only the service's own user may read: the registry (password
 * hashes, accounts), the spool and quarantine (readings as sent), the counters, logs. The
 * directory is 0700 and each file 0600, set before SQLite or a logger opens the file (SQLite gives
 * its -wal and -shm files the mode of the database file). An existing directory or file of ours
 * that is more open (an older version made them 0755 / 0644) is tightened.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'

const ownedByUs = (path: string): boolean =>
  typeof process.getuid !== 'function' || statSync(path).uid === process.getuid()

/** Creates `dir` (and parents) as 0700, or tightens it to 0700 if it is ours; returns it. */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  if ((statSync(dir).mode & 0o077) !== 0 && ownedByUs(dir)) chmodSync(dir, 0o700)
  return dir
}

/** Creates `file` as 0600 if it does not exist, else tightens it (and its -wal, -shm) to 0600; returns it. */
export function privateFile(file: string): string {
  closeSync(openSync(file, 'a', 0o600))
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0 && ownedByUs(path)) chmodSync(path, 0o600)
  }
  return file
}
