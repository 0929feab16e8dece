import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in analysis vendor on 127.0.0.1 (the contract's recorded shape). It keeps every request it
 * gets, and each request takes the next scripted reply (then "ok" once the script runs out):
 * - "ok": a valid accepted analysis for POST, 204 for DELETE;
 * - "hang": reads the request and never answers;
 * - "drop": reads the request, then closes the connection without a word;
 * - { status, headers, body }: exactly that answer.
 */
export type VendorReply = "ok" | "hang" | "drop" | { status: number; headers?: Record<string, string>; body?: string };

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function acceptedAnswer(id = `ana_${randomUUID()}`) {
  return {
    id,
    status: "accepted",
    engine: { name: "vendor", version: "7.1" },
    quality: { ok: true, reasons: [], hints: [], measured: {} },
    measurement: { indices: { skinTone: { itaDegrees: 31 } }, whiteBalance: "none", notes: ["Not a diagnosis."] },
  };
}

export function fakeVendor() {
  const received: ReceivedRequest[] = [];
  const script: VendorReply[] = [];
  let port = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const reply = script.shift() ?? "ok";
      if (reply === "hang") return;
      if (reply === "drop") return void req.socket.destroy();
      if (reply !== "ok") return void res.writeHead(reply.status, reply.headers).end(reply.body ?? "");
      if (req.method === "DELETE") return void res.writeHead(204).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(acceptedAnswer()));
    });
  });
  return {
    received,
    /** Requests with this method, in arrival order. */
    requests: (method: string) => received.filter((r) => r.method === method),
    /** Queues replies for the next requests, in order. */
    reply: (...replies: VendorReply[]) => void script.push(...replies),
    /** Listens on 127.0.0.1; pass the old port to come back where a client expects it. */
    start: (onPort = port) =>
      new Promise<string>((resolve, reject) => {
        server.once("error", reject);
        server.listen(onPort, "127.0.0.1", () => {
          port = (server.address() as AddressInfo).port;
          resolve(`http://127.0.0.1:${port}`);
        });
      }),
    /** Closes the listener and every open connection (hanging ones included). */
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type FakeVendor = ReturnType<typeof fakeVendor>;
