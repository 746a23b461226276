// What a release's machines cost: machine-seconds times the hourly price of the machine's size,
// from the price table in tagship.yml. Pure; an unknown size has no estimate rather than a
// wrong one.

export interface CostTable {
  currency: string;
  /** Size slug → price per hour. */
  hourly: Record<string, number>;
}

export function estimateCost(machineSeconds: number, size: string, table: CostTable | undefined): number | undefined {
  const perHour = table?.hourly[size];
  if (perHour === undefined) return undefined;
  // Rounded to a hundredth of a cent: enough for a report, stable across runs.
  return Math.round((machineSeconds / 3600) * perHour * 10_000) / 10_000;
}
