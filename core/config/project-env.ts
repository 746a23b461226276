// Secrets a tagship.yml may name: only variables of the worker's environment that carry the
// project's prefix (hello-veilid → HELLO_VEILID_…). The worker holds every project's secrets and
// every tagship.yml is untrusted; the operator binds a secret to a project by naming its
// variable so. Pure.

/** The prefix a project's variables carry: hello-veilid → HELLO_VEILID_. */
export function projectEnvPrefix(project: string): string {
  return `${project.toUpperCase().replace(/-/g, '_')}_`;
}

/** Why `ref` (`env:NAME`) is not one of `project`'s variables, or null; `example` completes the
 *  suggested name (SIGNING_KEY → env:HELLO_VEILID_SIGNING_KEY). */
export function projectVariableProblem(project: string, ref: string, example: string): string | null {
  const prefix = projectEnvPrefix(project);
  const fix = `name a variable of the worker's environment that carries the project's prefix, e.g. "env:${prefix}${example}"`;
  if (!ref.startsWith('env:')) return `${JSON.stringify(ref)} is not env:<VARIABLE>; ${fix}`;
  const name = ref.slice(4);
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) return `"env:${name}" is not a variable name (capital letters, digits, _)`;
  if (!name.startsWith(prefix)) return `"env:${name}" does not carry the project's prefix ${prefix}, so it could be another project's; ${fix}`;
  return null;
}

/** The value of one of `project`'s variables, or why not. */
export function projectVariable(project: string, ref: string, example: string, env: Record<string, string | undefined>): { value: string } | { problem: string } {
  const problem = projectVariableProblem(project, ref, example);
  if (problem) return { problem };
  const value = env[ref.slice(4)];
  return value ? { value } : { problem: `the worker has no ${ref.slice(4)} in its environment` };
}
