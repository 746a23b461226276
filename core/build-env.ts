// What a build command sees: an environment made from scratch — a fixed PATH, its own HOME,
// a locale — plus the release's variables (TAGSHIP_VERSION, TAGSHIP_TAG, TAGSHIP_TARGET, …).
// Never the agent's own: its token, the payload-codec keys and the Temporal address stay in
// the agent's process. And whatever a build prints goes through a redactor before it can reach
// a heartbeat or a failure message (and so the workflow history). Pure.

// In a build environment from the project's Dockerfile, the image's ENV comes first (its PATH,
// toolchain homes and flags), under the release's variables; HOME stays the build's own, and
// nothing named TAGSHIP_* comes from the image.

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a machine keeps a build environment's root filesystem (the builds run inside it). */
export const ENV_ROOT = '/opt/tagship-env';

export function buildEnvironment(release: Record<string, string>, home: string, imageEnv: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
  };
  for (const pair of imageEnv) {
    const at = pair.indexOf('=');
    const k = at > 0 ? pair.slice(0, at) : '';
    if (NAME.test(k) && !k.startsWith('TAGSHIP_')) env[k] = pair.slice(at + 1);
  }
  env.HOME = home;
  for (const [k, v] of Object.entries(release)) if (NAME.test(k)) env[k] = v;
  return env;
}

/** Replaces every occurrence of each secret (8 characters or longer) with "[redacted]". */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const list = [...new Set(secrets.filter((s) => s.length >= 8))].sort((a, b) => b.length - a.length);
  return (text) => list.reduce((t, s) => t.split(s).join('[redacted]'), text);
}

/** The secret values an agent holds, from its environment: its token (or enrolment secret),
 *  each codec key, its Temporal client key and API key. */
export function agentSecrets(env: Record<string, string | undefined>): string[] {
  const keys = (env.TAGSHIP_CODEC_KEYS ?? '').split(',').flatMap((pair) => [pair.slice(pair.indexOf(':') + 1), pair]);
  return [env.TAGSHIP_AGENT_TOKEN ?? '', env.TAGSHIP_ENROLMENT ?? '', env.TAGSHIP_CODEC_KEYS ?? '', ...keys, env.TEMPORAL_TLS_CLIENT_KEY_DATA ?? '', env.TEMPORAL_API_KEY ?? ''].filter(Boolean);
}
