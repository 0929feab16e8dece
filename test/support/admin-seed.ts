import Database from "better-sqlite3";

/**
 * Admin-scale rows straight into a SQLite file, for the admin benchmark: `consents` anonymous
 * subjects with one consent each (a tenth with the photo opt-in, one in fifty withdrawn), `scans`
 * spread evenly over them and over the last `days` days (8 % refused for quality, with reasons),
 * a notice view per consent and a half, rights requests (one per 10 subjects; the last 40 days' still open, some overdue) and
 * kept photos (one per 100 subjects). Dates are ISO text, as Prisma writes them.
 */
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
              refused ? null : '{"ita":30.1,"group":"intermediate"}',
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
  } finally {
    sqlite.close();
  }
}
