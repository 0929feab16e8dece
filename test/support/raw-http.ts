import { connect } from "node:net";

/**
 * HTTP/1.1 over a raw socket, for what fetch cannot show: whether an answer arrived before the
 * connection was reset, and what a server does with a body that is endless or stops half-way.
 */
export interface RawAnswer {
  /** 0 when no complete status line arrived. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The connection failed (reset, broken pipe) before the whole answer had arrived. */
  resetBeforeAnswer: boolean;
  /** The server closed the connection (FIN or reset) before `waitMs` ran out. */
  closedByServer: boolean;
  /** Body bytes written before the answer arrived or the writing stopped. */
  bytesSent: number;
}

export interface RawRequest {
  port: number;
  /** Everything up to and including the blank line after the headers. */
  head: string;
  /**
   * What follows the head: `endless` writes junk until the answer arrives (chunked framing when
   * the head says so), up to `maxBytes`; `stall` writes `bytes` and then nothing more.
   */
  body?: { kind: "endless"; chunked: boolean; maxBytes: number } | { kind: "stall"; bytes: string };
  /** How long to wait for the answer and the server's close before giving up. */
  waitMs: number;
}

function parse(raw: Buffer): { status: number; headers: Record<string, string>; body: string; complete: boolean } {
  const text = raw.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return { status: 0, headers: {}, body: "", complete: false };
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyBytes = raw.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"));
  const length = Number(headers["content-length"] ?? NaN);
  const complete = Number.isFinite(length) ? bodyBytes.byteLength >= length : false;
  return { status, headers, body: bodyBytes.toString("utf8"), complete };
}

export function rawExchange(request: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(request.port, "127.0.0.1");
    const received: Buffer[] = [];
    let bytesSent = 0;
    let answered = false;
    let failed = false;
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const answer = parse(Buffer.concat(received));
      resolve({
        status: answer.complete || answered ? answer.status : 0,
        headers: answer.headers,
        body: answer.body,
        resetBeforeAnswer: failed && !answered,
        closedByServer,
        bytesSent,
      });
    };
    const timer = setTimeout(() => finish(false), request.waitMs);
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      if (!answered && parse(Buffer.concat(received)).complete) answered = true;
    });
    socket.on("error", () => {
      failed = true;
      finish(true);
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));

    socket.write(request.head);
    const body = request.body;
    if (body?.kind === "stall") {
      socket.write(body.bytes);
      bytesSent = Buffer.byteLength(body.bytes);
    } else if (body?.kind === "endless") {
      const junk = Buffer.alloc(64 * 1024, "x");
      const piece = body.chunked
        ? Buffer.concat([Buffer.from(`${junk.byteLength.toString(16)}\r\n`), junk, Buffer.from("\r\n")])
        : junk;
      const pump = () => {
        while (!answered && !done && bytesSent < body.maxBytes) {
          bytesSent += junk.byteLength;
          if (!socket.write(piece)) return void socket.once("drain", pump);
        }
      };
      pump();
    }
  });
}
