/**
 * Resolves once this machine's clock has passed `instant`. For what is a time and nothing else,
 * with no event to wait for: a customer's cancellation window is a time the cancel's validator
 * compares with the Update's arrival (the Temporal server's clock, this machine's). Not for waiting
 * on a state: that has its event.
 */
export async function untilPast(instant: Date): Promise<void> {
  for (let left = instant.getTime() + 1 - Date.now(); left > 0; left = instant.getTime() + 1 - Date.now()) {
    await new Promise((resolve) => setTimeout(resolve, left));
  }
}
