/** Why an upgrade request is refused, as the HTTP status and message the client gets. */
export class UpgradeRejection extends Error {
  constructor(
    readonly status: 401 | 403 | 429 | 503,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'UpgradeRejection';
  }
}
