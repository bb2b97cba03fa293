// One replica of the app in its own process (settings from the environment), so a test can kill it -9.
import { startApp } from '../../../src/app.ts';

const app = await startApp({ env: { ...process.env } });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
