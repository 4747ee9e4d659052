/**
 * The fake Telegram Bot API in a process of its own, for the broadcast benchmark: its memory
 * and CPU are not counted as Kiosk's. It forgets what it recorded every 200 ms (keeping the
 * count), so it can take millions of messages; prints `{"apiRoot":…}` once, then
 * `{"sent":N,"chats":M}` every 200 ms (M: distinct chats seen, to spot doubles).
 *
 *   node --import tsx bench/fake-telegram-sink.ts
 */
import { startFakeTelegram } from '../framework/testing/fake-telegram';

async function main() {
  const fake = await startFakeTelegram();
  let sent = 0;
  const chats = new Set<string>();
  process.stdout.write(JSON.stringify({ apiRoot: fake.apiRoot }) + '\n');
  setInterval(() => {
    for (const message of fake.sent) chats.add(message.chat_id);
    sent += fake.sent.length;
    fake.reset();
    process.stdout.write(JSON.stringify({ sent, chats: chats.size }) + '\n');
  }, 200);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
