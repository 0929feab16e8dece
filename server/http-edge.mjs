// The HTTP edge in front of the Remix build, for server.mjs: what every request meets before any
// route, authentication or body parsing runs (docs/security.md, "Hardening").
//
//  - A path that is not valid percent-encoding is a 400, not a URIError from Express's router.
//  - Every body has a size limit by route (app/http/body-limits.ts, exported by the build): a declared
//    Content-Length over it is refused at once; a body without one is counted as it arrives and
//    refused the moment it passes the limit. Nothing is buffered beyond the limit.
//  - A refusal is a 413 in the API's error shape with `Connection: close`. The rest of the body is
//    read and dropped for a short while ("lingering close", as nginx does) instead of destroying the
//    socket, which would reset a client that is still sending before it reads its 413.
//  - Timeouts (headers, whole request, keep-alive) end a request that never finishes, with a 408.
import { createServer } from "node:http";
import { createRequestHandler, writeReadableStreamToWritable } from "@remix-run/node";

/** How long a connection may keep sending after its answer (Connection: close) before it is cut. */
export const LINGER_MS = 5_000;

/** The API's error shape, as JSON text. */
const errorBody = (code, message) => JSON.stringify({ error: { code, message } });

/** Whether the request declares a body (a length or a transfer coding). */
const hasBody = (req) => req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"]) > 0;

/**
 * Once its answer is out, a connection that was answered before its body arrived in full is closed
 * gently: Node calls `destroySoon()` on the socket after a `Connection: close` response, which closes
 * it at once and resets a client that is still sending (it may never read its answer). Instead the
 * socket's sending side is ended (FIN after the answer), what the client still sends is read and
 * dropped, and the socket is destroyed when the client stops, its request ends, or after LINGER_MS.
 */
function lingerAfterAnswer(req) {
  const socket = req.socket;
  if (!socket || socket.lingering) return;
  socket.lingering = true;
  socket.destroySoon = function lingeringClose() {
    if (this.writable) this.end();
    const destroy = () => {
      if (this.writableFinished || !this.writable) this.destroy();
      else this.once("finish", () => this.destroy());
    };
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once("close", () => clearTimeout(timer));
    this.once("end", destroy);
    if (req.complete) destroy();
    else req.once("end", destroy);
  };
}

/** Stops handing the request's bytes to anyone: what is left of the body is read and dropped. */
function dropRestOfBody(req) {
  req.removeAllListeners("data");
  req.resume();
}

/**
 * Answers in the error shape from the edge. A request whose body has not fully arrived gets
 * `Connection: close`, and its connection lingers (above) rather than being reset.
 */
export function answerError(req, res, status, code, message) {
  if (res.headersSent || res.writableEnded) return;
  const body = errorBody(code, message);
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.setHeader("cache-control", "no-store");
  if (hasBody(req) && !req.complete) {
    res.setHeader("connection", "close");
    lingerAfterAnswer(req);
    dropRestOfBody(req);
  }
  res.end(body);
}

/**
 * The first middleware: a path Express and Remix can decode, and a declared body within the route's
 * limit. Records the limit for the Remix handler, which counts the bytes of bodies without a length.
 */
export function guardRequests(limitFor) {
  return (req, res, next) => {
    try {
      decodeURIComponent(req.path);
    } catch {
      return answerError(req, res, 400, "invalid_path", "The address is not valid: check its %-encoding.");
    }
    const limit = limitFor(req.method, req.path);
    req.bodyLimit = limit;
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit.limit) {
      return answerError(req, res, 413, limit.code, limit.message);
    }
    next();
  };
}

/**
 * The request body for Remix as a web stream that counts bytes as they arrive. Past the limit the
 * edge answers the 413 itself, aborts the request (Remix then neither logs nor sends anything) and
 * errors the stream for whoever is reading it. Cancelling the stream (a route that stops reading)
 * drops the rest of the body instead of destroying the socket, so the route's own answer gets out.
 */
