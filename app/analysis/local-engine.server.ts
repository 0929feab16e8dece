import { randomUUID } from "node:crypto";
import {
  meanLinearRgbInRect,
  ReferencePatchError,
  UNITY_GAINS,
  whiteBalanceGains,
  type ChannelGains,
  type RgbImage,
} from "./colour";
import { RESULT_NOTES, type AnalysisInput, type AnalysisOutcome, type AnalysisProvider } from "./engine";
import { analyseSkin, INDICES_VERSION, sampleRegions } from "./indices";
import { createLandmarkPool, type LandmarkPoolOptions } from "./landmarks.server";
import { checkLighting, chooseFace } from "./quality";
import { CARD_COLOUR_ONLY_LIGHT, CARD_LIGHT, type LightUncertainty, UNKNOWN_LIGHT } from "./illuminant";
import { regionPoints, zoneBoxes } from "./regions";

/**
 * The built-in engine: landmarks (worker threads) → quality gates → skin regions → CIELAB indices,
 * all on this server, with no network. It keeps nothing: the photo is gone when `analyse` returns.
 */
/**
 * 1.1.0 (issue 11): landmarks read the same whatever the framing, gates that measure the light, the tone
 * as a range, no card guessed from the photo. Scans of different versions are never compared (P19).
 */
export const LOCAL_ENGINE = { name: "scanshield-local", version: `1.1.0+${INDICES_VERSION}` } as const;

export async function createLocalEngine(options: LandmarkPoolOptions = {}): Promise<AnalysisProvider> {
  const pool = createLandmarkPool(options);
  await pool.ready();

  /**
   * White balance from a grey or white card, where the caller says it is. The engine does not look for
   * one itself: on the synthetic faces a plain backdrop passed for a card and made the answer worse
   * (docs/analysis-engine.md, "White balance with a grey card"), and no real photo with a card has been
   * measured. Only a card with its reflectance pins exposure as well as colour.
   */
  function gainsFor(
    image: RgbImage,
    input: AnalysisInput,
  ): { gains: ChannelGains; light: LightUncertainty; note?: string } {
    const reference = input.reference;
    if (!reference) return { gains: UNITY_GAINS, light: UNKNOWN_LIGHT };
    try {
      const { reflectance } = reference;
      const gains = whiteBalanceGains(meanLinearRgbInRect(image, reference), reflectance);
      // What the card pins (app/analysis/illuminant.ts): exposure only with a known reflectance.
      const light = reflectance ? CARD_LIGHT : CARD_COLOUR_ONLY_LIGHT;
      return { gains, light };
    } catch (error) {
      if (!(error instanceof ReferencePatchError)) throw error;
      return {
        gains: UNITY_GAINS,
        light: UNKNOWN_LIGHT,
        note: "The reference card was too dark or washed out to correct colours with.",
      };
    }
  }

  return {
    engine: LOCAL_ENGINE,
    async analyse(input) {
      const analysisId = randomUUID();
      // A caller bug, not bad input: the scan pipeline decodes pixels whenever this engine is used.
      if (!input.rgb) throw new Error("The local engine needs the decoded pixels (normaliseImage).");
      const { rgb } = input;
      const image: RgbImage = { ...rgb, channels: 3 };
      const faces = await pool.detectFaces({ data: rgb.data, width: rgb.width, height: rgb.height });
      const chosen = chooseFace(faces);
      const refused = (quality: AnalysisOutcome["quality"]): AnalysisOutcome => ({
        status: "refused",
        analysisId,
        engine: LOCAL_ENGINE,
        quality,
      });
      if (!chosen.face || !chosen.verdict.ok) return refused(chosen.verdict);

      const { gains, light: lightKnown, note } = gainsFor(image, input);
      const points = regionPoints(chosen.face, image.width, image.height);
      const samples = sampleRegions(image, points, gains);
      const light = checkLighting(image, points, samples);
      const quality = { ...light, measured: { ...chosen.verdict.measured, ...light.measured } };
      if (!light.ok) return refused(quality);
      return {
        status: "accepted",
        analysisId,
        engine: LOCAL_ENGINE,
        quality,
        measurement: {
          indices: analyseSkin(samples, lightKnown),
          whiteBalance: gains === UNITY_GAINS ? "none" : "reference",
          notes: note ? [...RESULT_NOTES, note] : [...RESULT_NOTES],
        },
        zones: zoneBoxes(chosen.face, image.width, image.height),
      };
    },
    // Nothing is kept, so there is nothing to delete.
    deleteAnalysis: async () => undefined,
    close: () => pool.close(),
  };
}
