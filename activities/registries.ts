// Where a named registry is, and its token: from the worker's environment only, so tokens never
// pass through a workflow. tagship.yml names a registry (e.g. `local`); the worker has
//   TAGSHIP_REGISTRY_LOCAL_URL    (crates: the sparse index URL; Python: the index's base URL)
//   TAGSHIP_REGISTRY_LOCAL_TOKEN
import { FailureType, nonRetryable } from '../core/failures.ts';

export interface RegistryEndpoint {
  url: string;
  token: string;
}

export function registryEnvName(name: string, part: 'URL' | 'TOKEN'): string {
  return `TAGSHIP_REGISTRY_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${part}`;
}

export function resolveRegistry(name: string, field: string, env: Record<string, string | undefined>): RegistryEndpoint {
  const urlVar = registryEnvName(name, 'URL');
  const tokenVar = registryEnvName(name, 'TOKEN');
  const url = env[urlVar];
  const token = env[tokenVar];
  if (!url || !token) {
    throw nonRetryable(FailureType.ConfigInvalid, `${field} is "${name}", but the worker's environment lacks ${!url ? urlVar : tokenVar}; set ${urlVar} and ${tokenVar} where the worker runs`);
  }
  return { url, token };
}
