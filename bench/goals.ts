// The goals issue 22 set, each beside the figure this run of `npm run bench` measured for it,
// printed as one table at the end: met or missed, never asserted (a bench is not a test).
export interface Goal {
  figure: string;
  measured: string;
  goal: string;
  met: boolean;
}

const goals: Goal[] = [];

export function recordGoal(figure: string, measured: string, goal: string, met: boolean): void {
  goals.push({ figure, measured, goal, met });
}

export function printGoals(): void {
  if (!goals.length) return;
  const w = (k: keyof Omit<Goal, 'met'>) => Math.max(k.length, ...goals.map((g) => g[k].length));
  const [f, m, g] = [w('figure'), w('measured'), w('goal')];
  console.log('\ngoals (issue 22), this run:');
  console.log(`  ${'figure'.padEnd(f)}  ${'measured'.padEnd(m)}  ${'goal'.padEnd(g)}  verdict`);
  for (const x of goals) console.log(`  ${x.figure.padEnd(f)}  ${x.measured.padEnd(m)}  ${x.goal.padEnd(g)}  ${x.met ? 'met' : 'MISSED'}`);
}
