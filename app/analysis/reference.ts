/**
 * Finds a neutral reference (a grey card or white paper) in a photo, so that white balance can be
 * corrected with it (see whiteBalanceGains in ./colour). Deliberately conservative: a wrong correction is
 * worse than none, so every doubt ends in `null`.
 *
 * Method: the image is tiled into square blocks; a block is a candidate when it is flat (little texture),
 * not clipped, not too dark and near-neutral in chromaticity. Connected candidate blocks of similar
 * colour and brightness are grown into components, and a component is accepted as a card only if it is
 * big enough, not too big, rectangular and clear of the face. The result is its bounding box inset by one
 * block, to keep away from the card's edges.
 *
 * Limits, stated plainly:
 * - Neutrality is judged from the photo itself, so a surface that *looks* neutral is taken as neutral. A
 *   beige surface under cool light can look exactly like a grey card under warm light; the size, shape
 *   and border rules are what keep walls and backgrounds out, not colour.
 * - A card under a magenta-tinted light (green below MIN_GREEN_BALANCE) is not detected either: that
 *   tint is what separates skin from a grey card, and real light sources rarely have it.
 * - A card under a strong colour cast (a channel more than NEUTRAL_CHANNEL_TOLERANCE from the mean of the
 *   three) is not detected; the caller then gets no correction rather than a guess.
 *
 * Pure and deterministic; one pass over the pixels plus work proportional to the number of blocks.
 */
import { luminance, type PixelRect, type RgbImage, srgb8ToLinear } from "./colour";

// ---------------------------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------------------------

/** Block side as a fraction of the shorter image side: a card then spans the same number of blocks at any resolution (16 px at 1024). */
export const BLOCK_FRACTION = 1 / 64;
/** Smallest block side in pixels: below 4×4 = 16 pixels, per-block mean and spread are too noisy to judge. */
export const MIN_BLOCK_SIZE = 4;
/** Per-channel std / mean above which a block has texture: sensor noise on a mid-grey card is ~2–5 %, skin pores and fabric more. */
export const MAX_RELATIVE_STD = 0.1;
/** A block whose channel mean is above this (≈ sRGB 243) may hold clipped pixels, whose true colour is unknown. */
export const MAX_CHANNEL_LINEAR = 0.9;
/** Blocks darker than this luminance (≈ sRGB 49) are shadows or hair; a card this dark is too noisy to calibrate with. */
export const MIN_BLOCK_LUMINANCE = 0.03;
/**
 * Each channel of a neutral block is within ±25 % of the mean of its three channels. A real cast tints the
 * card (warm indoor light [1.15, 1, 0.8] puts an 18 % card at +17 % red, −19 % blue), so exact neutrality
 * cannot be required; skin (red ≈ +40 %, blue ≈ −35 %) is well outside. A stronger cast is not detected.
 */
export const NEUTRAL_CHANNEL_TOLERANCE = 0.25;
/**
 * Green over the geometric mean of red and blue must be at least this. Light sources vary mostly along
 * blue–amber, where it stays near 1 (0.98 for the cool cast [0.87, 1, 1.2], 1.04 for the warm one), while
 * skin is magenta next to grey (haemoglobin, a* > 0: 0.84–0.94 for all skin tones). Without it, very light
 * skin under cool light (+21 % red) passes the tolerance above and looks like a card under warm light.
 */
export const MIN_GREEN_BALANCE = 0.95;
/** Blocks join a component when each channel/mean ratio is within this of the component's: one card has one colour. */
export const CHROMA_SIMILARITY = 0.04;
/** …and their luminance within this fraction of the component's: allows mild uneven light across a card, splits card from wall. */
export const BRIGHTNESS_SIMILARITY = 0.06;
/** A card smaller than 1 % of the image gives too few pixels, and is too easily a random flat spot. */
export const MIN_AREA_FRACTION = 0.01;
/** At least 3×3 blocks, so that after the one-block inset something is left to measure. */
export const MIN_SIDE_BLOCKS = 3;
/** A "card" over a quarter of the image is a wall, floor or backdrop, whose true colour is unknown. */
export const MAX_AREA_FRACTION = 0.25;
/** Component blocks / bounding-box blocks: cards are rectangles; backgrounds wrapping around a head are not. */
export const MIN_FILL_RATIO = 0.8;
/** Components with at least this many blocks get full marks for size in the confidence (6×6). */
export const FULL_CONFIDENCE_BLOCKS = 36;

export interface NeutralReference extends PixelRect {
  /** 0–1: a heuristic ranking of how clearly this is a card (neutrality, shape, size), not a probability. */
  confidence: number;
}

export interface NeutralReferenceOptions {
  /** The face box: blocks overlapping it are never part of a reference. */
  exclude?: PixelRect;
}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

/** 8-bit code → linear, as a Float32 table (one indexed load per channel in the pixel loop). */
const LINEAR: Float32Array = Float32Array.from({ length: 256 }, (_, code) => srgb8ToLinear(code));

