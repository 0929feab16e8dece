-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "discoveredAt" TIMESTAMP(3) NOT NULL,
    "occurredFrom" TIMESTAMP(3) NOT NULL,
    "occurredTo" TIMESTAMP(3) NOT NULL,
    "dataKinds" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT 'created',
    "narrative" TEXT NOT NULL,
    "affectedComputedAt" TIMESTAMP(3),
    "initialSentAt" TIMESTAMP(3),
    "reportSentAt" TIMESTAMP(3),
    "noticesPublishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IncidentSubject" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "incidentId" TEXT NOT NULL,
    "subjectId" TEXT,
    "signedIn" BOOLEAN NOT NULL DEFAULT false,
    "scans" INTEGER NOT NULL DEFAULT 0,
    "consents" INTEGER NOT NULL DEFAULT 0,
    "keptPhotos" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "exports" INTEGER NOT NULL DEFAULT 0,
    "shownAt" TIMESTAMP(3),
    "acknowledgedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IncidentSubject_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "IncidentSubject" ADD CONSTRAINT "IncidentSubject_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentSubject" ADD CONSTRAINT "IncidentSubject_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE SET NULL ON UPDATE CASCADE;

