import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import type { Keyring } from "../../app/crypto/keyring";
import { imageContext } from "../../app/crypto/contexts";
import type { Db } from "../../app/db/client.server";

/** Realistic rows for one shop: a notice, subjects with consents, scans with results, opt-in images. */
export async function seedShop(db: Db, shop: string) {
  if (!(await db.shop.findUnique({ where: { shop }, select: { shop: true } })))
    await db.shop.create({ data: { shop } });
  return db.noticeVersion.create({
    data: {
      shop,
      version: 1,
      locale: "en",
      textHash: "a".repeat(64),
      sections: JSON.stringify([{ title: "Who processes", body: "ScanShield for the store" }]),
      purposes: JSON.stringify(["skin_analysis", "extended_retention"]),
    },
  });
}

/**
 * One consent grant under the seeded notice (version 1, age confirmed, English): the analysis purpose
 * only unless `purposes` says otherwise, and a random receipt unless one is given.
 */
export function seedConsent(
  db: Db,
  input: {
    shop: string;
    subjectId: string;
    noticeId: string;
    purposes?: string[];
    receipt?: string;
    networkHint?: string;
    createdAt?: Date;
  },
) {
  return db.consentRecord.create({
    data: {
      shop: input.shop,
      subjectId: input.subjectId,
      noticeVersionId: input.noticeId,
      noticeVersion: 1,
      textHash: "a".repeat(64),
      locale: "en",
      action: "grant",
      purposes: JSON.stringify(input.purposes ?? ["skin_analysis"]),
      ageConfirmed: true,
      networkHint: input.networkHint ?? null,
      receipt: input.receipt ?? `SS-${randomUUID().slice(0, 8).toUpperCase()}`,
      createdAt: input.createdAt,
    },
  });
}

/** A kept (opt-in) photo of a scan, sealed with the keyring as the app seals it, kept until `expiresAt`. */
export async function seedStoredImage(
  db: Db,
  keyring: Keyring,
  input: { shop: string; scanId: string; subjectId: string; image: Uint8Array; expiresAt: Date },
) {
  const sealed = keyring.seal(input.image, imageContext(input.scanId));
  return db.storedImage.create({
    data: {
      shop: input.shop,
      scanId: input.scanId,
      subjectId: input.subjectId,
      keyId: sealed.keyId,
      ciphertext: new Uint8Array(sealed.envelope),
      mimeType: "image/jpeg",
      byteLength: input.image.byteLength,
      expiresAt: input.expiresAt,
    },
  });
}

/** A scan the quality check refused (nothing measured), for `reasons` such as "too_dark". */
export function seedRefusedScan(
  db: Db,
  input: {
    shop: string;
    subjectId: string;
    consentId: string;
    reasons: string[];
    /** The light readings the check saw, when a test needs them in the quality record. */
    measured?: Record<string, number>;
    createdAt?: Date;
  },
) {
  return db.scan.create({
    data: {
      shop: input.shop,
      subjectId: input.subjectId,
      consentId: input.consentId,
      status: "refused",
      provider: "local",
      quality: JSON.stringify({
        ok: false,
        reasons: input.reasons,
        hints: [],
        ...(input.measured ? { measured: input.measured } : {}),
      }),
      createdAt: input.createdAt,
    },
  });
}

export interface SeededSubject {
  subjectId: string;
  consentId: string;
  receipt: string;
  scanIds: string[];
}

