import { DomainError } from "../domain-error";

/**
 * The one error shape every answer uses: {"error": {"code", "message"}} with a 4xx status.
 * Messages are written for the person reading them and never echo input back.
 */
export function errorResponse(status: number, code: string, message: string, headers?: HeadersInit): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

/**
 * The one exit for errors, used by every edge (proxy, admin, webhooks): a Response thrown by the
 * Shopify library or a route passes through, a DomainError becomes its answer, and anything else is
 * rethrown, since it is a bug and must surface as a 5xx with its stack in the log.
 */
export function errorResponseFor(error: unknown): Response {
  if (error instanceof Response) return error;
  if (error instanceof DomainError) {
    return Response.json(error.body(), { status: error.status, headers: error.headers });
  }
  throw error;
}
