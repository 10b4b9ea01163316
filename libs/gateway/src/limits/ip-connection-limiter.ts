/** Open connections per client IP; refuses past the limit (0 = no limit). */
export class IpConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(private readonly limit: number) {}

  tryAcquire(ip: string): boolean {
    const count = this.open.get(ip) ?? 0;
    if (this.limit > 0 && count >= this.limit) return false;
    this.open.set(ip, count + 1);
    return true;
  }

  release(ip: string): void {
    const count = (this.open.get(ip) ?? 1) - 1;
    if (count <= 0) this.open.delete(ip);
    else this.open.set(ip, count);
  }
}