interface BlockStats {
  columns: number;
  rows: number;
  size: number;
  /** Per block, per channel: mean linear value (index (block * 3) + channel). */
  mean: Float64Array;
  /** Per block: 1 when it is a neutral candidate. */
  candidate: Uint8Array;
  /** Per block: luminance and the three channel/mean ratios. */
  luma: Float64Array;
  ratio: Float64Array;
}

function overlaps(a: PixelRect, b: PixelRect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function blockStats(image: RgbImage, exclude: PixelRect | undefined): BlockStats {
  const { width, height, channels, data } = image;
  const size = Math.max(MIN_BLOCK_SIZE, Math.round(Math.min(width, height) * BLOCK_FRACTION));
  const columns = Math.floor(width / size);
  const rows = Math.floor(height / size);
  const blocks = columns * rows;
  const sum = new Float64Array(blocks * 3);
  const sumSq = new Float64Array(blocks * 3);
  for (let y = 0; y < rows * size; y++) {
    const rowBase = Math.floor(y / size) * columns;
    let offset = y * width * channels;
    for (let bx = 0; bx < columns; bx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let r2 = 0;
      let g2 = 0;
      let b2 = 0;
      for (let i = 0; i < size; i++, offset += channels) {
        const lr = LINEAR[data[offset] ?? 0] ?? 0;
        const lg = LINEAR[data[offset + 1] ?? 0] ?? 0;
        const lb = LINEAR[data[offset + 2] ?? 0] ?? 0;
        r += lr;
        g += lg;
        b += lb;
        r2 += lr * lr;
        g2 += lg * lg;
        b2 += lb * lb;
      }
      const k = (rowBase + bx) * 3;
      sum[k] = (sum[k] ?? 0) + r;
      sum[k + 1] = (sum[k + 1] ?? 0) + g;
      sum[k + 2] = (sum[k + 2] ?? 0) + b;
      sumSq[k] = (sumSq[k] ?? 0) + r2;
      sumSq[k + 1] = (sumSq[k + 1] ?? 0) + g2;
      sumSq[k + 2] = (sumSq[k + 2] ?? 0) + b2;
    }
  }

  const n = size * size;
  const mean = new Float64Array(blocks * 3);
  const luma = new Float64Array(blocks);
  const ratio = new Float64Array(blocks * 3);
  const candidate = new Uint8Array(blocks);
  for (let block = 0; block < blocks; block++) {
    const rect = { x: (block % columns) * size, y: Math.floor(block / columns) * size, width: size, height: size };
    let ok = !(exclude && overlaps(rect, exclude));
    for (let c = 0; c < 3; c++) {
      const k = block * 3 + c;
      const m = (sum[k] ?? 0) / n;
      mean[k] = m;
      const variance = Math.max(0, (sumSq[k] ?? 0) / n - m * m);
      if (m > MAX_CHANNEL_LINEAR || !(m > 0) || Math.sqrt(variance) > MAX_RELATIVE_STD * m) ok = false;
    }
    const r = mean[block * 3] ?? 0;
    const g = mean[block * 3 + 1] ?? 0;
    const b = mean[block * 3 + 2] ?? 0;
    const average = (r + g + b) / 3;
    luma[block] = luminance([r, g, b]);
    for (let c = 0; c < 3; c++) {
      const q = average > 0 ? (mean[block * 3 + c] ?? 0) / average : 0;
      ratio[block * 3 + c] = q;
      if (Math.abs(q - 1) > NEUTRAL_CHANNEL_TOLERANCE) ok = false;
    }
    if ((luma[block] ?? 0) < MIN_BLOCK_LUMINANCE) ok = false;
    if (g < MIN_GREEN_BALANCE * Math.sqrt(r * b)) ok = false;
    candidate[block] = ok ? 1 : 0;
  }
  return { columns, rows, size, mean, candidate, luma, ratio };
}

interface Component {
  blocks: number;
  minColumn: number;
  maxColumn: number;
  minRow: number;
  maxRow: number;
  /** Mean channel/mean ratios and luminance over the component. */
  ratio: [number, number, number];
  luma: number;
  /** Largest |ratio − 1| of the component's mean colour. */
  deviation: number;
}

/** Breadth-first growth from `seed`, joining 4-neighbours similar to the component's running mean colour. */
function grow(stats: BlockStats, seed: number, label: Int32Array, id: number): Component {
  const { columns, ratio, luma } = stats;
  const queue = [seed];
  label[seed] = id;
  const sumRatio = [ratio[seed * 3] ?? 0, ratio[seed * 3 + 1] ?? 0, ratio[seed * 3 + 2] ?? 0];
  let sumLuma = luma[seed] ?? 0;
  let count = 1;
  const box = { minColumn: seed % columns, maxColumn: seed % columns, minRow: 0, maxRow: 0 };
  box.minRow = box.maxRow = Math.floor(seed / columns);
  for (let head = 0; head < queue.length; head++) {
    const block = queue[head] ?? 0;
    const column = block % columns;
    const row = Math.floor(block / columns);
    const neighbours = [
      column > 0 ? block - 1 : -1,
      column < columns - 1 ? block + 1 : -1,
      row > 0 ? block - columns : -1,
      row < stats.rows - 1 ? block + columns : -1,
    ];
    for (const next of neighbours) {
      if (next < 0 || label[next] !== 0 || stats.candidate[next] !== 1) continue;
      const meanLuma = sumLuma / count;
      if (Math.abs((luma[next] ?? 0) / meanLuma - 1) > BRIGHTNESS_SIMILARITY) continue;
      let similar = true;
      for (let c = 0; c < 3; c++) {
        if (Math.abs((ratio[next * 3 + c] ?? 0) - (sumRatio[c] ?? 0) / count) > CHROMA_SIMILARITY) similar = false;
      }
      if (!similar) continue;
      label[next] = id;
      queue.push(next);
      count++;
      sumLuma += luma[next] ?? 0;
      for (let c = 0; c < 3; c++) sumRatio[c] = (sumRatio[c] ?? 0) + (ratio[next * 3 + c] ?? 0);
      box.minColumn = Math.min(box.minColumn, next % columns);
      box.maxColumn = Math.max(box.maxColumn, next % columns);
      box.minRow = Math.min(box.minRow, Math.floor(next / columns));
      box.maxRow = Math.max(box.maxRow, Math.floor(next / columns));
    }
  }
  const meanRatio: [number, number, number] = [
    (sumRatio[0] ?? 0) / count,
    (sumRatio[1] ?? 0) / count,
    (sumRatio[2] ?? 0) / count,
  ];
  return {
    blocks: count,
    ...box,
    ratio: meanRatio,
    luma: sumLuma / count,
    deviation: Math.max(...meanRatio.map((q) => Math.abs(q - 1))),
  };
}

/** Whether a component has the size and shape of a card; returns its fill ratio, or null when it does not. */
function cardShape(component: Component, stats: BlockStats, imageArea: number): number | null {
  const spanColumns = component.maxColumn - component.minColumn + 1;
  const spanRows = component.maxRow - component.minRow + 1;
  const area = component.blocks * stats.size * stats.size;
  if (spanColumns < MIN_SIDE_BLOCKS || spanRows < MIN_SIDE_BLOCKS) return null;
  if (area < MIN_AREA_FRACTION * imageArea || area > MAX_AREA_FRACTION * imageArea) return null;
  // Spanning the frame from edge to edge is a wall, floor or backdrop, not an object held in the picture.
  if (spanColumns === stats.columns || spanRows === stats.rows) return null;
  const fill = component.blocks / (spanColumns * spanRows);
  return fill >= MIN_FILL_RATIO ? fill : null;
}

/**
 * A grey or white card in the photo, as a rectangle safely inside it with a confidence, or null when none
 * is found with confidence. Null also when two card-like neutral surfaces disagree about the colour of the
 * light: at least one of them is not neutral, and we cannot tell which.
 */
export function findNeutralReference(image: RgbImage, options: NeutralReferenceOptions = {}): NeutralReference | null {
  if (image.width <= 0 || image.height <= 0 || image.channels < 3) return null;
  const stats = blockStats(image, options.exclude);
  const label = new Int32Array(stats.columns * stats.rows);
  const imageArea = image.width * image.height;
  const cards: { component: Component; fill: number }[] = [];
  let id = 0;
  for (let block = 0; block < label.length; block++) {
    if (stats.candidate[block] !== 1 || label[block] !== 0) continue;
    const component = grow(stats, block, label, ++id);
    const fill = cardShape(component, stats, imageArea);
    if (fill !== null) cards.push({ component, fill });
  }
  if (cards.length === 0) return null;
  cards.sort((a, b) => b.component.blocks - a.component.blocks);
  const best = cards[0];
  if (!best) return null;
  const disagreeing = cards.some(({ component }) =>
    component.ratio.some((q, c) => Math.abs(q - (best.component.ratio[c] ?? 0)) > CHROMA_SIMILARITY),
  );
  if (disagreeing) return null;

  const { component, fill } = best;
  const size = stats.size;
  const rect: PixelRect = {
    x: (component.minColumn + 1) * size,
    y: (component.minRow + 1) * size,
    width: (component.maxColumn - component.minColumn - 1) * size,
    height: (component.maxRow - component.minRow - 1) * size,
  };
  if (options.exclude && overlaps(rect, options.exclude)) return null;

  const neutrality = 1 - component.deviation / NEUTRAL_CHANNEL_TOLERANCE;
  const shape = (fill - MIN_FILL_RATIO) / (1 - MIN_FILL_RATIO);
  const extent = Math.min(1, component.blocks / FULL_CONFIDENCE_BLOCKS);
  const confidence = Math.min(1, Math.max(0, (neutrality + shape + extent) / 3));
  return { ...rect, confidence };
}
