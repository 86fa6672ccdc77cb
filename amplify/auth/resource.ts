import { defineAuth } from '@aws-amplify/backend';

/**
 * Cognito user pool + identity pool. Users sign in with their email address; members of the
 * `Admin` group read every scan and the Admin-only `debug` field (see schema.graphql).
 */
export const auth = defineAuth({
  loginWith: {
    email: true,
  },
  groups: ['Admin'],
});
