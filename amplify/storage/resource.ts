import { defineStorage } from '@aws-amplify/backend';

/** Upload prefix watched by the scanner; keys are uploads/{identityId}/{scanId}/{fileName}. */
export const UPLOADS_PREFIX = 'uploads/';

/**
 * The image bucket. Each signed-in identity may only read, write and delete below its own
 * identity id; the scanner Lambda gets read access to uploads/* separately (backend.ts).
 */
export const storage = defineStorage({
  name: 'catscanUploads',
  isDefault: true,
  access: (allow) => ({
    'uploads/{entity_id}/*': [allow.entity('identity').to(['read', 'write', 'delete'])],
  }),
});
