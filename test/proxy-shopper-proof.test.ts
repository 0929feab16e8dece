import Database from "better-sqlite3";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { subjectDigest } from "../app/consent/consent.server";
import { appKeyring } from "../app/crypto/keyring.server";
import { migrationsFor } from "../app/db/migrate.server";
import { resetEnvForTests } from "../app/env.server";
import { flushRequestLog } from "../app/proxy/request-log.server";
import { PHOTO_FOR_SHOPPER_ONLY } from "../app/privacy/export.server";
import { loader as consentSearch } from "../app/routes/app.consents";
import { loader as consentExport } from "../app/routes/app.consents.export";
import { loader as downloadExport } from "../app/routes/app.exports.$id";
import { action as answerRequest, loader as requestDetail } from "../app/routes/app.requests.$id";
import { loader as inbox } from "../app/routes/app.requests._index";
import { adminRequest, call } from "./support/admin";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { newSubjectSecret, storefront } from "./support/shopper";
import { OTHER_SHOP, SHOP, storeOfflineSession } from "./support/shopify";
import { seedStoredImage } from "./support/seed";

/**
 * Issue 10, item 4: a receipt cannot be minted for someone else (ADR 0006). The anonymous shopper's
 * proof is the subject secret only their browser holds; the app keeps a keyed digest of it, so nothing
 * the merchant, a database reader or a log sees lets anyone consent, read, withdraw or erase as them.
 */
const PHOTO = new Uint8Array([255, 216, 255, 0xe0, 7, 7, 7]);
const PHOTO_BASE64 = Buffer.from(PHOTO).toString("base64");
const EMAIL = "meera.victim@example.in";

