// Where the web workspace is reached: PUBLIC_URL when set, else the address the server listens on. The
// composition root (src/app.ts) sets it once the server listens; the `web` command reads it for its links.
let base = 'http://localhost:3000';

export function setWebBase(url: string): void {
  base = url.replace(/\/$/, '');
}

export const webUrl = (path: string): string => `${base}/app${path}`;
