/**
 * How fast the template engine renders a typical bill (money, a date, a plural and two
 * buttons) once it is compiled: `npx tsx bench/templates.ts [renders]`.
 *
 * The template is written to a temporary folder, so the figure does not depend on the
 * business's templates; the locale alternates between en, fr and zh to include the Intl
 * formatter cache in the measurement.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTemplates } from '../framework/templates';

const RENDERS = Number(process.argv[2] ?? 200_000);

const root = mkdtempSync(path.join(os.tmpdir(), 'kiosk-bench-templates-'));
mkdirSync(path.join(root, 'bills'));
writeFileSync(
  path.join(root, 'bills', 'issued.hbs'),
  [
    'Hello {{customer.name}},',
    '',
    'Your bill for {{plural items one="# item" other="# items"}} comes to {{money total "EUR"}}, due {{date due "long"}}.',
    '{{button "Pay now" "bills:pay"}}',
    '{{button "Details" "bills:details"}}',
    '',
  ].join('\n'),
);

const templates = createTemplates({ root, timeZone: 'Europe/Paris' });
const customers = [
  { locale: 'en', platform: 'telegram' },
  { locale: 'fr', platform: 'wechat' },
  { locale: 'zh-CN', platform: 'line' },
];
const data = (i: number) => ({ customer: { name: 'Ana <Lopez>' }, items: (i % 5) + 1, total: 10 + (i % 1000) / 100, due: '2025-04-01T12:00:00Z' });

try {
  for (let i = 0; i < 5_000; i++) templates.render('bills/issued', data(i), customers[i % 3]!);
  const started = process.hrtime.bigint();
  let length = 0;
  for (let i = 0; i < RENDERS; i++) length += templates.render('bills/issued', data(i), customers[i % 3]!).text!.length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`templates: ${RENDERS} renders in ${seconds.toFixed(2)} s = ${Math.round(RENDERS / seconds).toLocaleString('en')} renders/s (${(length / RENDERS).toFixed(0)} chars each)`);
  console.log(`compiled ${templates.stats().compiled} times; machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
