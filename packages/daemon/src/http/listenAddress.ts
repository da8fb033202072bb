/**
 * Where the daemon listens. The port is only known once listening (PADDOCK_PORT=0 picks one);
 * modules that need it (the preview's default domain, the egress proxy's own-port guard) hold
 * this object and read `port` when they use it.
 */
export class ListenAddress {
  private boundPort: number;

  constructor(
    readonly host: string,
    port: number,
  ) {
    this.boundPort = port;
  }

  get port(): number {
    return this.boundPort;
  }

  bound(port: number): void {
    this.boundPort = port;
  }

  /** The API's URL: an IPv6 host in brackets. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.boundPort}`;
  }

  /** The API's URL on loopback, for the daemon's calls to itself. */
  get loopbackUrl(): string {
    const host = this.loopback.includes(':') ? `[${this.loopback}]` : this.loopback;
    return `http://${host}:${this.boundPort}`;
  }

  /** An address of this listener to connect to: a wildcard bind is reached on loopback. */
  get loopback(): string {
    if (this.host === '0.0.0.0' || this.host === '') return '127.0.0.1';
    if (this.host === '::' || this.host === '[::]') return '::1';
    return this.host;
  }
}
