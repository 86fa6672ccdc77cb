import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineData } from '@aws-amplify/backend';

/**
 * The API is defined once, in the repository's schema.graphql (Amplify GraphQL directives), and
 * read at synth time: the local AppSync emulator reads the same file.
 */
const schemaPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');
export const schema = readFileSync(schemaPath, 'utf8');

export const data = defineData({
  name: 'catscan',
  schema,
  authorizationModes: {
    // Browsers use Cognito user pool tokens. IAM is added by Amplify as an additional mode (identity
    // pool roles and principals granted the API, such as the scanner Lambda).
    defaultAuthorizationMode: 'userPool',
  },
  // Errors of resolvers go to CloudWatch Logs (AwsSolutions-ASC3); 'error' logs no request values.
  logging: { fieldLogLevel: 'error', retention: '1 month' },
});
