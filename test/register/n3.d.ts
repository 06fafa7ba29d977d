// n3 ships no types; the catalogue test uses only its parser.
declare module 'n3' {
  import type { Quad } from '@rdfjs/types'
  export class Parser {
    constructor(options?: { format?: string })
    parse(input: string): Quad[]
  }
}
