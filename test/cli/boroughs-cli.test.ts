/**
 * Borough names on the command line, as an operator types them: `streetsense boroughs` lists the
 * codes and names, and every `--borough` / `--boroughs` flag takes either (the CLI as a child process).
 */
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { tempDir } from '../helpers/processes.js'

const root = join(import.meta.dirname, '../..')
const data = tempDir('ss-boroughs-')

async function streetsense(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/streetsense.js', ...args], {
      cwd: root,
      env: { ...process.env, STREETSENSE_LOG_LEVEL: 'warn' },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** `sensors add` of an air sensor in this test's registry, the borough as the operator typed it. */
const addAir = (id: string, borough: string) =>
  streetsense(['sensors', 'add', '--data-dir', data.dir, '--id', id, '--kind', 'air', '--borough', borough, '--json'])

afterAll(() => data.remove())

describe('borough names on the command line', () => {
  it('`streetsense boroughs` lists the 33 codes with their names, and resolves one name', async () => {
    const all = await streetsense(['boroughs', '--json'])
    const rows = JSON.parse(all.stdout) as { code: string; name: string }[]
    expect(rows).toHaveLength(33)
    expect(rows[0]).toEqual({ code: 'E09000001', name: 'City of London' })
    const one = await streetsense(['boroughs', 'Kensington & Chelsea'])
    expect(one.stdout.trim()).toBe('E09000020  Kensington and Chelsea')
    const none = await streetsense(['boroughs', 'Atlantis'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('E09000007 Camden')
  })

  it('sensors add and list take --borough Camden; an unknown one is refused with the list', async () => {
    const added = await addAir('camden-aq-0042', 'Camden')
    expect(added.code).toBe(0)
    expect(JSON.parse(added.stdout).entry.borough).toBe('E09000007')
    const listed = await streetsense(['sensors', 'list', '--data-dir', data.dir, '--borough', 'camden', '--json'])
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((e) => e.id)).toEqual(['camden-aq-0042'])

    const refused = await addAir('x-1', 'Camdn')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/--borough: "Camdn" is not a London borough/)
    expect(refused.stderr).toContain('E09000033 Westminster')
  })

  it('the City of London is run by the City of London Corporation', async () => {
    const added = await addAir('city-aq-0001', 'City')
    expect(JSON.parse(added.stdout).entry.operator.name).toBe('City of London Corporation')
  })

  it('add-account --boroughs and edge provision --borough take names', async () => {
    const account = await streetsense([
      'sensors',
      'add-account',
      '--data-dir',
      data.dir,
      '--username',
      'east-admin',
      '--role',
      'admin',
      '--boroughs',
      'Hackney, Tower Hamlets,barking & dagenham',
      '--json',
    ])
    expect(JSON.parse(account.stdout).boroughs).toEqual(['E09000012', 'E09000030', 'E09000002'])
    const out = join(data.dir, 'node.yaml')
    const passwordFile = join(data.dir, 'node.password')
    writeFileSync(passwordFile, 'x'.repeat(24), { mode: 0o600 })
    const provisioned = await streetsense([
      'edge',
      'provision',
      '--sensor',
      'rich-aq-1',
      '--password-file',
      passwordFile,
      '--broker-url',
      'mqtt://127.0.0.1:1883',
      '--borough',
      'Richmond',
      '--kind',
      'air',
      '--out',
      out,
    ])
    expect(provisioned.code).toBe(0)
    expect(parse(readFileSync(out, 'utf8')).sensor.borough).toBe('E09000027')
  })
})
