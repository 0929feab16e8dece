import Database from "better-sqlite3";

/**
 * Admin-scale rows straight into a SQLite file, for the admin benchmark: `consents` anonymous
 * subjects with one consent each (a tenth with the photo opt-in, one in fifty withdrawn), `scans`
 * spread evenly over them and over the last `days` days (8 % refused for quality, with reasons),
 * a notice view per consent and a half, rights requests (one per 10 subjects; the last 40 days' still open, some overdue) and
 * kept photos (one per 100 subjects), and the widget's daily event counters. Dates are ISO text, as Prisma writes them.
 */
const GROUPS = ["very light", "light", "intermediate", "tan", "brown", "dark"];
const BANDS = ["low", "low", "moderate", "high"];
/**
 * A stored result shaped like the local engine's measurement (app/analysis/engine.ts), about 1 KB,
 * with tone groups and concern bands varying by scan, so the dashboard's insights parse what they
 * would in production.
 */
function measurement(i: number): string {
  const band = (k: number) => BANDS[(i * 7 + k * 3) % BANDS.length];
  const index = (k: number) => ({ band: band(k), score: 0.31, value: 4.2, regions: { cheeks: 4.4, forehead: 3.9 } });
  return JSON.stringify({
    indices: {
      skinTone: {
        lab: { L: 61.2, a: 12.4, b: 17.9 },
        itaDegrees: 30.1,
        group: GROUPS[i % GROUPS.length],
        fitzpatrick: { estimate: "III", types: ["II", "III"], note: "colour-based estimate" },
        sampleCount: 5120,
        itaRange: [24.6, 35.2],
        groups: ["intermediate", "tan"],
        confidence: 0.4,
        lightPinned: false,
        light: { exposureStops: 1, casts: ["warm", "cool"], evenness: 0.82 },
        summary: "Between intermediate and tan under this light.",
      },
      redness: index(1),
      unevenness: index(2),
      shine: index(3),
      underEyeDarkness: index(4),
    },
    whiteBalance: "none",
    notes: ["Lighting affects the result.", "A cosmetic indicator, not a diagnosis."],
  });
}

export function seedAdminScaleSqlite(
  file: string,
  shop: string,
  noticeId: string,
  size: { scans: number; consents: number; days: number },
): void {
  const sqlite = new Database(file);
  const DAY = 86_400_000;
  const now = Date.now();
  const at = (i: number, n: number) => new Date(now - Math.floor((i / n) * size.days * DAY) - 60_000).toISOString();
  const reasons = ['["too_dark"]', '["move_closer"]', '["uneven_light","too_dark"]', '["no_face"]', '["face_camera"]'];
  try {
    const subject = sqlite.prepare(`INSERT INTO "Subject" ("id","shop","anonymousId","createdAt") VALUES (?,?,?,?)`);
    const consent = sqlite.prepare(
      `INSERT INTO "ConsentRecord" ("id","shop","subjectId","noticeVersionId","noticeVersion","textHash","locale","action","purposes","ageConfirmed","receipt","withdrawsId","createdAt")
       VALUES (?,?,?,?,1,?,'en',?,?,1,?,?,?)`,
    );
    const scan = sqlite.prepare(
      `INSERT INTO "Scan" ("id","shop","subjectId","consentId","status","provider","quality","result","trainingOptIn","createdAt")
       VALUES (?,?,?,?,?,'local',?,?,0,?)`,
    );
    const log = sqlite.prepare(
      `INSERT INTO "RequestLog" ("id","shop","route","method","status","durationMs","createdAt") VALUES (?,?,'/proxy/notice','GET',200,3,?)`,
    );
    const request = sqlite.prepare(
      `INSERT INTO "PrivacyRequest" ("id","shop","subjectId","source","type","status","dueAt","createdAt","updatedAt","completedAt")
       VALUES (?,?,?,'shopper',?,?,?,?,?,?)`,
    );
    const image = sqlite.prepare(
      `INSERT INTO "StoredImage" ("id","shop","scanId","subjectId","keyId","ciphertext","mimeType","byteLength","expiresAt","createdAt")
       VALUES (?,?,?,?,'bench',?,'image/jpeg',4,?,?)`,
    );
    const hash = "a".repeat(64);
    const perSubject = Math.max(1, Math.ceil(size.scans / size.consents));
    const chunk = 50_000;
    let scans = 0;
    for (let start = 0; start < size.consents; start += chunk) {
      sqlite.transaction(() => {
        for (let i = start; i < Math.min(size.consents, start + chunk); i++) {
          const id = `${i}`;
          const when = at(i, size.consents);
          const optIn = i % 10 === 0;
          subject.run(`s-${id}`, shop, `anon-${id}`, when);
          const purposes = optIn ? '["skin_analysis","extended_retention"]' : '["skin_analysis"]';
          const withdrawn = i % 50 === 49;
          consent.run(
            `c-${id}`,
            shop,
            `s-${id}`,
            noticeId,
            hash,
            "grant",
            withdrawn ? '["skin_analysis"]' : purposes,
            `r-${id}`,
            null,
            when,
          );
          if (withdrawn)
            consent.run(`w-${id}`, shop, `s-${id}`, noticeId, hash, "withdraw", "[]", `rw-${id}`, `c-${id}`, when);
          log.run(`l-${id}`, shop, when);
          if (i % 2 === 0) log.run(`l2-${id}`, shop, when);
          for (let k = 0; k < perSubject && scans < size.scans; k++, scans++) {
            const refused = scans % 25 < 2;
            const scanWhen = at(scans, size.scans);
            scan.run(
              `x-${scans}`,
              shop,
              `s-${id}`,
              `c-${id}`,
              refused ? "refused" : "accepted",
              refused
                ? `{"ok":false,"reasons":${reasons[scans % reasons.length]},"hints":[]}`
                : '{"ok":true,"reasons":[],"hints":[]}',
              refused ? null : measurement(scans),
              scanWhen,
            );
            if (optIn && k === 0 && i % 100 === 0) {
              image.run(
                `i-${scans}`,
                shop,
                `x-${scans}`,
                `s-${id}`,
                Buffer.from([1, 2, 3, 4]),
                new Date(now + 30 * DAY).toISOString(),
                scanWhen,
              );
            }
          }
          if (i % 10 === 0) {
            const created = new Date(Date.parse(when));
            const due = new Date(created.getTime() + 30 * DAY);
            const open = created.getTime() > now - 40 * DAY;
            request.run(
              `q-${id}`,
              shop,
              `s-${id}`,
              ["access", "grievance", "correction", "erasure"][i % 4],
              open ? "received" : "completed",
              due.toISOString(),
              created.toISOString(),
              created.toISOString(),
              open ? null : due.toISOString(),
            );
          }
        }
      })();
    }
    // The widget's counters: one row per day and event, as POST /proxy/events keeps them.
    const events = sqlite.prepare(`INSERT INTO "StorefrontEventDay" ("shop","day","event","count") VALUES (?,?,?,?)`);
    sqlite.transaction(() => {
      for (let d = 0; d < size.days; d++) {
        const day = new Date(now - d * DAY).toISOString().slice(0, 10);
        const opened = Math.ceil((1.5 * size.consents) / size.days);
        events.run(shop, day, "widget_opened", opened);
        events.run(shop, day, "product_viewed", Math.ceil(opened / 3));
        events.run(shop, day, "added_to_cart", Math.ceil(opened / 12));
      }
    })();
  } finally {
    sqlite.close();
  }
}
