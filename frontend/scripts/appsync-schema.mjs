// Copies the AppSync schema the Amplify transformer synthesized (../cdk.out, from `bash scripts/synth.sh` at the
// repository root) to src/graphql/schema/appsync.graphql, the schema codegen reads. The copy is committed so
// that codegen needs no synth; tests/parity/test_schema_parity.py keeps it equal to the synthesized one.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const frontend = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cdkOut = path.resolve(frontend, '..', 'cdk.out');
const target = path.join(frontend, 'src', 'graphql', 'schema', 'appsync.graphql');

function fail(message) {
  console.error(`appsync-schema: ${message}`);
  process.exit(1);
}

let templates;
try {
  templates = readdirSync(cdkOut).filter((name) => name.endsWith('.template.json'));
} catch {
  fail(`${cdkOut} not found: run \`bash scripts/synth.sh\` at the repository root first`);
}
const schemas = templates.flatMap((name) => {
  const resources = JSON.parse(readFileSync(path.join(cdkOut, name), 'utf8')).Resources ?? {};
  return Object.values(resources).filter((r) => r.Type === 'AWS::AppSync::GraphQLSchema');
});
if (schemas.length !== 1) fail(`expected one AWS::AppSync::GraphQLSchema in ${cdkOut}, found ${schemas.length}`);

// The transformer ships the schema as an asset: DefinitionS3Location ends in <sha256>.graphql.
const { Definition, DefinitionS3Location } = schemas[0].Properties;
let text = Definition;
if (text === undefined) {
  const asset = JSON.stringify(DefinitionS3Location).match(/\/([0-9a-f]{64}\.graphql)/);
  if (!asset) fail(`no schema asset in ${JSON.stringify(DefinitionS3Location)}`);
  text = readFileSync(path.join(cdkOut, `asset.${asset[1]}`), 'utf8');
}
writeFileSync(target, text);
console.log(`appsync-schema: wrote ${path.relative(frontend, target)}`);
