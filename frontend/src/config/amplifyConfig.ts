/**
 * The only place (with ./uploader.ts) where the cloud and the local cloud differ.
 *
 * Local mode = amplify_outputs.json has `custom.local` (written by the local cloud). Then:
 *  1. Cognito calls go to `custom.local.endpoints["cognito-idp" | "cognito-identity"]` through the
 *     object form of the config (`Auth.Cognito.userPoolEndpoint` / `identityPoolEndpoint`), which
 *     amplify_outputs.json itself cannot express.
 *  2. Amplify JS derives the realtime URL from the GraphQL URL as `wss://<host>/graphql/realtime`
 *     (https:// and http:// both become wss://). The local AppSync emulator speaks plain ws://, so the
 *     WebSocket constructor is wrapped to rewrite wss:// to ws:// for that host only.
 *  3. Sign-in (and the auto sign-in after sign-up) use USER_PASSWORD_AUTH: moto accepts any password
 *     with SRP, so SRP would prove nothing.
 * In the cloud, the outputs go to Amplify.configure unchanged.
 */
import { Amplify } from 'aws-amplify';
import type { ResourcesConfig } from 'aws-amplify';
import { signIn, signUp } from 'aws-amplify/auth';
import type { SignInInput, SignUpInput } from 'aws-amplify/auth';
import { parseAmplifyConfig } from 'aws-amplify/utils';
import type { AuthenticatorProps } from '@aws-amplify/ui-react';
import { isLocalOutputs, type AmplifyOutputs } from './outputs';

type AuthenticatorServices = NonNullable<AuthenticatorProps['services']>;

let active: AmplifyOutputs | null = null;

/** The outputs Amplify was configured with (for ./uploader.ts). */
export function activeOutputs(): AmplifyOutputs {
  if (!active) throw new Error('Amplify is not configured yet');
  return active;
}

export function isLocalMode(outputs: AmplifyOutputs = activeOutputs()): boolean {
  return isLocalOutputs(outputs);
}

export function buildAmplifyConfig(outputs: AmplifyOutputs): ResourcesConfig {
  const config = parseAmplifyConfig(outputs);
  if (!isLocalOutputs(outputs)) return config;
  const endpoints = outputs.custom?.local?.endpoints ?? {};
  const cognito = config.Auth?.Cognito;
  if (!cognito) return config;
  return {
    ...config,
    Auth: {
      Cognito: {
        ...cognito,
        ...(endpoints['cognito-idp'] ? { userPoolEndpoint: endpoints['cognito-idp'] } : {}),
        ...(endpoints['cognito-identity'] ? { identityPoolEndpoint: endpoints['cognito-identity'] } : {}),
      },
    } as ResourcesConfig['Auth'],
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The realtime URL to open for `url` when the GraphQL endpoint is `graphqlUrl`: wss:// becomes ws:// for
 * a plain-http GraphQL endpoint's host, or for a loopback host. Anything else is returned unchanged.
 */
export function localRealtimeUrl(url: string, graphqlUrl: string): string {
  let target: URL;
  let graphql: URL;
  try {
    target = new URL(url);
    graphql = new URL(graphqlUrl);
  } catch {
    return url;
  }
  if (target.protocol !== 'wss:' || graphql.protocol !== 'http:') return url;
  if (target.host !== graphql.host && !LOOPBACK_HOSTS.has(target.hostname)) return url;
  return 'ws://' + url.slice('wss://'.length);
}

const PATCHED = Symbol.for('catscan.localRealtimeRewrite');

/** Wraps globalThis.WebSocket so Amplify's wss:// realtime URL reaches the local ws:// emulator. */
export function installLocalRealtimeRewrite(graphqlUrl: string): void {
  const g = globalThis as typeof globalThis & { [PATCHED]?: { graphqlUrl: string } };
  const NativeWebSocket = globalThis.WebSocket;
  if (!NativeWebSocket) return;
  if (g[PATCHED]) {
    g[PATCHED].graphqlUrl = graphqlUrl;
    return;
  }
  const state = { graphqlUrl };
  class LocalRealtimeWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(localRealtimeUrl(String(url), state.graphqlUrl), protocols);
    }
  }
  g[PATCHED] = state;
  globalThis.WebSocket = LocalRealtimeWebSocket;
}

/** Configures Amplify for the world the outputs describe. Call once, before rendering. */
export function configureAmplify(outputs: AmplifyOutputs): void {
  active = outputs;
  Amplify.configure(buildAmplifyConfig(outputs));
  if (isLocalOutputs(outputs) && outputs.data?.url) {
    installLocalRealtimeRewrite(outputs.data.url);
  }
}

/** Services for the Authenticator (`<Authenticator services={...}>`): USER_PASSWORD_AUTH locally. */
export function authenticatorServices(outputs: AmplifyOutputs = activeOutputs()): AuthenticatorServices | undefined {
  if (!isLocalOutputs(outputs)) return undefined;
  const handleSignIn = (input: SignInInput) =>
    signIn({ ...input, options: { ...input.options, authFlowType: 'USER_PASSWORD_AUTH' } });
  const handleSignUp = (input: SignUpInput) =>
    signUp({
      ...input,
      options: {
        ...input.options,
        autoSignIn: input.options?.autoSignIn === false ? false : { authFlowType: 'USER_PASSWORD_AUTH' },
      } as SignUpInput['options'],
    });
  // The Authenticator types its services as the overloaded Amplify APIs; it calls them with one argument.
  return { handleSignIn, handleSignUp } as unknown as AuthenticatorServices;
}

/**
 * Local mode: the local mailbox page of the Cognito endpoint (the storage gate), where the confirmation and
 * password-reset codes "e-mailed" by the local cloud are shown. In the cloud Cognito really e-mails them.
 */
export function localMailboxUrl(outputs: AmplifyOutputs = activeOutputs()): string | undefined {
  const endpoint = isLocalOutputs(outputs) ? outputs.custom?.local?.endpoints?.['cognito-idp'] : undefined;
  return endpoint ? `${endpoint.replace(/\/+$/, '')}/__gate/mailbox` : undefined;
}
