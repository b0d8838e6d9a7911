// The dashboard page: logs in when the hub asks for a password, then opens one
// Server-Sent Events stream (api/events) and keeps the three sections up to date from it.
// Every URL is relative, so the page also works behind a proxy under a path (/roomlink/).
// Nothing polls the hub: the stream's first event is the whole picture, later ones are
// changes; the page's only timer redraws ages ("12 s ago") once a second.
import { ApiError, getJson, postJson } from './api.js';
import { HubView } from './hub.js';
import { NodesView } from './nodes.js';
import { RoomsView } from './rooms.js';
import { setText } from './dom.js';

const $ = (id) => document.getElementById(id);

const rooms = new RoomsView($('room-list'), $('rooms-empty'));
const nodes = new NodesView($('node-list'), $('nodes-empty'), $('confirm'));
const hub = new HubView($('hub-view'));
const connection = $('connection');
let stream;
let started = false;

/** For the browser tests and curious people: window.roomlink.chart('kitchen/temperature'). */
window.roomlink = {
  chart: (key) => rooms.chart(key),
  rooms,
  nodes,
};

function showConnection(state, text) {
  connection.dataset.state = state;
  setText(connection, text);
}

function showSections(loggedIn) {
  $('login').hidden = loggedIn;
  for (const id of ['rooms', 'nodes', 'hub']) $(id).hidden = !loggedIn;
}

async function main() {
  let session;
  try {
    session = await getJson('api/session');
  } catch (err) {
    showConnection('down', `Hub not reachable: ${err.message}`);
    setTimeout(main, 3000);
    return;
  }
  $('logout').hidden = session.auth !== 'password' || !session.logged_in;
  if (session.auth === 'password' && !session.logged_in) {
    showLogin();
    return;
  }
  showSections(true);
  connect();
}

function showLogin() {
  stream?.close();
  stream = undefined;
  showSections(false);
  showConnection('login', 'Log in to see the house');
  $('password').focus();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = $('login-error');
  setText(error, '');
  try {
    await postJson('api/login', { password: $('password').value });
    $('password').value = '';
    // The form goes away: keyboard focus goes to the content, not to nowhere.
    $('main').focus();
    main();
  } catch (err) {
    setText(error, err instanceof ApiError ? err.message : `Cannot log in: ${err.message}`);
    $('password').select();
  }
});

$('logout').addEventListener('click', async () => {
  await postJson('api/logout', {}).catch(() => {});
  location.reload();
});

function connect() {
  stream?.close();
  showConnection('connecting', 'Connecting…');
  const es = new EventSource('api/events');
  stream = es;
  const on = (event, handler) =>
    es.addEventListener(event, (e) => {
      try {
        handler(JSON.parse(e.data));
      } catch (err) {
        console.error(`dashboard: ${event}`, err);
      }
    });
  on('state', (state) => {
    showConnection('live', 'Live');
    rooms.setAll(state.rooms, state.nodes);
    nodes.setAll(state.nodes);
    hub.set(state.hub);
    document.body.dataset.ready = 'true';
    started = true;
  });
  on('readings', (readings) => rooms.update(readings));
  on('node', (node) => {
    nodes.update(node);
    rooms.setNode(node);
  });
  on('hub', (state) => hub.set(state));
  es.addEventListener('error', async () => {
    if (es.readyState === EventSource.CONNECTING) {
      showConnection('down', 'Connection to the hub lost; reconnecting…');
      return;
    }
    // Closed for good: logged out, or the hub refused the stream. Ask it why.
    try {
      const session = await getJson('api/session');
      if (session.auth === 'password' && !session.logged_in) return showLogin();
    } catch {
      // The hub is away; try again shortly.
    }
    showConnection('down', 'Connection to the hub lost; reconnecting…');
    setTimeout(connect, 3000);
  });
}

for (const radio of document.querySelectorAll('input[name="range"]')) {
  radio.addEventListener('change', () => {
    if (radio.checked) rooms.setRange(radio.value);
  });
}

setInterval(() => {
  if (!started) return;
  const now = Date.now();
  rooms.tick(now);
  nodes.tick(now);
  hub.tick(now);
}, 1000);

main();
