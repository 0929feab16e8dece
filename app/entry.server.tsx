import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type EntryContext, type HandleErrorFunction } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { addDocumentResponseHeaders } from "./shopify.server";

// server.mjs drives migration, the background worker and key rotation through these exports, so
// they share the routes' module graph (one validated env, one database connection) in one process.
export { runtime } from "./runtime.server";
export { env } from "./env.server";
// server.mjs refuses oversized bodies before any route runs, by this same table.
export { bodyLimitFor } from "./http/body-limits";

export const streamTimeout = 5000;

/**
 * What Remix logs of a failed request. The client's own mistake (no such route, a method the route
 * lacks: a 4xx) is not a bug and writes nothing, and neither does a request its client abandoned;
 * anything else is logged with its stack. (Remix's default logs every 404 with a stack trace.)
 */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  if (isRouteErrorResponse(error) && error.status < 500) return;
  console.error(error);
};

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
): Promise<Response> {
  // Sets the frame-ancestors CSP and the other headers Shopify requires of embedded documents.
  addDocumentResponseHeaders(request, responseHeaders);
  // Crawlers get the whole document at once; browsers get the shell as soon as it is ready.
  const readyEvent = isbot(request.headers.get("user-agent") ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    let status = responseStatusCode;
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} />, {
      [readyEvent]: () => {
        const body = new PassThrough();
        responseHeaders.set("Content-Type", "text/html");
        resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status }));
        pipe(body);
      },
      onShellError(error: unknown) {
        reject(error);
      },
      onError(error: unknown) {
        status = 500;
        console.error(error);
      },
    });
    // Leaves React time to flush rejected boundaries before the stream is cut.
    setTimeout(abort, streamTimeout + 1000);
  });
}
