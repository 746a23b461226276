// Real registries for a test: pypiserver and the crates registry on loopback, with the worker's
// environment pointed at them under the names hello-veilid's tagship.yml uses.
import { randomBytes } from 'node:crypto';
import { startPypiServer, type PypiServer } from '../../embedded/pypi.ts';
import { startCratesRegistry, type CratesRegistry } from '../../embedded/crates-registry.ts';
import { registryEnvName } from '../../activities/registries.ts';

export interface Registries {
  pypi: PypiServer;
  crates: CratesRegistry;
  tokens: { pypi: string; crates: string };
}

export async function withRegistries<T>(fn: (r: Registries) => Promise<T>): Promise<T> {
  const tokens = { pypi: `pypi-${randomBytes(12).toString('hex')}`, crates: `crates-${randomBytes(12).toString('hex')}` };
  const pypi = await startPypiServer({ token: tokens.pypi });
  const crates = await startCratesRegistry({ token: tokens.crates });
  const vars = {
    [registryEnvName('local', 'URL')]: crates.indexUrl,
    [registryEnvName('local', 'TOKEN')]: tokens.crates,
    [registryEnvName('local-pypi', 'URL')]: pypi.url,
    [registryEnvName('local-pypi', 'TOKEN')]: tokens.pypi,
  };
  Object.assign(process.env, vars);
  try {
    return await fn({ pypi, crates, tokens });
  } finally {
    for (const k of Object.keys(vars)) delete process.env[k];
    await pypi.close();
    await crates.close();
  }
}
