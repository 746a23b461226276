// Many small packages for repository tests and benchmarks: .debs by dpkg-deb, noarch .rpms by
// one rpmbuild run with a subpackage each. Package i is named scale-i.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `count` small .debs, one package each, made by dpkg-deb. */
export function makeDebs(dir: string, count: number, version = '1.0.0'): string[] {
  execFileSync('sh', ['-c', `cd ${dir} && for i in $(seq 1 ${count}); do mkdir -p p$i/DEBIAN && printf "Package: scale-$i\\nVersion: ${version}\\nArchitecture: amd64\\nMaintainer: t <t@example.invalid>\\nDescription: s\\n" > p$i/DEBIAN/control && dpkg-deb -Zgzip --build p$i scale-\${i}_${version}_amd64.deb >/dev/null; done`]);
  return readdirSync(dir).filter((f) => f.endsWith('.deb')).map((f) => join(dir, f));
}

/** `count` small noarch .rpms from one spec with that many subpackages (one rpmbuild run). */
export function makeRpms(dir: string, count: number, version = '1.0.0'): string[] {
  const subs = Array.from({ length: count }, (_, i) => `%package -n scale-${i + 1}\nSummary: s\n%description -n scale-${i + 1}\ns\n%files -n scale-${i + 1}\n`).join('');
  writeFileSync(join(dir, 's.spec'), `Name: scale\nVersion: ${version}\nRelease: 1\nSummary: s\nLicense: MIT\nBuildArch: noarch\n%description\ns\n${subs}`);
  execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${join(dir, 'rpm')}`, join(dir, 's.spec')]);
  const out = join(dir, 'rpm', 'RPMS', 'noarch');
  return readdirSync(out).map((f) => join(out, f));
}

