import type { FitzpatrickEstimate, PixelRect } from "./colour";
import type { SkinIndices, SkinTone } from "./indices";
import type { QualityVerdict } from "./quality";
import type { Zone } from "./regions";

/**
 * The one contract every analysis provider meets: the built-in local engine and a remote analysis
 * API alike (PRODUCT.md, "The analysis API"). Input is the normalised photo; output is a
 * measurement, or a refusal with the quality reasons the shopper can act on.
 */
export interface AnalysisInput {
  /**
   * Decoded, oriented, ≤ 1024 px, metadata-free RGB (app/analysis/image.server.ts). Left out for a
   * remote provider, which is sent only the JPEG.
   */
  rgb?: { data: Uint8Array; width: number; height: number };
  /** The same photo re-encoded as JPEG without metadata: what a remote provider is sent (P4). */
  jpeg: Uint8Array;
  /** Where a neutral grey or white card is in the photo, if the caller knows. */
  reference?: PixelRect & { reflectance?: number };
}

export interface EngineInfo {
  name: string;
  version: string;
}

/** The fields issue 11 added to the skin tone (its range under the light's uncertainty). */
type ToneRangeField = "itaRange" | "groups" | "confidence" | "lightPinned" | "light" | "summary";

/**
 * The skin tone as any provider reports it: the local engine fills every field; a remote analysis API,
 * or a scan stored by an older engine version, may lack the range fields (and the Fitzpatrick `types`),
 * and then the group alone is shown. When a remote API sends them they are checked
 * (remote-provider.server.ts).
 */
export type ReportedSkinTone = Omit<SkinTone, ToneRangeField | "fitzpatrick"> &
  Partial<Pick<SkinTone, ToneRangeField>> & {
    fitzpatrick: Omit<FitzpatrickEstimate, "types"> & Partial<Pick<FitzpatrickEstimate, "types">>;
  };

export interface Measurement {
  indices: Omit<SkinIndices, "skinTone"> & { skinTone: ReportedSkinTone };
  /** "reference": colours were corrected with a grey/white card in the photo. */
  whiteBalance: "reference" | "none";
  notes: string[];
}

export type AnalysisOutcome =
  | {
      status: "accepted";
      analysisId: string;
      engine: EngineInfo;
      quality: QualityVerdict;
      measurement: Measurement;
      /** Where the regions were measured, for the shopper's screen only (never stored); the local engine's. */
      zones?: Zone[];
    }
  | { status: "refused"; analysisId: string; engine: EngineInfo; quality: QualityVerdict };

export interface AnalysisProvider {
  readonly engine: EngineInfo;
  /** For a remote provider, its base URL: kept with each scan so erasure can reach it (P11). */
  readonly apiUrl?: string;
  analyse(input: AnalysisInput, signal?: AbortSignal): Promise<AnalysisOutcome>;
  /** Propagates erasure (P11); the local engine keeps nothing, so it has nothing to delete. */
  deleteAnalysis(analysisId: string): Promise<void>;
  close(): Promise<void>;
}

/** Shown with every result, on every screen (PRODUCT.md honesty rules). */
export const RESULT_NOTES = [
  "Cosmetic indicators measured from one photo, not a diagnosis.",
  "Lighting affects the result: daylight facing a window gives the most consistent reading.",
  "The Fitzpatrick type is a colour-based estimate; answer the two burn/tan questions to confirm it.",
];
