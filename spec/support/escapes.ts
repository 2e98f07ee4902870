/**
 * Runs `body` while recording everything that escapes to the process — unhandled rejections
 * and uncaught exceptions — into the array it hands `body`, so that a fault scenario can
 * assert that none did.
 *
 * @example
 * ```ts
 * await catchingEscapes(async (escaped) => {
 *   await survive(outage);
 *   expect(escaped).to.deep.equal([]);
 * });
 * ```
 */
export async function catchingEscapes(body: (escaped: unknown[]) => Promise<void>): Promise<void> {
  const escaped: unknown[] = [];
  const record = (reason: unknown) => escaped.push(reason);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  try {
    await body(escaped);
  } finally {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  }
}
