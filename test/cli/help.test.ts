/**
 * The `kiosk` command line itself: help for every command, and wrong command lines refused
 * with exit code 2 and a message that says what to do. Runs `node bin/kiosk.js` as a child.
 */
import { runKiosk } from './cli-process';

const COMMANDS = [
  'start',
  'web',
  'worker',
  'webhooks set',
  'menu publish',
  'queues',
  'queues failed',
  'queues retry',
  'queues remove',
  'privacy export',
  'privacy erase',
];

describe('kiosk command line', () => {
  test('kiosk --help lists every command and exits 0', async () => {
    const { code, stdout } = await runKiosk(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toContain(`  ${command}`);
    expect(stdout).toContain('kiosk.app.ts');
  });

  test('every command has help with its arguments and options', async () => {
    const runs = await Promise.all(COMMANDS.map((command) => runKiosk([...command.split(' '), '--help'])));
    runs.forEach(({ code, stdout }, i) => {
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: kiosk ${COMMANDS[i]}`);
      expect(stdout).toContain('--help');
    });
    const byName = Object.fromEntries(COMMANDS.map((c, i) => [c, runs[i]!.stdout]));
    expect(byName['webhooks set']).toContain('--base-url <url>');
    expect(byName.worker).toContain('--concurrency <n>');
    expect(byName['queues failed']).toMatch(/Arguments:\n\s+queue\s/);
    expect(byName['privacy export']).toContain('--out <file>');
  });

  test('an unknown command exits 2 and points at kiosk --help', async () => {
    const { code, stderr, stdout } = await runKiosk(['serve']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('unknown command "serve"');
    expect(stderr).toContain('kiosk --help');
  });

  test('an unknown option exits 2, names the option and points at the command help', async () => {
    const { code, stderr } = await runKiosk(['web', '--prot', '3000']);
    expect(code).toBe(2);
    expect(stderr).toContain("'--prot'");
    expect(stderr).toContain('kiosk web --help');
  });

  test('a missing argument exits 2 and names it', async () => {
    const { code, stderr } = await runKiosk(['privacy', 'export', 'telegram']);
    expect(code).toBe(2);
    expect(stderr).toContain('missing <user>');
  });

  test('a group word alone lists its commands and exits 2', async () => {
    const { code, stderr } = await runKiosk(['webhooks']);
    expect(code).toBe(2);
    expect(stderr).toContain('kiosk webhooks set');
  });

  test('no command prints the help and exits 2', async () => {
    const { code, stderr } = await runKiosk([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: kiosk <command>');
  });

  test('an application module that does not exist exits 1 and says how to give one', async () => {
    const { code, stderr } = await runKiosk(['queues', '--app', 'no-such-app.ts']);
    expect(code).toBe(1);
    expect(stderr).toContain('no Kiosk application at');
    expect(stderr).toContain('--app <path> or KIOSK_APP');
  });

  test('a bad --port is refused with exit 2 before anything starts', async () => {
    const { code, stderr } = await runKiosk(['web', '--port', 'eighty'], { REDIS_URL: 'redis://127.0.0.1:6379', KIOSK_PREFIX: 'kt-never-started', KIOSK__bots__taxi__platforms__webchat__secret: 'dev-only-webchat-secret-0001' });
    expect(code).toBe(2);
    expect(stderr).toContain('--port must be a whole number');
  });
});
