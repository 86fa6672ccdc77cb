/// <reference types="vite/client" />

declare module 'virtual:amplify-outputs' {
  /** ../amplify_outputs.json as parsed at build/dev time, or null when it was missing or invalid. */
  export const outputs: unknown;
  /** Why `outputs` is null. */
  export const error: string | null;
  /** The file the outputs came from, relative to frontend/. */
  export const source: string;
}
