/**
 * Pauses for `ms`: only for deliberate fault schedules ("kill a holder every 2–4 s"), never
 * to wait for a result (use `waitFor` for that).
 *
 * @example
 * ```ts
 * await scheduleGap(randomMs(2_000, 4_000));
 * await pool.kill(holder);
 * ```
 */
export const scheduleGap = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * A whole number of ms from `min` to `max`, both included.
 *
 * @example
 * ```ts
 * randomMs(20, 120); // e.g. 73
 * ```
 */
export const randomMs = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
