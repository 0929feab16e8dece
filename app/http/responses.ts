// The error shape lives in ./errors (the one exit for errors); re-exported for the existing importers.
export { errorResponse } from "./errors";
import { DomainError } from "../domain-error";

/** A body past its route's limit: 413, whoever sent it. */
export class BodyTooLargeError extends DomainError {
  constructor(readonly limit: number) {
    super(413, "payload_too_large", `Request bodies here are limited to ${limit} bytes.`);
  }
}

/**
 * Reads a body as bytes, stopping as soon as it passes `limit` (whatever Content-Length claims).
 * Takes a request, or a response from a vendor.
 */
export async function readBodyLimited(
  request: Pick<Request, "headers" | "body">,
  limit: number,
  /** What to throw past the limit, when a route names it in its own words (a photo's 413). */
  tooLarge: (limit: number) => Error = (l) => new BodyTooLargeError(l),
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
