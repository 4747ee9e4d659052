/**
 * The hub as a customer lives it, in a real browser: Debian's Chromium, driven by
 * playwright-core, on the web chat page the demo serves (`npm start`, started here in this
 * process against the test's Redis and prefix). The customer orders a taxi, pays a bill and
 * buys a ticket by clicking the buttons and typing as anyone would, then switches the page to
 * French. A screenshot of the page is saved to test/e2e/artifacts/ (even when a step fails,
 * to see where).
 *
 * Chromium is not an npm package here: `.ci/run` installs Debian's `chromium`. Without it
 * this test fails and says so, rather than skipping.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type Demo } from '../../scripts/demo';
import { dropPrefix } from '../helpers/kiosk';
import { redisUrl, uniquePrefix } from '../helpers/redis';

/** Debian's Chromium; `CHROMIUM_PATH` points elsewhere (another system's Chrome or Chromium). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, 'artifacts');
const WAIT_MS = 8000;

describe('the hub in a real browser', () => {
  const prefix = uniquePrefix();
  let demo: Demo | undefined;
  let browser: Browser | undefined;
  let page: Page;

  /** The newest bot message containing `text`, once it is shown. */
  const botSays = async (text: string | RegExp) => {
    const message = page.locator('#log .msg.bot', { hasText: text }).last();
    await message.waitFor({ timeout: WAIT_MS });
    return message;
  };
  /** Click the button named `name` in the newest bot message that has one. */
  const click = async (name: string | RegExp) => {
    const button = page.getByRole('button', { name, exact: typeof name === 'string' });
    const holder = page.locator('#log .msg.bot').filter({ has: button }).last();
    await holder.waitFor({ timeout: WAIT_MS });
    await holder.getByRole('button', { name, exact: typeof name === 'string' }).first().click();
  };
  const type = async (text: string) => {
    await page.getByRole('textbox').fill(text);
    await page.getByRole('textbox').press('Enter');
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: this test drives Debian's Chromium. .ci/run installs it (apt-get install chromium); elsewhere set CHROMIUM_PATH to a Chrome or Chromium.`);
    }
    [demo, browser] = await Promise.all([
      startDemo({ redisUrl: redisUrl(), prefix, port: 0, logLevel: 'silent' }),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
    ]);
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 480, height: 1000 } });
    page = await context.newPage();
    await page.goto(`${demo.base}/webchat/hub`);
  });

  afterAll(async () => {
    if (page && browser) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'hub-webchat.png') }).catch(() => undefined);
    }
    await browser?.close();
    await demo?.close();
    await dropPrefix(prefix);
  });

  test('opening the page shows the main menu, with a button for Taxi, Bills and Tickets', async () => {
    const menu = await botSays('Welcome to Kiosk!');
    expect(await menu.getByRole('button').allTextContents()).toEqual(['Taxi', 'Bills', 'Tickets']);
    expect(await page.getByRole('status').textContent()).toBe('online');
  });

  test('ordering a taxi: pickup and destination typed, fare confirmed with a click, a driver is on the way', async () => {
    await click('Taxi');
    await botSays('Where shall we pick you up?');
    await type('10 Downing Street');
    await botSays('Pickup: 10 Downing Street. Where are you going?');
    await type('Heathrow');
    await botSays(/^From 10 Downing Street to Heathrow: about €\d+\.\d{2}/);
    await click('Confirm');
    await botSays('Looking for a driver near 10 Downing Street…');
    await botSays(/ is on the way in a .+, arriving in about \d+ minutes\./);
  });

  test('paying a bill: the account is linked, Pay now gives a checkout link, and the receipt arrives', async () => {
    await page.getByRole('button', { name: 'Menu', exact: true }).click();
    await click('Bills');
    await botSays('No account is linked to this chat yet.');
    await click('Link an account');
    await botSays('What is your account number?');
    await type('ACC-1001');
    await botSays('what is the postcode of the supply address?');
    await type('SW1A 1AA');
    await botSays('Done: account ACC-1001 (Ada Lovelace) is linked to this chat.');
    await click('Current bill');
    await botSays('Not paid yet.');
    await click('Pay now');
    const checkout = await botSays('securely on the payment page');
    expect(await checkout.getByRole('link', { name: 'Pay now' }).getAttribute('href')).toMatch(/^https:\/\/pay\.example\.com\/checkout\//);
    // The simulated provider calls the bills callback back as the customer pays.
    await botSays(/^Payment received: .+ account ACC-1001\. Receipt sim_/);
  });

  test('buying a ticket: event, date and seats chosen, paid, and the ticket shown as a card with its code', async () => {
    await page.getByRole('button', { name: 'Menu', exact: true }).click();
    await click('Tickets');
    await botSays('What would you like to book?');
    await click('The Lighthouse');
    const dates = await botSays('Which date?');
    await dates.getByRole('button').first().click();
    await botSays('How many seats?');
    await type('2');
    await botSays(/^2 seats for The Lighthouse .+: held for you/);
    await click('Pay');
    const ticket = await botSays(/Ticket [0-9A-Z]{6,}: 2 seats/);
    expect(await ticket.locator('.card .card-title').textContent()).toBe('The Lighthouse');
    const code = /Ticket ([0-9A-Z]{6,}):/.exec((await ticket.textContent()) ?? '')?.[1];
    expect(code).toBeDefined();
    expect(await ticket.getByRole('button', { name: 'Refund' }).isVisible()).toBe(true);
  });

  test('switching the page to French: the page and the bot answer in French', async () => {
    await page.getByLabel('Language').selectOption('fr');
    expect(await page.getByRole('textbox').getAttribute('placeholder')).toBe('Écrivez un message…');
    await page.getByRole('button', { name: 'Menu', exact: true }).click();
    expect(await page.getByRole('status').textContent()).toBe('en ligne');
    const menu = await botSays('Bienvenue chez Kiosk !');
    expect(await menu.getByRole('button').allTextContents()).toEqual(['Taxi', 'Factures', 'Billets']);
  });
});
