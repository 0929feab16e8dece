-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_IncidentSubject" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "incidentId" TEXT NOT NULL,
    "subjectId" TEXT,
    "signedIn" BOOLEAN NOT NULL DEFAULT false,
    "scans" INTEGER NOT NULL DEFAULT 0,
    "consents" INTEGER NOT NULL DEFAULT 0,
    "keptPhotos" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "exports" INTEGER NOT NULL DEFAULT 0,
    "shownAt" DATETIME,
    "acknowledgedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "workedOutAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "IncidentSubject_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "IncidentSubject_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_IncidentSubject" ("acknowledgedAt", "consents", "createdAt", "exports", "id", "incidentId", "keptPhotos", "requests", "scans", "shop", "shownAt", "signedIn", "subjectId") SELECT "acknowledgedAt", "consents", "createdAt", "exports", "id", "incidentId", "keptPhotos", "requests", "scans", "shop", "shownAt", "signedIn", "subjectId" FROM "IncidentSubject";
DROP TABLE "IncidentSubject";
ALTER TABLE "new_IncidentSubject" RENAME TO "IncidentSubject";
CREATE INDEX "IncidentSubject_subjectId_idx" ON "IncidentSubject"("subjectId");
CREATE INDEX "IncidentSubject_shop_idx" ON "IncidentSubject"("shop");
CREATE UNIQUE INDEX "IncidentSubject_incidentId_subjectId_key" ON "IncidentSubject"("incidentId", "subjectId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

