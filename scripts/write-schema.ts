// `npm run schema`: writes tagship.yml's JSON Schema (core/config/json-schema.ts) to the file
// editors and `tagship init` point at; a unit test fails while the committed one is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_FILE, tagshipJsonSchemaText } from '../core/config/json-schema.ts';
import { REPO_ROOT } from '../providers/paths.ts';

writeFileSync(join(REPO_ROOT, SCHEMA_FILE), tagshipJsonSchemaText());
console.log(`wrote ${SCHEMA_FILE}`);
