// A separate process appending to one shop's audit chain, for the P21 concurrency test:
//   jiti test/support/audit-append-child.ts <database url> <shop> <count> <tag>
// It opens the database as the app does (openDatabase: the app's transaction options, maxWait 10 s and
// timeout 15 s), prints "ready" once connected, and starts appending when a line arrives on stdin, so
// every writer of the test starts at the same moment whatever its start-up took.
import { createInterface } from "node:readline";
import { openDatabase } from "../../app/db/client.server";
import { appendConcurrently } from "./audit-append";

const [url, shop, count, tag] = process.argv.slice(2).filter((a) => a !== "--");
if (!url || !shop || !count || !tag) throw new Error("usage: <url> <shop> <count> <tag>");
const database = await openDatabase(url);
await database.client.$queryRawUnsafe("SELECT 1");
const go = new Promise<void>((resolve) => createInterface({ input: process.stdin }).once("line", () => resolve()));
process.stdout.write("ready\n");
await go;
await appendConcurrently(database.client, shop, Number(count), tag);
await database.close();
process.exit(0);
