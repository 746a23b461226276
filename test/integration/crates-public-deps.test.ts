// A crate published to a private registry with dependencies from crates.io (issue 25's bug: they
// were recorded as the private registry's own, so real cargo searched `local` for them and
// failed). Real cargo packages the crate, tagship's publisher sends it, and a consumer built by
// real cargo resolves the public dependency — an unconditional one and a platform-specific one —
// from crates.io while taking the crate itself from the private registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startCratesRegistry } from '../../embedded/crates-registry.ts';
import { publishCrates } from '../../pipes/crates/activities/registry-api.ts';

const run = promisify(execFile);

test('a crate with public dependencies, published to a private registry, builds for a consumer through real cargo', async () => {
  const crates = await startCratesRegistry({ token: 'tok-public-deps' });
  const home = mkdtempSync(join(tmpdir(), 'tagship-cargo-home-'));
  const env = { ...process.env, CARGO_HOME: home, CARGO_REGISTRIES_LOCAL_INDEX: crates.indexUrl, CARGO_TERM_COLOR: 'never' };
  try {
    const lib = mkdtempSync(join(tmpdir(), 'tagship-pubdep-'));
    mkdirSync(join(lib, 'src'));
    writeFileSync(
      join(lib, 'Cargo.toml'),
      ['[package]', 'name = "tagship-pubdep"', 'version = "0.1.0"', 'edition = "2021"', 'license = "MIT"', 'description = "a crate with public dependencies"', 'publish = ["local"]', '', '[dependencies]', 'itoa = "1"', '', "[target.'cfg(unix)'.dependencies]", 'ryu = "1"', ''].join('\n'),
    );
    writeFileSync(join(lib, 'src', 'lib.rs'), 'pub fn show(n: u64) -> String { let mut b = itoa::Buffer::new(); let s = b.format(n).to_string(); let mut r = ryu::Buffer::new(); format!("{} {}", s, r.format(1.5f64)) }\n');
    await run('cargo', ['package', '--no-verify', '--allow-dirty', '--registry', 'local'], { cwd: lib, env, maxBuffer: 8 << 20 });
    // The publisher reports progress as an activity does.
    const outcome = await new MockActivityEnvironment().run(publishCrates, { url: crates.indexUrl, token: 'tok-public-deps' }, '0.1.0', [{ name: 'tagship-pubdep', path: join(lib, 'target', 'package', 'tagship-pubdep-0.1.0.crate') }]);
    assert.deepEqual(outcome, { 'tagship-pubdep': 'published' });

    const app = mkdtempSync(join(tmpdir(), 'tagship-consumer-'));
    mkdirSync(join(app, 'src'));
    writeFileSync(join(app, 'Cargo.toml'), '[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\ntagship-pubdep = { version = "=0.1.0", registry = "local" }\n');
    writeFileSync(join(app, 'src', 'main.rs'), 'fn main() { println!("{}", tagship_pubdep::show(42)); }\n');
    const { stdout } = await run('cargo', ['run', '-q'], { cwd: app, env, maxBuffer: 8 << 20 });
    assert.equal(stdout, '42 1.5\n');
  } finally {
    await crates.close();
  }
});
