import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appKeyring } from "../app/crypto/keyring.server";
import { setDatabaseForTests } from "../app/db.server";
import { receiveWebhook } from "../app/webhooks/receive.server";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { runJobs } from "./support/jobs";
import { seedShop, seedSubject } from "./support/seed";
import { payloads, SHOP, signedWebhook, toRequest } from "./support/shopify";

/**
 * P11 at the level of bytes: after a redaction, nothing that identified the customer can be
 * found in the SQLite database file or its write-ahead log, not even in free pages.
 */
const CUSTOMER_ID = 9071234567;

function rawFiles(file: string): Buffer {
  const parts = [file, `${file}-wal`, `${file}-journal`].filter(existsSync).map((f) => readFileSync(f));
  return Buffer.concat(parts);
}

describe("P11: erasure leaves no recoverable copy on disk (SQLite)", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    setDatabaseForTests(database);
  });
  afterAll(() => database.destroy());

  it("P11: the customer's identifiers, results and image bytes are gone from the database file and the WAL", async () => {
    const keyring = appKeyring();
    const notice = await seedShop(database.client, SHOP);
    const seeded = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: String(CUSTOMER_ID),
      scans: 3,
      marker: "RAW-MARKER-7f3a9c",
      image: new Uint8Array(Buffer.from("JPEG-BYTES-OF-A-FACE-4421")),
    });
    await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "1",
      marker: "KEEP-ME-b81",
    });
    // A data request first, so the export and a job payload naming the customer exist too.
    await receiveWebhook(
      toRequest(signedWebhook("CUSTOMERS_DATA_REQUEST", payloads.dataRequest(CUSTOMER_ID))),
      "CUSTOMERS_DATA_REQUEST",
    );
    await runJobs(database);

    const needles = [
      String(CUSTOMER_ID),
      seeded.subjectId,
      seeded.consentId,
      seeded.receipt,
      ...seeded.scanIds,
      "RAW-MARKER-7f3a9c",
    ];
    const file = database.file ?? "";
    const before = rawFiles(file);
    // The test can fail: before erasure every needle is on disk.
    for (const needle of needles) expect(before.includes(Buffer.from(needle)), `before: ${needle}`).toBe(true);

    const response = await receiveWebhook(
      toRequest(signedWebhook("CUSTOMERS_REDACT", payloads.customerRedact(CUSTOMER_ID))),
      "CUSTOMERS_REDACT",
    );
    expect(response.status).toBe(200);
    await runJobs(database);

    const after = rawFiles(file);
    for (const needle of needles) expect(after.includes(Buffer.from(needle)), `after: ${needle}`).toBe(false);
    // The WAL was folded into the main file and truncated.
    expect(existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`).length : 0).toBe(0);
    // Someone else's data is still there (the erasure was targeted, not a wipe).
    expect(after.includes(Buffer.from("KEEP-ME-b81"))).toBe(true);
  });
});
