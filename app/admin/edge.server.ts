import { appKeyring } from "../crypto/keyring.server";
import { database } from "../db.server";
import type { Database, Db } from "../db/client.server";
import type { Keyring } from "../crypto/keyring";
import { DomainError } from "../domain-error";
import { errorResponse } from "../http/responses";
import { authenticate } from "../shopify.server";
import { FormError } from "./form";

/**
 * The edge of every admin route: authenticate.admin first (session token, or the library's own
 * redirect/401 thrown as a Response), then the shop comes from the verified session and nothing
 * else, so one merchant can only ever reach their own shop's rows.
 */
export interface AdminContext {
  shop: string;
  admin: Awaited<ReturnType<typeof authenticate.admin>>["admin"];
  database: Database;
  db: Db;
  keyring: Keyring;
}

export async function adminContext(request: Request): Promise<AdminContext> {
  const { session, admin } = await authenticate.admin(request);
  const db = await database();
  return { shop: session.shop, admin, database: db, db: db.client, keyring: appKeyring() };
}

/** A refused form is 400 with one message per field; a domain refusal is its status; anything else is a bug. */
export function adminErrorResponse(error: unknown): Response {
  if (error instanceof Response) return error;
  if (error instanceof FormError) return Response.json({ ok: false, errors: error.fields }, { status: 400 });
  if (error instanceof DomainError) return errorResponse(error.status, error.code, error.message);
  throw error;
}

/** An admin action: authenticate, then the work; its typed errors become answers. */
export async function adminAction(
  request: Request,
  work: (context: AdminContext) => Promise<Response | Record<string, unknown>>,
): Promise<Response> {
  const context = await adminContext(request);
  try {
    const result = await work(context);
    return result instanceof Response ? result : Response.json(result);
  } catch (error) {
    return adminErrorResponse(error);
  }
}

/** The body of an admin action: JSON (the editors) or a form (simple buttons), as a plain object. */
export async function readActionBody(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    try {
      const body: unknown = await request.json();
      if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // Falls through to the refusal below.
    }
    throw new FormError({ form: "The request body is not a JSON object." });
  }
  const form = await request.formData();
  return Object.fromEntries([...form.keys()].map((k) => [k, String(form.get(k))]));
}
