import { describe, expect, it } from "vitest";
import { appKeyring } from "../app/crypto/keyring.server";
import { buildTrainingExport, TRAINING_EXPORT_FORMAT } from "../app/privacy/training-export.server";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { seedShop, seedSubject } from "./support/seed";
import { OTHER_SHOP, SHOP } from "./support/shopify";

describe.each(DATABASE_KINDS)("the training export on %s", (kind) => {
  const database = useDatabase(kind);

  it("P13: holds only opted-in results, anonymised: no ids, receipts, shops, photos or exact dates", async () => {
    const db = database.client;
    const keyring = appKeyring();
    const notices = { [SHOP]: await seedShop(db, SHOP), [OTHER_SHOP]: await seedShop(db, OTHER_SHOP) };
    const seeded = [];
    for (const [shop, optIn, marker] of [
      [SHOP, true, "opted-in-a"],
      [OTHER_SHOP, true, "opted-in-b"],
      [SHOP, false, "declined-c"],
    ] as const) {
      const subject = await seedSubject(db, keyring, {
        shop,
        noticeId: notices[shop].id,
        customerId: `77${marker.length}${optIn ? 1 : 0}`,
        marker,
        image: new Uint8Array([255, 216, 255, 42]),
      });
      await db.scan.updateMany({
        where: { id: { in: subject.scanIds } },
        data: {
          trainingOptIn: optIn,
          result: JSON.stringify({
            indices: { redness: { band: "high", marker } },
            whiteBalance: "none",
            notes: [marker],
          }),
        },
      });
      seeded.push({ ...subject, shop, marker });
    }

    const exported = await buildTrainingExport(db);
    expect(exported.format).toBe(TRAINING_EXPORT_FORMAT);
    const text = JSON.stringify(exported);
    const markers = exported.records.map(
      (r) => (r.measurement.indices as { redness: { marker: string } }).redness.marker,
    );
    expect(markers.sort()).toEqual(["opted-in-a", "opted-in-b"]);
    expect(text).not.toContain("declined-c");
    for (const s of seeded) {
      for (const value of [s.subjectId, s.consentId, s.receipt, s.shop, ...s.scanIds])
        expect(text).not.toContain(value);
    }
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T.*\d{4}-\d{2}-\d{2}T/); // only generatedAt has a full timestamp
    expect(exported.records[0]).toEqual({
      month: expect.stringMatching(/^\d{4}-\d{2}$/),
      engine: { name: "local", version: "test" },
      quality: null,
      measurement: { indices: expect.any(Object), whiteBalance: "none" },
    });
  });
});
