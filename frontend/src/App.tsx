// The layered build: Amplify UI rules sit in @layer, so the app's own CSS always wins.
import '@aws-amplify/ui-react/styles.layer.css';
import { Suspense, lazy, useMemo } from 'react';
import { Authenticator, useAuthenticator, type AuthenticatorProps } from '@aws-amplify/ui-react';
import { Logo } from './components/Logo';
import { PageSpinner } from './components/Spinner';

const SignedInApp = lazy(() => import('./SignedInApp'));

/** The Authenticator's header and footer; in local mode the footer links the local mailbox (the codes). */
function authComponents(mailboxUrl?: string): AuthenticatorProps['components'] {
  return {
    Header() {
      return (
        <div className="auth-header">
          <Logo size={44} />
          <h1>catscan</h1>
          <p>Does this photo contain a cat? Sign in to find out.</p>
        </div>
      );
    },
    Footer() {
      return (
        <div className="auth-footer">
          <p>JPEG or PNG photos, up to 15 MB. Only you can see your scans.</p>
          {mailboxUrl && (
            <p className="auth-mailbox">
              Local cloud: no e-mail is sent. Sign-up and password-reset codes are in the{' '}
              <a href={mailboxUrl} target="_blank" rel="noreferrer">
                local mailbox
              </a>
              .
            </p>
          )}
        </div>
      );
    },
  };
}

const formFields: AuthenticatorProps['formFields'] = {
  signIn: { username: { label: 'Email', placeholder: 'you@example.com' } },
  signUp: {
    email: { label: 'Email', placeholder: 'you@example.com', order: 1 },
    password: { order: 2 },
    confirm_password: { order: 3 },
  },
  forgotPassword: { username: { label: 'Email', placeholder: 'you@example.com' } },
};

type Services = AuthenticatorProps['services'];

/** Sign-in (sign up, confirm, forgot password) until authenticated; then the app, loaded on demand. */
function Gate({ services, mailboxUrl }: { services?: Services; mailboxUrl?: string }) {
  const { authStatus, signOut } = useAuthenticator((context) => [context.authStatus]);
  const components = useMemo(() => authComponents(mailboxUrl), [mailboxUrl]);
  if (authStatus === 'authenticated') {
    return (
      <Suspense fallback={<PageSpinner />}>
        <SignedInApp onSignOut={signOut} />
      </Suspense>
    );
  }
  return (
    <main className="auth-main">
      <Authenticator services={services} components={components} formFields={formFields} />
    </main>
  );
}

export default function App({ services, mailboxUrl }: { services?: Services; mailboxUrl?: string }) {
  return (
    <Authenticator.Provider>
      <Gate services={services} mailboxUrl={mailboxUrl} />
    </Authenticator.Provider>
  );
}
