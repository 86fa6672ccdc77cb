// The layered build: Amplify UI rules sit in @layer, so the app's own CSS always wins.
import '@aws-amplify/ui-react/styles.layer.css';
import { Suspense, lazy } from 'react';
import { Authenticator, useAuthenticator, type AuthenticatorProps } from '@aws-amplify/ui-react';
import { Logo } from './components/Logo';
import { PageSpinner } from './components/Spinner';

const SignedInApp = lazy(() => import('./SignedInApp'));

const components: AuthenticatorProps['components'] = {
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
    return <p className="auth-footer">JPEG or PNG photos, up to 15 MB. Only you can see your scans.</p>;
  },
};

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
function Gate({ services }: { services?: Services }) {
  const { authStatus, signOut } = useAuthenticator((context) => [context.authStatus]);
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

export default function App({ services }: { services?: Services }) {
  return (
    <Authenticator.Provider>
      <Gate services={services} />
    </Authenticator.Provider>
  );
}
