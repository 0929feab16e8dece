-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN NOT NULL DEFAULT false,
    "locale" TEXT,
    "collaborator" BOOLEAN DEFAULT false,
    "emailVerified" BOOLEAN DEFAULT false,
    "refreshToken" TEXT,
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shop" (
    "shop" TEXT NOT NULL,
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" TIMESTAMP(3),
    "dataDeletionDueAt" TIMESTAMP(3),
    "imageRetentionDays" INTEGER NOT NULL DEFAULT 90,
    "resultRetentionDays" INTEGER DEFAULT 90,
    "requestLogRetentionDays" INTEGER NOT NULL DEFAULT 365,
    "minimumAge" INTEGER NOT NULL DEFAULT 18,
    "scansPerSubjectPerHour" INTEGER NOT NULL DEFAULT 10,
    "scansPerShopPerMinute" INTEGER NOT NULL DEFAULT 120,
    "scansPerNetworkPerHour" INTEGER NOT NULL DEFAULT 30,
    "analysisApiUrl" TEXT,
    "analysisRegion" TEXT,
    "analysisApiKeyCiphertext" BYTEA,
    "analysisApiKeyKeyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "NoticeVersion" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "locale" TEXT NOT NULL,
    "textHash" TEXT NOT NULL,
    "sections" TEXT NOT NULL,
    "purposes" TEXT NOT NULL,
    "minimumAge" INTEGER NOT NULL DEFAULT 18,
    "material" BOOLEAN NOT NULL DEFAULT true,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NoticeVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Subject" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "customerId" TEXT,
    "anonymousId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Subject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsentRecord" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "noticeVersionId" TEXT NOT NULL,
    "noticeVersion" INTEGER NOT NULL,
    "textHash" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "purposes" TEXT NOT NULL,
    "ageConfirmed" BOOLEAN NOT NULL,
    "networkHint" TEXT,
    "receipt" TEXT NOT NULL,
    "withdrawsId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsentRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Scan" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "consentId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "engineVersion" TEXT,
    "remoteAnalysisId" TEXT,
    "remoteApiUrl" TEXT,
    "quality" TEXT NOT NULL,
    "result" TEXT,
    "trainingOptIn" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Scan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StoredImage" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "scanId" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "mimeType" TEXT NOT NULL,
    "byteLength" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StoredImage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PrivacyRequest" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "subjectId" TEXT,
    "source" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'received',
    "subjectDigest" TEXT,
    "detailsCiphertext" BYTEA,
    "detailsKeyId" TEXT,
    "externalRef" TEXT,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PrivacyRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DataExport" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "subjectId" TEXT,
    "subjectDigest" TEXT,
    "privacyRequestId" TEXT,
    "keyId" TEXT NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DataExport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RemoteDeletion" (
    "id" TEXT NOT NULL,
    "apiUrl" TEXT NOT NULL,
    "remoteAnalysisId" TEXT NOT NULL,
    "apiKeyKeyId" TEXT,
    "apiKeyCiphertext" BYTEA,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RemoteDeletion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "webhookId" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "jobId" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("webhookId")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "dedupeKey" TEXT,
    "shop" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 8,
    "runAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedBy" TEXT,
    "lockedUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "details" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RequestLog" (
    "id" TEXT NOT NULL,
    "shop" TEXT,
    "route" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RequestLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE INDEX "NoticeVersion_shop_locale_publishedAt_idx" ON "NoticeVersion"("shop", "locale", "publishedAt");

-- CreateIndex
CREATE UNIQUE INDEX "NoticeVersion_shop_version_locale_key" ON "NoticeVersion"("shop", "version", "locale");

-- CreateIndex
CREATE UNIQUE INDEX "Subject_shop_customerId_key" ON "Subject"("shop", "customerId");

-- CreateIndex
CREATE UNIQUE INDEX "Subject_shop_anonymousId_key" ON "Subject"("shop", "anonymousId");

-- CreateIndex
CREATE UNIQUE INDEX "ConsentRecord_receipt_key" ON "ConsentRecord"("receipt");

-- CreateIndex
CREATE INDEX "ConsentRecord_subjectId_idx" ON "ConsentRecord"("subjectId");

-- CreateIndex
CREATE INDEX "ConsentRecord_noticeVersionId_idx" ON "ConsentRecord"("noticeVersionId");

-- CreateIndex
CREATE INDEX "ConsentRecord_shop_createdAt_idx" ON "ConsentRecord"("shop", "createdAt");

-- CreateIndex
CREATE INDEX "Scan_subjectId_idx" ON "Scan"("subjectId");

-- CreateIndex
CREATE INDEX "Scan_consentId_idx" ON "Scan"("consentId");

-- CreateIndex
CREATE INDEX "Scan_shop_createdAt_idx" ON "Scan"("shop", "createdAt");

-- CreateIndex
CREATE INDEX "Scan_createdAt_idx" ON "Scan"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "StoredImage_scanId_key" ON "StoredImage"("scanId");

-- CreateIndex
CREATE INDEX "StoredImage_subjectId_idx" ON "StoredImage"("subjectId");

-- CreateIndex
CREATE INDEX "StoredImage_shop_idx" ON "StoredImage"("shop");

-- CreateIndex
CREATE INDEX "StoredImage_expiresAt_idx" ON "StoredImage"("expiresAt");

-- CreateIndex
CREATE INDEX "StoredImage_keyId_idx" ON "StoredImage"("keyId");

-- CreateIndex
CREATE INDEX "PrivacyRequest_shop_status_dueAt_idx" ON "PrivacyRequest"("shop", "status", "dueAt");

-- CreateIndex
CREATE INDEX "PrivacyRequest_shop_subjectDigest_idx" ON "PrivacyRequest"("shop", "subjectDigest");

-- CreateIndex
CREATE INDEX "PrivacyRequest_subjectId_idx" ON "PrivacyRequest"("subjectId");

-- CreateIndex
CREATE INDEX "DataExport_shop_subjectDigest_idx" ON "DataExport"("shop", "subjectDigest");

-- CreateIndex
CREATE INDEX "DataExport_subjectId_idx" ON "DataExport"("subjectId");

-- CreateIndex
CREATE INDEX "DataExport_privacyRequestId_idx" ON "DataExport"("privacyRequestId");

-- CreateIndex
CREATE INDEX "DataExport_expiresAt_idx" ON "DataExport"("expiresAt");

-- CreateIndex
CREATE INDEX "DataExport_keyId_idx" ON "DataExport"("keyId");

-- CreateIndex
CREATE UNIQUE INDEX "RemoteDeletion_apiUrl_remoteAnalysisId_key" ON "RemoteDeletion"("apiUrl", "remoteAnalysisId");

-- CreateIndex
CREATE INDEX "WebhookDelivery_receivedAt_idx" ON "WebhookDelivery"("receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Job_dedupeKey_key" ON "Job"("dedupeKey");

-- CreateIndex
CREATE INDEX "Job_status_runAt_idx" ON "Job"("status", "runAt");

-- CreateIndex
CREATE INDEX "Job_shop_idx" ON "Job"("shop");

-- CreateIndex
CREATE INDEX "AuditEvent_shop_createdAt_idx" ON "AuditEvent"("shop", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_createdAt_idx" ON "RequestLog"("createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_shop_createdAt_idx" ON "RequestLog"("shop", "createdAt");

-- AddForeignKey
ALTER TABLE "ConsentRecord" ADD CONSTRAINT "ConsentRecord_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConsentRecord" ADD CONSTRAINT "ConsentRecord_noticeVersionId_fkey" FOREIGN KEY ("noticeVersionId") REFERENCES "NoticeVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Scan" ADD CONSTRAINT "Scan_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Scan" ADD CONSTRAINT "Scan_consentId_fkey" FOREIGN KEY ("consentId") REFERENCES "ConsentRecord"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StoredImage" ADD CONSTRAINT "StoredImage_scanId_fkey" FOREIGN KEY ("scanId") REFERENCES "Scan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StoredImage" ADD CONSTRAINT "StoredImage_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PrivacyRequest" ADD CONSTRAINT "PrivacyRequest_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DataExport" ADD CONSTRAINT "DataExport_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DataExport" ADD CONSTRAINT "DataExport_privacyRequestId_fkey" FOREIGN KEY ("privacyRequestId") REFERENCES "PrivacyRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

