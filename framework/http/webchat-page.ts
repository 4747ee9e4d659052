/**
 * The web-chat page Kiosk serves at `GET /webchat/:bot`: one self-contained HTML file, plain
 * JavaScript, no build step. A business may serve it as is, link to it, embed it in an
 * iframe, or copy it as the starting point of its own page. It reads the bot's name and the
 * mount path from its own URL, so the HTML is the same for every bot and holds no data.
 *
 * Every reply is rendered with `textContent` and `createElement`; `format: 'html'` replies are
 * parsed by `DOMParser` (which runs nothing) and rebuilt from an allow-list of tags. Links
 * must be http(s). The route serves it with a Content-Security-Policy that allows only this
 * script and style, by hash.
 */

/** The page's stylesheet (hashed into the Content-Security-Policy). */
export const WEBCHAT_PAGE_STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.4 system-ui,sans-serif;background:#f4f4f6;color:#111;display:flex;flex-direction:column;height:100vh}
header{display:flex;align-items:center;gap:8px;padding:8px 12px;background:#fff;border-bottom:1px solid #ddd}
header h1{flex:1;font-size:16px;margin:0}#status{font-size:12px;color:#888}
#log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}
.msg{max-width:80%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}
.bot{align-self:flex-start;background:#fff;border:1px solid #ddd}.me{align-self:flex-end;background:#0b6efd;color:#fff}
.buttons{display:flex;flex-direction:column;gap:4px;margin-top:6px}.row{display:flex;gap:4px;flex-wrap:wrap}
.row button,.row a{flex:1;padding:6px 8px;border:1px solid #0b6efd;border-radius:8px;background:#fff;color:#0b6efd;font:inherit;text-align:center;text-decoration:none;cursor:pointer}
.card{border:1px solid #ddd;border-radius:8px;overflow:hidden;margin-bottom:6px}.card img,.media img,.media video{max-width:100%;display:block}
.card div{padding:6px 8px}.card-title{display:block}.card-description{margin:2px 0 0;color:#444}.fields{margin:0;padding-left:16px}
form{display:flex;flex-wrap:wrap;gap:6px;padding:8px;background:#fff;border-top:1px solid #ddd}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
button:focus-visible,a:focus-visible,select:focus-visible,#text:focus-visible{outline:2px solid #0b6efd;outline-offset:2px}
#text{flex:1 1 120px;min-width:0;padding:8px;border:1px solid #ccc;border-radius:8px;font:inherit}form button{padding:8px 12px;font:inherit;white-space:nowrap}
`;

/** The page's script (hashed into the Content-Security-Policy). No template literals: it lives in one. */
export const WEBCHAT_PAGE_SCRIPT = `
(function () {
  'use strict';
  var match = /^(.*)\\/webchat\\/([^/]+)\\/?$/.exec(location.pathname);
  if (!match) return;
  var base = match[1];
  var bot = decodeURIComponent(match[2]);
  var botPath = encodeURIComponent(bot);
  var storageKey = 'kiosk-webchat:' + bot;
  var STRINGS = {
    en: { placeholder: 'Write a message…', send: 'Send', menu: 'Menu', message: 'Message', location: 'Share location', sharedLocation: 'Location shared', connecting: 'connecting…', online: 'online', failed: 'not sent, tap to retry' },
    fr: { placeholder: 'Écrivez un message…', send: 'Envoyer', menu: 'Menu', message: 'Message', location: 'Ma position', sharedLocation: 'Position partagée', connecting: 'connexion…', online: 'en ligne', failed: 'non envoyé, touchez pour réessayer' },
    zh: { placeholder: '输入消息…', send: '发送', menu: '菜单', message: '消息', location: '分享位置', sharedLocation: '已分享位置', connecting: '连接中…', online: '在线', failed: '发送失败，点击重试' }
  };
  var ALLOWED_TAGS = { B: 'b', STRONG: 'b', I: 'i', EM: 'i', U: 'u', S: 's', CODE: 'code', PRE: 'pre', BR: 'br', P: 'p' };

  var state = load();
  var events = null;
  var counter = 0;
  var log = document.getElementById('log');
  var form = document.getElementById('form');
  var input = document.getElementById('text');
  var sendButton = document.getElementById('send');
  var locationButton = document.getElementById('location');
  var menuButton = document.getElementById('menu');
  var inputLabel = document.getElementById('text-label');
  var language = document.getElementById('language');
  var status = document.getElementById('status');
  document.getElementById('title').textContent = bot;

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(storageKey) || 'null');
      if (saved && typeof saved === 'object') return saved;
    } catch (e) { /* storage unavailable or corrupt: start afresh */ }
    var lang = (navigator.language || 'en').slice(0, 2).toLowerCase();
    return { token: null, visitor: null, lastEventId: null, transcript: [], locale: STRINGS[lang] ? lang : 'en' };
  }
  function save() {
    state.transcript = state.transcript.slice(-200);
    try { localStorage.setItem(storageKey, JSON.stringify(state)); } catch (e) { /* private mode: keep it in memory */ }
  }
  function t(key) { return (STRINGS[state.locale] || STRINGS.en)[key]; }
  function applyLanguage() {
    document.documentElement.lang = state.locale;
    input.placeholder = t('placeholder');
    sendButton.textContent = t('send');
    locationButton.textContent = t('location');
    menuButton.textContent = t('menu');
    inputLabel.textContent = t('message');
    language.value = state.locale;
    status.textContent = t(statusKey);
  }
  var statusKey = 'connecting';
  function setStatus(key) { statusKey = key; status.textContent = t(key); }

  function safeUrl(value) {
    try {
      var url = new URL(String(value), location.href);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch (e) { return null; }
  }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function link(url, text) {
    var href = safeUrl(url);
    if (!href) return element('span', '', text);
    var a = element('a', '', text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  // format: 'html' (Telegram's subset): DOMParser builds an inert document, and only
  // allow-listed tags are copied, as new elements holding text nodes; everything else becomes text.
  function sanitized(html) {
    var fragment = document.createDocumentFragment();
    var doc = new DOMParser().parseFromString('<body>' + String(html) + '</body>', 'text/html');
    (function copy(from, to) {
      Array.prototype.forEach.call(from.childNodes, function (node) {
        if (node.nodeType === 3) { to.appendChild(document.createTextNode(node.nodeValue)); return; }
        if (node.nodeType !== 1) return;
        var target;
        if (node.tagName === 'A') target = link(node.getAttribute('href'), '');
        else if (ALLOWED_TAGS[node.tagName]) target = document.createElement(ALLOWED_TAGS[node.tagName]);
        else if (node.tagName === 'SCRIPT' || node.tagName === 'STYLE') return;
        else target = document.createDocumentFragment();
        copy(node, target);
        to.appendChild(target);
      });
    })(doc.body, fragment);
    return fragment;
  }
  function scroll() { log.scrollTop = log.scrollHeight; }

  function renderBot(message, eventId) {
    var bubble = element('div', 'msg bot');
    if (message.card) {
      var card = element('div', 'card');
      var image = safeUrl(message.card.imageUrl);
      if (image) { var img = element('img'); img.src = image; img.alt = ''; card.appendChild(img); }
      var body = element('div');
      var title = element('b', 'card-title');
      title.appendChild(message.card.url ? link(message.card.url, message.card.title) : document.createTextNode(message.card.title));
      body.appendChild(title);
      if (message.card.description) body.appendChild(element('p', 'card-description', message.card.description));
      card.appendChild(body);
      bubble.appendChild(card);
    }
    (message.media || []).forEach(function (item) {
      var url = safeUrl(item.url);
      if (!url) return;
      var holder = element('div', 'media');
      if (item.kind === 'image') { var img = element('img'); img.src = url; img.alt = item.caption || ''; holder.appendChild(img); }
      else if (item.kind === 'video' || item.kind === 'audio') { var player = element(item.kind); player.src = url; player.controls = true; holder.appendChild(player); }
      else holder.appendChild(link(url, item.caption || url));
      if (item.caption && item.kind !== 'file') holder.appendChild(element('div', '', item.caption));
      bubble.appendChild(holder);
    });
    if (message.text) {
      if (message.format === 'html') bubble.appendChild(sanitized(message.text));
      else bubble.appendChild(document.createTextNode(message.text));
    }
    if (message.template) {
      var fields = element('ul', 'fields');
      Object.keys(message.template.fields || {}).forEach(function (name) {
        var value = message.template.fields[name];
        fields.appendChild(element('li', '', name + ': ' + (value && typeof value === 'object' ? value.value : value)));
      });
      bubble.appendChild(fields);
      if (message.template.url) bubble.appendChild(link(message.template.url, message.template.url));
    }
    if (message.buttons && message.buttons.length) {
      var buttons = element('div', 'buttons');
      message.buttons.forEach(function (row) {
        var line = element('div', 'row');
        row.forEach(function (button) {
          if (button.url !== undefined) { line.appendChild(link(button.url, button.label)); return; }
          var press = element('button', '', button.label);
          press.type = 'button';
          press.addEventListener('click', function () {
            var button_ = { data: button.data };
            if (eventId) button_.messageId = eventId;
            say({ button: button_ }, { label: button.label });
          });
          line.appendChild(press);
        });
        buttons.appendChild(line);
      });
      bubble.appendChild(buttons);
    }
    log.appendChild(bubble);
    scroll();
  }
  function renderMine(entry) {
    var bubble = element('div', 'msg me', entry.label);
    log.appendChild(bubble);
    scroll();
    return bubble;
  }
  function render(entry) { return entry.from === 'bot' ? renderBot(entry.message, entry.id) : renderMine(entry); }

  function newId() { counter += 1; return 'm-' + Date.now().toString(36) + '-' + counter + '-' + Math.random().toString(36).slice(2, 8); }

  function session() {
    return fetch(base + '/webchat/' + botPath + '/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(state.token ? { token: state.token } : {})
    }).then(function (response) {
      if (!response.ok) throw new Error('session ' + response.status);
      return response.json();
    }).then(function (answer) {
      if (answer.visitor !== state.visitor) {
        // A new visitor (first visit, or the old token expired): the old transcript is not theirs.
        state.transcript = [];
        state.lastEventId = null;
        log.textContent = '';
      }
      state.token = answer.token;
      state.visitor = answer.visitor;
      save();
    });
  }

  // Sent with the same id until the server answers, so a retried POST is handled once.
  function post(body, attempt) {
    attempt = attempt || 0;
    body.locale = state.locale;
    return fetch(base + '/webhooks/' + botPath + '/webchat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + state.token },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401 && attempt === 0) return session().then(function () { return post(body, 1); });
      if (response.status >= 500 && attempt < 4) return wait(attempt).then(function () { return post(body, attempt + 1); });
      return response.ok;
    }, function () {
      return attempt < 4 ? wait(attempt).then(function () { return post(body, attempt + 1); }) : false;
    });
  }
  function wait(attempt) { return new Promise(function (resolve) { setTimeout(resolve, 500 * Math.pow(2, attempt)); }); }

  function say(body, entry) {
    body.id = newId();
    entry.from = 'me';
    state.transcript.push(entry);
    save();
    var bubble = renderMine(entry);
    post(body).then(function (ok) {
      if (ok) return;
      bubble.title = t('failed');
      bubble.style.opacity = '0.5';
      bubble.addEventListener('click', function retry() {
        bubble.removeEventListener('click', retry);
        bubble.style.opacity = '';
        post(body);
      });
    });
  }

  function connect() {
    if (events) events.close();
    setStatus('connecting');
    var url = base + '/webchat/' + botPath + '/events?token=' + encodeURIComponent(state.token);
    if (state.lastEventId) url += '&lastEventId=' + encodeURIComponent(state.lastEventId);
    events = new EventSource(url);
    events.addEventListener('ready', function (event) {
      setStatus('online');
      var ready = JSON.parse(event.data);
      var first = state.transcript.length === 0 && !state.lastEventId;
      state.lastEventId = ready.lastEventId;
      save();
      if (first) post({ id: 'open-' + Date.now().toString(36), event: 'open' });
    });
    events.addEventListener('message', function (event) {
      var entry = { from: 'bot', id: event.lastEventId, message: JSON.parse(event.data) };
      state.lastEventId = event.lastEventId;
      state.transcript.push(entry);
      save();
      render(entry);
    });
    events.addEventListener('error', function () {
      setStatus('connecting');
      // EventSource reconnects by itself after a network error (sending Last-Event-ID), but
      // gives up on an HTTP error such as 401 for an expired token: renew it and start again.
      if (events.readyState === EventSource.CLOSED) setTimeout(function () { session().then(connect, function () { setTimeout(connect, 5000); }); }, 1000);
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = '';
    say({ text: text }, { label: text });
  });
  // /start is every bot's way back to its beginning: the hub's main menu, a service's welcome.
  menuButton.addEventListener('click', function () { say({ text: '/start' }, { label: '☰ ' + t('menu') }); });
  locationButton.addEventListener('click', function () {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (position) {
      say({ location: { latitude: position.coords.latitude, longitude: position.coords.longitude } }, { label: '📍 ' + t('sharedLocation') });
    });
  });
  language.addEventListener('change', function () {
    state.locale = STRINGS[language.value] ? language.value : 'en';
    save();
    applyLanguage();
  });

  applyLanguage();
  state.transcript.forEach(render);
  session().then(connect, function () { setStatus('connecting'); setTimeout(function () { session().then(connect); }, 5000); });
})();
`;

/** The whole page. Holds no data of any bot or visitor; everything it shows arrives as text. */
export const WEBCHAT_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat</title>
<style>${WEBCHAT_PAGE_STYLE}</style>
</head>
<body>
<header><h1 id="title"></h1><span id="status" role="status"></span>
<select id="language" aria-label="Language"><option value="en">English</option><option value="fr">Français</option><option value="zh">中文</option></select>
</header>
<main id="log" role="log" aria-live="polite"></main>
<form id="form"><button type="button" id="menu"></button><button type="button" id="location"></button><label for="text" id="text-label" class="visually-hidden"></label><input id="text" autocomplete="off" maxlength="4096"><button type="submit" id="send"></button></form>
<script>${WEBCHAT_PAGE_SCRIPT}</script>
</body>
</html>
`;
