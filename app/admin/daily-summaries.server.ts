/**
 * Per-day summaries for the dashboard (DailyStat, DailyInsight): days that have ended are read from
 * their summary rows; the days without one are computed from the raw tables in one pass over the
 * whole missing range, stored, and from then on read. Today is always counted live by the caller.
 * Days are UTC days ("YYYY-MM-DD").
 */
export const DAY_MS = 86_400_000;
export const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
export const nextDay = (day: string) => dayOf(Date.parse(`${day}T00:00:00Z`) + DAY_MS);

export interface DailySummary<T> {
  /** The stored summaries of [first, last]. */
  read(first: string, last: string): Promise<Map<string, T>>;
  /** Figures for every day in [from, to) that had any activity (the others are `empty`). */
  compute(from: string, to: string): Promise<Map<string, T>>;
  empty(day: string): T;
  /** Stores the days just computed; two dashboards filling the same day at once store the same figures. */
  store(rows: { day: string; figures: T }[]): Promise<unknown>;
}

/** Every day of [first, last], each from its summary, the missing ones computed once and stored. */
export async function summarisedDays<T>(
  summary: DailySummary<T>,
  first: string,
  last: string,
): Promise<Map<string, T>> {
  const have = await summary.read(first, last);
  const missing: string[] = [];
  for (let day = first; day <= last; day = nextDay(day)) if (!have.has(day)) missing.push(day);
  if (missing.length > 0) {
    const computed = await summary.compute(missing[0] ?? first, nextDay(missing.at(-1) ?? last));
    const rows = missing.map((day) => ({ day, figures: computed.get(day) ?? summary.empty(day) }));
    await summary.store(rows);
    for (const row of rows) have.set(row.day, row.figures);
  }
  return have;
}
