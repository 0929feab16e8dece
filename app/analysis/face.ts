/**
 * What the face detector reports about one face, in image pixels: geometry only. The app asks for
 * no identity, embedding, age, gender or emotion (P3). Defined beside the detector; re-exported
 * here so the pure modules (regions, quality) need nothing server-side at run time.
 */
export type { DetectedFace, FaceBox, HeadRotation } from "./landmarks.server";
