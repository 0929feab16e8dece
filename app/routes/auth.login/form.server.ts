import { BODY_LIMITS } from "../../http/body-limits";
import { BodyTooLargeError, readBodyLimited } from "../../http/responses";

export type LoginForm = { request: Request } | { refused: { status: number; message: string } };

const refused = (status: number, message: string): LoginForm => ({ refused: { status, message } });

/**
 * The login form, read before Shopify's `login()` sees it: within the login limit, form-encoded or
 * multipart, and `shop` a piece of text. `login()` would otherwise parse any body whole and turn a
 * malformed one (or a file named "shop") into a 500. Gives the request `login()` should read, or the
 * status and the message the page shows on the shop field.
 */
export async function loginForm(request: Request): Promise<LoginForm> {
  // With ?shop= in the address, login() reads that and never the body.
  if (new URL(request.url).searchParams.get("shop")) return { request };
  const contentType = request.headers.get("content-type") ?? "";
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") {
    return refused(415, "Send the login form from this page.");
  }
  let shop: FormDataEntryValue | null;
  try {
    const bytes = await readBodyLimited(request, BODY_LIMITS.login);
    shop = (await new Response(bytes, { headers: { "content-type": contentType } }).formData()).get("shop");
  } catch (error) {
    if (error instanceof BodyTooLargeError) return refused(413, "The form is too large: enter only a shop domain.");
    // undici's form parser: a malformed body or multipart boundary.
    if (error instanceof TypeError) return refused(400, "The form could not be read: enter your shop domain.");
    throw error;
  }
  if (shop !== null && typeof shop !== "string") return refused(400, "Enter your shop domain as text.");
  return {
    request: new Request(request.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(shop === null ? {} : { shop }),
    }),
  };
}
