/**
 * Failed-login throttling. Passwords are 192-bit random secrets, so the throttle is about CPU
 * (each check is an scrypt) and noise more than guessing:
 * - an address with `count` failures in the window is refused for every username;
 * - a username with `count` failures in the window (from any addresses) is refused to every
 *   address that has itself failed a login in the window. A device on an address with no failures
 *   still gets in, so an attacker who knows a sensor id (it is public) cannot lock the device out.
 */
import { WindowCounter } from './rate-limiters.js'

export class LoginThrottle {
  private readonly byAddress: WindowCounter
  private readonly byUsername: WindowCounter

  constructor(
    private readonly count: number,
    windowSeconds: number,
  ) {
    this.byAddress = new WindowCounter(windowSeconds * 1000)
    this.byUsername = new WindowCounter(windowSeconds * 1000)
  }

  isThrottled(address: string, username: string | undefined): boolean {
    const addressFailures = this.byAddress.count(address)
    if (addressFailures >= this.count) return true
    return username !== undefined && addressFailures > 0 && this.byUsername.count(username) >= this.count
  }

  recordFailure(address: string, username: string | undefined): void {
    this.byAddress.add(address)
    if (username !== undefined) this.byUsername.add(username)
  }

  sweep(): void {
    this.byAddress.sweep()
    this.byUsername.sweep()
  }
}
