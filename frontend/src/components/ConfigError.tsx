import { Logo } from './Logo';

/** Shown instead of the app when amplify_outputs.json is missing or unusable. */
export function ConfigError({ error, source }: { error: string; source: string }) {
  return (
    <main className="config-error" role="alert" aria-labelledby="config-error-title">
      <Logo size={40} />
      <h1 id="config-error-title">catscan is not configured yet</h1>
      <p>
        The web app needs <code>amplify_outputs.json</code> at the repository root: it tells the app where sign-in,
        the GraphQL API and storage live.
      </p>
      <ul>
        <li>
          Offline: run <code>make dev</code>, which starts the local cloud and writes the file.
        </li>
        <li>
          In AWS: deploy the backend with <code>npx ampx sandbox</code> (or a pipeline deploy), which writes it.
        </li>
      </ul>
      <p>Then reload this page (a production build needs <code>npm run build</code> again).</p>
      <details>
        <summary>Details</summary>
        <p>
          {source}: {error}
        </p>
      </details>
    </main>
  );
}
