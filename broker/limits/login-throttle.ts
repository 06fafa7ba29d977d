/**
 * Failed-login throttling. Passwords are 192-bit random secrets, so the throttle is about CPU
 * (each check is an scrypt) and noise more than guessing:
 * - a username with `count` failures from one address in the window is refused from that
 *   address, whatever the password (a device with a wrong password stops costing scrypts);
 * - an address with ADDRESS_FACTOR x `count` failures in the window, over any usernames, is
 *   refused for every username (someone trying many accounts). Not at `count`: boroughs' sensors
 *   often sit behind one NAT or a carrier-grade NAT on 4G, and one misconfigured device there
 *   must not lock out its neighbours;
 * - a username with `count` failures in the window (from any addresses) is refused to every
 *   address that has itself failed a login in the window. A device on an address with no failures
 *   still gets in, so an attacker who knows a sensor id (it is public) cannot lock the device out.
 */
import { WindowCounter } from '../../core/index.js'

/** How many more failures an address needs than one username from it before all its logins are refused. */
export const ADDRESS_FACTOR = 10

export class LoginThrottle {
  private readonly byAddress: WindowCounter
  private readonly byUsername: WindowCounter
  private readonly byPair: WindowCounter

  constructor(
    private readonly count: number,
    windowSeconds: number,
  ) {
    this.byAddress = new WindowCounter(windowSeconds * 1000)
    this.byUsername = new WindowCounter(windowSeconds * 1000)
    this.byPair = new WindowCounter(windowSeconds * 1000)
  }

  isThrottled(address: string, username: string | undefined): boolean {
    const addressFailures = this.byAddress.count(address)
    if (addressFailures === 0) return false
    if (addressFailures >= this.count * ADDRESS_FACTOR) return true
    if (this.byPair.count(pairKey(address, username)) >= this.count) return true
    return username !== undefined && this.byUsername.count(username) >= this.count
  }

  recordFailure(address: string, username: string | undefined): void {
    this.byAddress.add(address)
    this.byPair.add(pairKey(address, username))
    if (username !== undefined) this.byUsername.add(username)
  }

  sweep(): void {
    this.byAddress.sweep()
    this.byUsername.sweep()
    this.byPair.sweep()
  }
}

// NUL cannot occur in an address; a missing username (anonymous attempt) is its own key.
const pairKey = (address: string, username: string | undefined): string => `${address}\0${username ?? ''}`
