// A separate process appending to one shop's audit chain, for the P21 concurrency test:
//   jiti test/support/audit-append-child.ts <database url> <shop> <count> <tag>
import { openDatabase } from "../../app/db/client.server";
import { recordAuditEvent } from "../../app/privacy/audit-trail.server";

const [url, shop, count, tag] = process.argv.slice(2).filter((a) => a !== "--");
if (!url || !shop || !count || !tag) throw new Error("usage: <url> <shop> <count> <tag>");
const database = await openDatabase(url);
await Promise.all(
  Array.from({ length: Number(count) }, (_, i) =>
    recordAuditEvent(database.client, { shop, action: "consent.given", subject: `${tag}x${i}` }),
  ),
);
await database.close();
