/**
 * The one error type domain code throws for a request it refuses: a status and a stable code for
 * clients, and a message a shopper or merchant can read (never personal data). The HTTP edge turns
 * it into `{"error": {"code", "message"}}`; anything else that escapes is a bug (5xx).
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