function countedBody(req, res, abort) {
  const { limit, code, message } = req.bodyLimit;
  let received = 0;
  let open = true;
  const finish = (action) => {
    if (!open) return;
    open = false;
    action();
  };
  return new ReadableStream(
    {
      start(controller) {
        req.on("data", (chunk) => {
          if (!open) return;
          received += chunk.byteLength;
          if (received > limit) {
            answerError(req, res, 413, code, message);
            abort();
            finish(() => controller.error(new Error(`request body over its ${limit}-byte limit`)));
            dropRestOfBody(req);
            return;
          }
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once("end", () => finish(() => controller.close()));
        // The client went away mid-body: nobody is left to answer.
        req.once("error", (error) => {
          abort();
          finish(() => controller.error(error));
        });
        req.once("close", () => {
          if (req.complete) return;
          abort();
          finish(() => controller.error(new Error("request closed before its body ended")));
        });
      },
      pull() {
        if (open) req.resume();
      },
      cancel() {
        open = false;
        dropRestOfBody(req);
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

/** Node's request headers as Fetch Headers (a repeated header keeps every value). */
function fetchHeaders(nodeHeaders) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(nodeHeaders)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value) headers.set(name, value);
  }
  return headers;
}

/** Remix's Fetch Response onto Express's response, as @remix-run/express sends it. */
async function sendResponse(res, response) {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [name, value] of response.headers.entries()) res.append(name, value);
  if (/text\/event-stream/i.test(response.headers.get("content-type") ?? "")) res.flushHeaders();
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}

/** The Fetch Request Remix sees: as @remix-run/express builds it, with the counted body. */
function remixRequest(req, res, signal, abort) {
  const portOf = (header) => Number.parseInt(req.get(header)?.split(":")[1] ?? "", 10);
  const port = [portOf("x-forwarded-host"), portOf("host")].find((p) => Number.isSafeInteger(p));
  const url = new URL(`${req.protocol}://${req.hostname}${port === undefined ? "" : `:${port}`}${req.originalUrl}`);
  const init = { method: req.method, headers: fetchHeaders(req.headers), signal };
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = countedBody(req, res, abort);
    init.duplex = "half";
  }
  return new Request(url.href, init);
}

/**
 * Serves the Remix build, like @remix-run/express's handler but with the counted body above. When
 * the edge has already answered (a 413) or the client is gone, Remix's own answer is dropped
 * quietly: the request is aborted, so Remix does not log it either. An answer sent before the body
 * arrived in full (a refusal that did not need it) closes the connection gently.
 */
export function remixHandler(build) {
  const handleRequest = createRequestHandler(build, "production");
  return async (req, res, next) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    res.on("close", () => {
      if (!res.writableFinished) abort();
    });
    // Whatever the route left unread is dropped once the answer is out, so the connection moves on.
    res.once("finish", () => {
      if (!req.readableEnded) dropRestOfBody(req);
    });
    let request;
    try {
      request = remixRequest(req, res, controller.signal, abort);
    } catch {
      // new URL() refuses a Host header that names no host.
      return answerError(req, res, 400, "invalid_host", "The Host header is not valid.");
    }
    try {
      const response = await handleRequest(request);
      if (res.headersSent || controller.signal.aborted || res.destroyed) {
        await response.body?.cancel().catch(() => undefined);
        return;
      }
      if (hasBody(req) && !req.complete) {
        res.setHeader("connection", "close");
        lingerAfterAnswer(req);
      }
      await sendResponse(res, response);
    } catch (error) {
      if (res.headersSent || controller.signal.aborted) return;
      next(error);
    }
  };
}

/**
 * The last middleware. An error Express itself marks as the client's (a 4xx status) is answered in
 * the error shape without a log line; anything else is a bug, logged with its stack, and a bare 500
 * (Express's default handler would echo the stack to the client outside production).
 * Express recognises error handlers by their four parameters.
 */
export function lastErrorHandler() {
  return (error, req, res, _next) => {
    const status = Number(error?.status ?? error?.statusCode);
    if (Number.isInteger(status) && status >= 400 && status < 500) {
      return answerError(req, res, status, "bad_request", "The request could not be understood.");
    }
    console.error("unhandled request error", error);
    if (!res.headersSent) res.status(500).type("text/plain").send("Internal Server Error");
    else res.destroy();
  };
}

const CLIENT_ERRORS = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request_timeout", "The request took too long to arrive."],
  HPE_HEADER_OVERFLOW: [431, "headers_too_large", "The request headers are too large."],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, "payload_too_large", "The request's chunk extensions are too large."],
};

/**
 * A request Node's parser refuses (malformed HTTP) or that runs out of time: answered in the error
 * shape and the connection closed, as Node would but with a body a client can read.
 */
function onClientError(error, socket) {
  const inFlight = socket._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] = CLIENT_ERRORS[error.code] ?? [400, "bad_request", "The request is not valid HTTP."];
  const body = errorBody(code, message);
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status)}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
  // Closed once the answer is flushed; a route still waiting on this request is aborted with it.
  socket.once("finish", () => socket.destroy());
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

const statusText = (status) =>
  ({ 400: "Bad Request", 408: "Request Timeout", 413: "Payload Too Large", 431: "Request Header Fields Too Large" })[
    status
  ] ?? "Error";

/**
 * The HTTP server with its timeouts: `headersTimeout` for the request line and headers,
 * `requestTimeout` for the whole request (a body that never finishes), `keepAliveTimeout` for an
 * idle connection between requests. Node checks the first two once a second here (its default is
 * every 30 s, which would let a stalled body live 30 s past its timeout).
 */
export function createHttpServer(app, { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs }) {
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  server.on("clientError", onClientError);
  return server;
}
