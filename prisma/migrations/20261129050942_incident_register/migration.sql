-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "discoveredAt" DATETIME NOT NULL,
    "occurredFrom" DATETIME NOT NULL,
    "occurredTo" DATETIME NOT NULL,
    "dataKinds" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT 'created',
    "narrative" TEXT NOT NULL,
    "affectedComputedAt" DATETIME,
    "initialSentAt" DATETIME,
    "reportSentAt" DATETIME,
    "noticesPublishedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "IncidentSubject" (
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
    CONSTRAINT "IncidentSubject_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "IncidentSubject_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Incident_reference_key" ON "Incident"("reference");

-- CreateIndex
CREATE INDEX "Incident_shop_discoveredAt_idx" ON "Incident"("shop", "discoveredAt");

-- CreateIndex
CREATE INDEX "IncidentSubject_subjectId_idx" ON "IncidentSubject"("subjectId");

-- CreateIndex
CREATE INDEX "IncidentSubject_shop_idx" ON "IncidentSubject"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "IncidentSubject_incidentId_subjectId_key" ON "IncidentSubject"("incidentId", "subjectId");

-- CreateIndex
CREATE INDEX "ConsentRecord_shop_createdAt_subjectId_idx" ON "ConsentRecord"("shop", "createdAt", "subjectId");

-- CreateIndex
CREATE INDEX "Scan_shop_createdAt_subjectId_idx" ON "Scan"("shop", "createdAt", "subjectId");

