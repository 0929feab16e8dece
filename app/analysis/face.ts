/**
 * What the face detector reports about one face, in image pixels. Only geometry: the app asks
 * for no identity, embedding, age, gender or emotion (P3).
 */
export interface DetectedFace {
  /** Detector confidence, 0–1. */
  score: number;
  box: { x: number; y: number; width: number; height: number };
  /** The 468 MediaPipe FaceMesh landmarks as [x, y, z]; x and y in pixels. */
  mesh: readonly (readonly [number, number, number])[];
  /** Head rotation in degrees; 0 is facing the camera. */
  rotation: { yaw: number; pitch: number; roll: number };
}
