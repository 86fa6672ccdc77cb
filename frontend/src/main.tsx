import './styles/app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App';
import { ConfigError } from './components/ConfigError';
import { authenticatorServices, configureAmplify, localMailboxUrl } from './config/amplifyConfig';
import { loadOutputs } from './config/outputs';

const root = createRoot(document.getElementById('root')!);

loadOutputs().then((result) => {
  if (!result.ok) {
    root.render(<ConfigError error={result.error} source={result.source} />);
    return;
  }
  configureAmplify(result.outputs);
  root.render(
    <StrictMode>
      <App services={authenticatorServices(result.outputs)} mailboxUrl={localMailboxUrl(result.outputs)} />
    </StrictMode>,
  );
}).catch((err: unknown) => {
  // Outputs that passed validation and still failed to configure Amplify: say so instead of a blank page.
  root.render(<ConfigError error={err instanceof Error ? err.message : String(err)} source="amplify_outputs.json" />);
});
