import { appKeyring } from "../crypto/keyring.server";
import { database } from "../db.server";
import type { Database, Db } from "../db/client.server";
import type { Keyring } from "../crypto/keyring";
import { DomainError } from "../domain-error";
import { BODY_LIMITS } from "../http/body-limits";
import { errorResponseFor } from "../http/errors";
import { readBodyLimited } from "../http/responses";
import { authenticate } from "../shopify.server";
import { z } from "zod";
import { FormError } from "./form";

/**
 * The edge of every admin route: authenticate.admin first (session token, or the library's own
 * redirect/401 thrown as a Response), then the shop comes from the verified session and nothing
 * else, so one merchant can only ever reach their own shop's rows.
 */
export interface AdminContext {
  shop: string;
  admin: Awaited<ReturnType<typeof authenticate.admin>>["admin"];
  /** The library's billing helpers; the Plan page reads the active plan with `billing.check`. */
  billing: Awaited<ReturnType<typeof authenticate.admin>>["billing"];
  database: Database;
  db: Db;
  keyring: Keyring;
}

export async function adminContext(request: Request): Promise<AdminContext> {
  const { session, admin, billing } = await authenticate.admin(request);
  const db = await database();
  return { shop: session.shop, admin, billing, database: db, db: db.client, keyring: appKeyring() };
}

/** An admin action: authenticate, then the work; its typed errors become answers (a form's: 400 per field). */
export async function adminAction(
  request: Request,
  work: (context: AdminContext) => Promise<Response | Record<string, unknown>>,
): Promise<Response> {
  const context = await adminContext(request);
  try {
    const result = await work(context);
    return result instanceof Response ? result : Response.json(result);
  } catch (error) {
    return errorResponseFor(error);
  }
}

/**
 * An admin loader: authenticate, then the work; its typed errors are thrown as answers, so a page
 * shows its error boundary with that status and a file download gets the error shape.
 */
export async function adminLoader<T>(request: Request, work: (context: AdminContext) => Promise<T>): Promise<T> {
  const context = await adminContext(request);
  try {
    return await work(context);
  } catch (error) {
    throw errorResponseFor(error);
  }
}

const recordId = z.string().min(1).max(64);

/** A record id from the URL; anything that cannot be an id is simply not found (404), like another shop's. */
export function idParam(params: Record<string, string | undefined>): string {
  const parsed = recordId.safeParse(params.id);
  if (!parsed.success) throw new DomainError(404, "not_found", "There is no such record in this shop.");
  return parsed.data;
}

/**
 * The body of an admin action: JSON (the editors) or a form (simple buttons), as a plain object. Read
 * within the admin's limit (413 past it); a body that is neither is a 400 on the form, never a 500.
 */
export async function readActionBody(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  const bytes = await readBodyLimited(request, BODY_LIMITS.admin);
  if (type.includes("application/json")) {
    try {
      const body: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // Falls through to the refusal below.
    }
    throw new FormError({ form: "The request body is not a JSON object." });
  }
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch {
    throw new FormError({ form: "The form could not be read." });
  }
  return Object.fromEntries([...form.keys()].map((k) => [k, String(form.get(k))]));
}
