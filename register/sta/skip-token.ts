/**
 * The server's $skiptoken for Observations in time order (an OData server-driven paging token):
 * the time of the last Observation given and how many Observations at that time were given,
 * so the next page starts right after them however deep the paging goes.
 */
import { badParam } from '../params.js'

export interface SkipToken {
  t: number
  n: number
}

export function encodeSkipToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url')
}

export function decodeSkipToken(text: string): SkipToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as SkipToken
    if (Number.isSafeInteger(token.t) && Number.isSafeInteger(token.n) && token.n >= 1)
      return { t: token.t, n: token.n }
  } catch {
    // the error below
  }
  throw badParam('$skiptoken', 'is not a token from an @iot.nextLink of this service')
}