describe.each(DATABASE_KINDS)("an anonymous shopper's proof on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const keyring = appKeyring();
  const api = storefront();

  /** A shopper who consented (with the photo opt-in), has a scan with a kept photo and filed a grievance with an e-mail. */
  async function shopperWithData(secret = newSubjectSecret()) {
    const db = database.client;
    const given = await api.consent(secret, ["skin_analysis", "extended_retention"]);
    expect(given.status).toBe(201);
    const { consentId, receipt } = given.body as { consentId: string; receipt: string };
    const grant = await db.consentRecord.findUniqueOrThrow({ where: { id: consentId } });
    const scan = await db.scan.create({
      data: { shop: SHOP, subjectId: grant.subjectId, consentId, status: "accepted", provider: "local", quality: "{}" },
    });
    await seedStoredImage(db, keyring, {
      shop: SHOP,
      scanId: scan.id,
      subjectId: grant.subjectId,
      image: PHOTO,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const filed = await api.request({
      type: "grievance",
      message: "My results looked wrong",
      contactEmail: EMAIL,
      subjectId: secret,
      receipt,
    });
    expect(filed.status).toBe(201);
    return { secret, consentId, receipt, scanId: scan.id, subjectId: grant.subjectId, answers: [given, filed] };
  }

  /** Whether the shopper's consent, scan, kept photo and request are all still there, untouched. */
  async function intact(victim: { subjectId: string; consentId: string; scanId: string }) {
    const db = database.client;
    return {
      scans: await db.scan.count({ where: { subjectId: victim.subjectId } }),
      photos: await db.storedImage.count({ where: { scanId: victim.scanId } }),
      withdrawals: await db.consentRecord.count({ where: { withdrawsId: victim.consentId } }),
      requests: await db.privacyRequest.count({ where: { subjectId: victim.subjectId } }),
    };
  }

  it("P9: a consent sent with what others can see of a shopper opens nothing of theirs: my-data, kept photo, e-mail, scans, withdrawal, erasure", async () => {
    const victim = await shopperWithData();
    const stored = await database.client.subject.findUniqueOrThrow({ where: { id: victim.subjectId } });
    // What someone without the victim's browser can learn: the subject id the database keeps, the
    // internal subject id (in the merchant's exports) and the receipt (in the merchant's consent proof).
    for (const known of [stored.anonymousId ?? "", victim.subjectId]) {
      const minted = await api.consent(known);
      expect(minted.status).toBe(201);
      const proof = { subjectId: known, receipt: minted.body.receipt as string };

      const data = await api.myData(proof);
      const seen = JSON.stringify(data.body);
      for (const theirs of [victim.scanId, victim.consentId, victim.receipt, PHOTO_BASE64, EMAIL])
        expect(seen).not.toContain(theirs);
      expect((await api.myData({ subjectId: known, receipt: victim.receipt })).status).toBe(404);
      expect((await api.readScan(victim.scanId, proof)).status).toBe(404);
      expect((await api.deleteScan(victim.scanId, proof)).status).toBe(404);
      expect((await api.withdraw(victim.consentId, proof)).status).toBe(404);
      expect((await api.withdraw(victim.consentId, { subjectId: known, receipt: victim.receipt })).status).toBe(404);
      // Erasing "everything" erases only what the impostor's own consent created.
      expect((await api.eraseAll(proof)).status).toBe(200);
      expect(await intact(victim)).toEqual({ scans: 1, photos: 1, withdrawals: 0, requests: 1 });
    }

    // The victim's own secret still opens all of it.
    const own = await api.myData({ subjectId: victim.secret });
    expect(own.status).toBe(200);
    expect(own.body.summary).toMatchObject({ consents: 1, scans: 1, storedImages: 1, requests: 1 });
    expect(JSON.stringify(own.body)).toContain(PHOTO_BASE64);
    expect(JSON.stringify(own.body)).toContain(EMAIL);
  });

  it("P9: the secret is the proof: alone it opens my-data, the scan and withdrawal; a receipt sent with it must be the shopper's", async () => {
    const me = await shopperWithData();
    const other = await shopperWithData();
    const alone = { subjectId: me.secret };

    const data = await api.myData(alone);
    expect(data.status).toBe(200);
    expect(data.body.summary.scanList.map((s: { scanId: string }) => s.scanId)).toEqual([me.scanId]);
    expect((await api.readScan(me.scanId, alone)).status).toBe(200);
    expect((await api.myData({ ...alone, receipt: me.receipt })).status).toBe(200);

    // Every mismatch is the same 404: another shopper's receipt, a secret nobody holds, another shop.
    for (const [proof, shop] of [
      [{ ...alone, receipt: other.receipt }, SHOP],
      [{ subjectId: newSubjectSecret() }, SHOP],
      [alone, OTHER_SHOP],
    ] as const) {
      const refused = await storefront(shop).myData(proof);
      expect(refused).toMatchObject({ status: 404, body: { error: { code: "shopper_not_found" } } });
    }
    expect((await api.readScan(other.scanId, alone)).status).toBe(404);
    // A receipt alone proves nothing (the merchant sees every receipt); an old short id is malformed.
    expect(await api.myData({ receipt: me.receipt })).toMatchObject({
      status: 401,
      body: { error: { code: "proof_required" } },
    });
    expect(await api.myData({ subjectId: "anon_7f3a9c1b2d4" })).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_proof" } },
    });

    // P8: withdrawal takes the same proof and deletes the kept photo; the other shopper keeps theirs.
    expect(await api.withdraw(me.consentId, alone)).toMatchObject({
      status: 200,
      body: { withdrawn: true, imagesDeleted: 1 },
    });
    expect(await intact(other)).toEqual({ scans: 1, photos: 1, withdrawals: 0, requests: 1 });
  });

  it("P9: a new consent by the secret's owner joins their earlier data, and the secret opens both", async () => {
    const me = await shopperWithData();
    const again = await api.consent(me.secret);
    expect(again.status).toBe(201);
    expect(again.body.receipt).not.toBe(me.receipt);
    expect(await database.client.subject.count()).toBe(1);

    const data = await api.myData({ subjectId: me.secret });
    expect(data.status).toBe(200);
    expect(data.body.summary).toMatchObject({ consents: 2, scans: 1, storedImages: 1, requests: 1 });
    for (const receipt of [me.receipt, again.body.receipt])
      expect((await api.myData({ subjectId: me.secret, receipt })).status).toBe(200);
  });

  it("the secret is kept only as a keyed digest: not in the database, the merchant's consent proof, inbox or exports, the logs, or any answer", async () => {
    const db = database.client;
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => (lines.push(String(chunk)), true);
    const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "debug";
    resetEnvForTests();
    const surfaces: Record<string, string> = {};
    let me: Awaited<ReturnType<typeof shopperWithData>>;
    try {
      await storeOfflineSession(db, SHOP);
      me = await shopperWithData();
      const access = await api.request({ type: "access", message: "", subjectId: me.secret, receipt: me.receipt });
      expect(access.status).toBe(201);
      const answers = [...me.answers, access, await api.myData({ subjectId: me.secret })];
      surfaces.answers = JSON.stringify(answers.map((a) => a.body));

      // What the merchant sees: proof of consent (search, CSV, JSON), the rights inbox, a request, an export.
      surfaces.search = JSON.stringify(
        await call(consentSearch, await adminRequest(`/app/consents?receipt=${me.receipt}`)),
      );
      for (const format of ["csv", "json"]) {
        const file = await call(consentExport, await adminRequest(`/app/consents/export?format=${format}`));
        surfaces[format] = await file.text();
      }
      expect(surfaces.csv).toContain(me.receipt);
      surfaces.inbox = JSON.stringify(await call(inbox, await adminRequest("/app/requests")));
      const id = access.body.requestId as string;
      surfaces.request = JSON.stringify(await call(requestDetail, await adminRequest(`/app/requests/${id}`), { id }));
      const done = await call(
        answerRequest,
        await adminRequest(`/app/requests/${id}`, { json: { intent: "export" } }),
        {
          id,
        },
      );
      const { exportId } = await done.json();
      const file = await call(downloadExport, await adminRequest(`/app/exports/${exportId}`), { id: exportId });
      surfaces.export = await file.text();
      // P19: the merchant's export says the photo is kept, and never holds it.
      expect(surfaces.export).toContain(PHOTO_FOR_SHOPPER_ONLY);
      expect(surfaces.export).not.toContain(PHOTO_BASE64);
      await flushRequestLog();
    } finally {
      process.env.LOG_LEVEL = level;
      resetEnvForTests();
      out.mockRestore();
      err.mockRestore();
    }
    surfaces.logs = lines.join("");
    surfaces.tables = await everyRow();
    if (database.file) {
      surfaces.databaseFile = readFileSync(database.file, "latin1");
      surfaces.wal = readIfThere(`${database.file}-wal`);
    }

    for (const [surface, text] of Object.entries(surfaces)) {
      expect(text.includes(me.secret), `${surface} holds the subject secret`).toBe(false);
    }
    const subject = await db.subject.findUniqueOrThrow({ where: { id: me.subjectId } });
    expect(subject.anonymousId).toBe(subjectDigest(SHOP, me.secret));
  });

  /** Every row of every table, as text. */
  async function everyRow(): Promise<string> {
    const db = database.client;
    if (kind === "sqlite") {
      const tables = await db.$queryRawUnsafe<{ name: string }[]>(
        `SELECT name FROM sqlite_master WHERE type = 'table'`,
      );
      const rows = await Promise.all(tables.map((t) => db.$queryRawUnsafe<unknown[]>(`SELECT * FROM "${t.name}"`)));
      return JSON.stringify(rows, (_key, value) => (typeof value === "bigint" ? String(value) : value));
    }
    const tables = await db.$queryRawUnsafe<{ name: string }[]>(
      `SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
    );
    // PostgreSQL spells any row as text, whatever its column types.
    const rows = await Promise.all(
      tables.map((t) => db.$queryRawUnsafe<{ row: string }[]>(`SELECT t::text AS row FROM "${t.name}" t`)),
    );
    return JSON.stringify(rows);
  }
});

const readIfThere = (file: string) => {
  try {
    return readFileSync(file, "latin1");
  } catch {
    return "";
  }
};

describe("the migration to subject digests", () => {
  it("clears the subject ids kept in plain text before it, and keeps the subjects and their data", () => {
    const dir = mkdtempSync(join(tmpdir(), "scanshield-digest-"));
    const file = join(dir, "before.db");
    const sqlite = new Database(file);
    try {
      const all = migrationsFor(`file:${file}`);
      const index = all.findIndex((m) => m.name.endsWith("_subject_secret_digest"));
      expect(index).toBeGreaterThan(0);
      for (const m of all.slice(0, index)) sqlite.exec(m.sql);
      const insert = sqlite.prepare(
        `INSERT INTO "Subject" ("id", "shop", "customerId", "anonymousId", "createdAt") VALUES (?, ?, ?, ?, ?)`,
      );
      insert.run("s-anon", SHOP, null, "anon_plain_id_0123456789", new Date().toISOString());
      insert.run("s-customer", SHOP, "7401", null, new Date().toISOString());
      for (const m of all.slice(index)) sqlite.exec(m.sql);
      expect(sqlite.prepare(`SELECT "id", "customerId", "anonymousId" FROM "Subject" ORDER BY "id"`).all()).toEqual([
        { id: "s-anon", customerId: null, anonymousId: null },
        { id: "s-customer", customerId: "7401", anonymousId: null },
      ]);
      // PostgreSQL runs the same statement.
      const postgres = migrationsFor("postgresql://localhost/x").find((m) => m.name === all[index]?.name);
      expect(postgres?.sql).toBe(all[index]?.sql);
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
