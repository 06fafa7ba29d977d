/** `streetsense`: one CLI for every part of the platform (the command tree is in program.ts). */
import { buildProgram } from './program.js'

await buildProgram().parseAsync(process.argv)
