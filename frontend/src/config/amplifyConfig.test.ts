import { beforeEach, describe, expect, it, vi } from 'vitest';
import sample from '../../amplify_outputs.sample.json';
import type { AmplifyOutputs } from './outputs';

const { signIn, signUp } = vi.hoisted(() => ({
  signIn: vi.fn(() => Promise.resolve({ isSignedIn: true, nextStep: { signInStep: 'DONE' } })),
  signUp: vi.fn(() => Promise.resolve({ isSignUpComplete: false, nextStep: { signUpStep: 'CONFIRM_SIGN_UP' } })),
}));
vi.mock('aws-amplify/auth', () => ({ signIn, signUp }));

import {
  authenticatorServices,
  buildAmplifyConfig,
  installLocalRealtimeRewrite,
  localMailboxUrl,
  localRealtimeUrl,
} from './amplifyConfig';

const local = sample as unknown as AmplifyOutputs;
const { custom: _custom, ...cloudRest } = local;
const cloud: AmplifyOutputs = {
  ...cloudRest,
  data: { ...local.data!, url: 'https://abcdefghijklmnopqrstuvwxyz.appsync-api.us-east-1.amazonaws.com/graphql' },
};

describe('buildAmplifyConfig', () => {
  it('adds the local Cognito endpoints only in local mode', () => {
    const config = buildAmplifyConfig(local);
    expect(config.Auth?.Cognito).toMatchObject({
      userPoolId: 'us-east-1_sample00',
      userPoolClientId: 'sampleclientid000000000000',
      identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000',
      userPoolEndpoint: 'http://127.0.0.1:4566',
      identityPoolEndpoint: 'http://127.0.0.1:4566',
      loginWith: { email: true },
    });
    expect(config.API?.GraphQL).toMatchObject({ endpoint: 'http://127.0.0.1:4510/graphql', defaultAuthMode: 'userPool' });
    expect(config.Storage?.S3).toMatchObject({ bucket: 'catscan-uploads-local', region: 'us-east-1' });
  });

  it('leaves cloud outputs as Amplify parses them', () => {
    const config = buildAmplifyConfig(cloud);
    expect(config.Auth?.Cognito).not.toHaveProperty('userPoolEndpoint');
    expect(config.Auth?.Cognito).not.toHaveProperty('identityPoolEndpoint');
  });
});

describe('localMailboxUrl', () => {
  it("is the local Cognito endpoint's mailbox page in local mode, and nothing in the cloud", () => {
    expect(localMailboxUrl(local)).toBe('http://127.0.0.1:4566/__gate/mailbox');
    const slash = { ...local, custom: { local: { endpoints: { 'cognito-idp': 'http://127.0.0.1:4530/' } } } };
    expect(localMailboxUrl(slash)).toBe('http://127.0.0.1:4530/__gate/mailbox');
    expect(localMailboxUrl(cloud)).toBeUndefined();
  });
});

describe('local realtime URL', () => {
  const graphql = 'http://127.0.0.1:4510/graphql';
  it('turns the wss:// URL Amplify derives into ws:// for the local emulator', () => {
    expect(localRealtimeUrl('wss://127.0.0.1:4510/graphql/realtime?header=x&payload=e30=', graphql)).toBe(
      'ws://127.0.0.1:4510/graphql/realtime?header=x&payload=e30=',
    );
    expect(localRealtimeUrl('wss://localhost:9999/graphql/realtime', graphql)).toBe('ws://localhost:9999/graphql/realtime');
    expect(localRealtimeUrl('wss://devbox.lan:4510/graphql/realtime', 'http://devbox.lan:4510/graphql')).toBe(
      'ws://devbox.lan:4510/graphql/realtime',
    );
  });

  it('leaves other sockets alone', () => {
    const appsync = 'wss://x.appsync-realtime-api.us-east-1.amazonaws.com/graphql';
    expect(localRealtimeUrl(appsync, graphql)).toBe(appsync);
    expect(localRealtimeUrl('wss://127.0.0.1:4510/graphql/realtime', 'https://127.0.0.1:4510/graphql')).toBe(
      'wss://127.0.0.1:4510/graphql/realtime',
    );
    expect(localRealtimeUrl('ws://127.0.0.1:4510/x', graphql)).toBe('ws://127.0.0.1:4510/x');
  });

  it('wraps the WebSocket constructor once, keeping its constants', () => {
    const opened: Array<[string, unknown]> = [];
    class FakeWebSocket {
      static readonly OPEN = 1;
      constructor(url: string, protocols?: unknown) {
        opened.push([url, protocols]);
      }
    }
    vi.stubGlobal('WebSocket', FakeWebSocket);
    installLocalRealtimeRewrite(graphql);
    installLocalRealtimeRewrite(graphql);
    const Wrapped = globalThis.WebSocket;
    new Wrapped('wss://127.0.0.1:4510/graphql/realtime?header=h', ['graphql-ws', 'header-abc']);
    expect(opened).toEqual([['ws://127.0.0.1:4510/graphql/realtime?header=h', ['graphql-ws', 'header-abc']]]);
    expect(Wrapped.OPEN).toBe(1);
    vi.unstubAllGlobals();
  });
});

describe('authenticatorServices', () => {
  beforeEach(() => {
    signIn.mockClear();
    signUp.mockClear();
  });

  it('signs in with USER_PASSWORD_AUTH locally', async () => {
    const services = authenticatorServices(local) as unknown as {
      handleSignIn: (i: unknown) => Promise<unknown>;
      handleSignUp: (i: unknown) => Promise<unknown>;
    };
    await services.handleSignIn({ username: 'a@b.c', password: 'pw' });
    expect(signIn).toHaveBeenCalledWith({
      username: 'a@b.c',
      password: 'pw',
      options: { authFlowType: 'USER_PASSWORD_AUTH' },
    });
    await services.handleSignUp({ username: 'a@b.c', password: 'pw', options: { userAttributes: { email: 'a@b.c' }, autoSignIn: true } });
    expect(signUp).toHaveBeenCalledWith({
      username: 'a@b.c',
      password: 'pw',
      options: { userAttributes: { email: 'a@b.c' }, autoSignIn: { authFlowType: 'USER_PASSWORD_AUTH' } },
    });
  });

  it('keeps the Authenticator defaults (SRP) in the cloud', () => {
    expect(authenticatorServices(cloud)).toBeUndefined();
  });
});