export async function seedSubject(
  db: Db,
  keyring: Keyring,
  input: {
    shop: string;
    noticeId: string;
    customerId?: string;
    anonymousId?: string;
    scans?: number;
    marker?: string;
    image?: Uint8Array;
    remote?: { apiUrl: string };
    createdAt?: Date;
  },
): Promise<SeededSubject> {
  const subject = await db.subject.create({
    data: { shop: input.shop, customerId: input.customerId ?? null, anonymousId: input.anonymousId ?? null },
  });
  const consent = await seedConsent(db, {
    shop: input.shop,
    subjectId: subject.id,
    noticeId: input.noticeId,
    purposes: input.image ? ["skin_analysis", "extended_retention"] : ["skin_analysis"],
    networkHint: "hint-" + randomUUID(),
  });
  const receipt = consent.receipt;
  const scanIds: string[] = [];
  for (let i = 0; i < (input.scans ?? 1); i++) {
    const scan = await db.scan.create({
      data: {
        shop: input.shop,
        subjectId: subject.id,
        consentId: consent.id,
        status: "accepted",
        provider: input.remote ? "remote" : "local",
        engineVersion: "test",
        remoteApiUrl: input.remote?.apiUrl ?? null,
        remoteAnalysisId: input.remote ? `ana_${randomUUID()}` : null,
        quality: JSON.stringify({ ok: true, reasons: [] }),
        result: JSON.stringify({ ita: 28.4, group: "intermediate", marker: input.marker ?? null }),
        createdAt: input.createdAt,
      },
    });
    scanIds.push(scan.id);
    if (input.image) {
      await seedStoredImage(db, keyring, {
        shop: input.shop,
        scanId: scan.id,
        subjectId: subject.id,
        image: input.image,
        expiresAt: new Date(Date.now() + 90 * 86_400_000),
      });
    }
  }
  return { subjectId: subject.id, consentId: consent.id, receipt, scanIds };
}

/**
 * Bulk rows written straight into a SQLite file with prepared INSERTs, for scale tests and benchmarks:
 * subjects, one consent grant each (analysis purpose, notice version 1), accepted local scans. Ids and
 * times (ISO strings) are the caller's; `inTransaction` writes a batch as one transaction.
 */
export function bulkRowsSqlite(file: string) {
  const sqlite = new Database(file);
  const subject = sqlite.prepare(`INSERT INTO "Subject" ("id","shop","anonymousId","createdAt") VALUES (?,?,?,?)`);
  const consent = sqlite.prepare(
    `INSERT INTO "ConsentRecord" ("id","shop","subjectId","noticeVersionId","noticeVersion","textHash","locale","action","purposes","ageConfirmed","receipt","createdAt")
     VALUES (?,?,?,?,1,?,'en','grant','["skin_analysis"]',1,?,?)`,
  );
  const scan = sqlite.prepare(
    `INSERT INTO "Scan" ("id","shop","subjectId","consentId","status","provider","quality","result","trainingOptIn","createdAt")
     VALUES (?,?,?,?,'accepted','local','{"ok":true}','{"ita":30.1,"group":"intermediate"}',0,?)`,
  );
  return {
    subject: (row: { id: string; shop: string; anonymousId: string; at: string }) =>
      subject.run(row.id, row.shop, row.anonymousId, row.at),
    consent: (row: { id: string; shop: string; subjectId: string; noticeId: string; receipt: string; at: string }) =>
      consent.run(row.id, row.shop, row.subjectId, row.noticeId, "a".repeat(64), row.receipt, row.at),
    scan: (row: { id: string; shop: string; subjectId: string; consentId: string; at: string }) =>
      scan.run(row.id, row.shop, row.subjectId, row.consentId, row.at),
    inTransaction: (write: () => void) => sqlite.transaction(write)(),
    close: () => sqlite.close(),
  };
}

/**
 * Bulk rows for scale tests and benchmarks: `count` anonymous subjects with one consent and one
 * scan each, written straight into a SQLite file in one transaction
 * (100,000 scans in about two seconds).
 */
export function seedManyScansSqlite(file: string, shop: string, noticeId: string, count: number): void {
  const rows = bulkRowsSqlite(file);
  try {
    const at = new Date().toISOString();
    rows.inTransaction(() => {
      for (let i = 0; i < count; i++) {
        const id = `${shop}-${i}`;
        rows.subject({ id: `s-${id}`, shop, anonymousId: `anon-${id}`, at });
        rows.consent({ id: `c-${id}`, shop, subjectId: `s-${id}`, noticeId, receipt: `r-${id}`, at });
        rows.scan({ id: `x-${id}`, shop, subjectId: `s-${id}`, consentId: `c-${id}`, at });
      }
    });
  } finally {
    rows.close();
  }
}
