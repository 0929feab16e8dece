/**
 * The base of every error that refuses a request: a status, a stable code for clients, a message a
 * shopper or merchant can read (never personal data), and any headers the answer needs (Retry-After).
 * Domain code throws these; `errorResponseFor` in app/http/errors.ts turns one into
 * `{"error": {"code", "message"}}` at the edge, the only place that happens. Anything else that
 * escapes is a bug (5xx).
 */
export class DomainError extends Error {
  readonly headers: Record<string, string>;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.headers = headers;
  }

  /** The JSON body of the answer; a subclass may add fields (a form's per-field messages). */
  body(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message } };
  }
}
