import { defineStorage } from '@aws-amplify/backend';

/** Upload prefix watched by the scanner; keys are uploads/{identityId}/{scanId}/{fileName}. */
export const UPLOADS_PREFIX = 'uploads/';

/** Thumbnails the scanner writes after a DONE verdict: thumbnails/{identityId}/{scanId}.jpg. */
export const THUMBNAILS_PREFIX = 'thumbnails/';

/** The group whose members read every user's images (the "All scans" page). */
export const ADMIN_GROUP = 'Admin';

type StorageAccessGenerator = NonNullable<Parameters<typeof defineStorage>[0]['access']>;
type StorageAccessBuilder = Parameters<StorageAccessGenerator>[0];
type StorageAccessDefinition = ReturnType<ReturnType<StorageAccessBuilder['groups']>['to']>;

/** What Amplify substitutes for {entity_id} in `allow.entity('identity')` rules: the caller's IdentityId. */
const IDENTITY_ID_POLICY_VARIABLE = '${cognito-identity.amazonaws.com:sub}';

/**
 * The owner's own-path access, granted to a group's IAM role.
 *
 * Cognito Identity gives a group member the group's role *instead of* the authenticated role (Gen 2 maps
 * roles by token: `cognito:preferred_role`), so `allow.entity('identity')` alone does not reach Admins and
 * an Admin could not upload or delete their own images (aws-amplify/amplify-backend#1771). This is
 * `allow.groups([group]).to(actions)` with the entity's `${cognito-identity.amazonaws.com:sub}` path
 * instead of `*`; no uniqueness id, so amplify_outputs.json keeps describing only the rules below.
 */
function groupOwnsEntityPath(
  allow: StorageAccessBuilder,
  group: string,
  actions: ('write' | 'delete')[],
): StorageAccessDefinition {
  return {
    ...allow.groups([group]).to(actions),
    idSubstitution: IDENTITY_ID_POLICY_VARIABLE,
    uniqueDefinitionIdValidations: [],
  };
}

/**
 * The image bucket. Each signed-in identity may read, write and delete below its own identity id;
 * Admins also read every identity's images (and keep write/delete on their own path only). The
 * scanner Lambda gets read access to uploads/* and write access to thumbnails/* separately (backend.ts).
 */
export const storage = defineStorage({
  name: 'catscanUploads',
  isDefault: true,
  access: (allow) => ({
    'uploads/{entity_id}/*': [
      allow.entity('identity').to(['read', 'write', 'delete']),
      allow.groups([ADMIN_GROUP]).to(['read']),
      groupOwnsEntityPath(allow, ADMIN_GROUP, ['write', 'delete']),
    ],
    // Written only by the scanner (backend.ts grants its role PutObject here); the owner reads them and
    // deletes them with the scan, Admins read every user's (the admin table's rows).
    'thumbnails/{entity_id}/*': [
      allow.entity('identity').to(['read', 'delete']),
      allow.groups([ADMIN_GROUP]).to(['read']),
      groupOwnsEntityPath(allow, ADMIN_GROUP, ['delete']),
    ],
  }),
});
