import type { Db } from "../../app/db/client.server";
import { recordAuditEvent } from "../../app/privacy/audit-trail.server";

/**
 * At most this many appends of one writer are in flight at once: below the PostgreSQL adapter's pool
 * (pg's default of 10 connections), so every one of them holds a connection of its own and contends
 * for the chain's head across connections and processes, and none spends its transaction's start-up
 * time (maxWait) queued for a connection behind the others of its own process. On SQLite a process has
 * one connection anyway.
 */
export const APPENDS_IN_FLIGHT = 8;

/** One writer's `count` appends to `shop`'s chain, `APPENDS_IN_FLIGHT` at a time; subjects `${tag}x${i}`. */
export async function appendConcurrently(db: Db, shop: string, count: number, tag: string): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await recordAuditEvent(db, { shop, action: "consent.given", subject: `${tag}x${i}` });
    }
  };
  await Promise.all(Array.from({ length: Math.min(APPENDS_IN_FLIGHT, count) }, lane));
}
