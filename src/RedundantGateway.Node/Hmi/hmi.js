// The live HMI page: tag values from the node's live stream (/api/tags/stream), the page's alarms with an
// acknowledge button, and the failover of the browser. The page declares its node lost when the stream is silent
// longer than lostAfterMs (the stream sends heartbeats when idle) or says the node left active; it then asks its own
// node and the other node for their level (/system/gwinfo, each ask abandoned after fetchTimeoutMs, so a hung or
// cut-off node never blocks it) and either resubscribes here or goes to the same page on the other node, carrying
// the scroll position and unsaved input in the URL fragment (sessionStorage is per origin).
(() => {
  'use strict';
  const cfg = JSON.parse(document.getElementById('hmi-config').textContent);
  const el = id => document.getElementById(id);
  const TRANSFER_KEY = 'rg-transfer=';
  const ALARM_POLL_MS = 1000;
  const PEER_LEARN_MS = 2000;

  const page = {
    mode: 'starting',        // live | lost | waiting | moving | token
    stream: null,            // the AbortController of the live stream
    lastEventAt: 0,
    peer: cfg.peerWebAddress,
    updates: 0,
    probes: 0,               // bumps on each new search, so the loops of an old search stop
    alarmTimer: null,
  };

  // ---- rendering -------------------------------------------------------------------------------------------------

  const tagRows = new Map();
  const alarmRows = new Map();

  function setMode(mode) {
    page.mode = mode;
    document.body.dataset.mode = mode;
    const text = { live: 'live', lost: 'node lost', waiting: 'no active node', moving: 'moving', starting: 'connecting', token: 'token needed' }[mode];
    el('conn-state').textContent = text;
  }

  function clock(date) {
    return [date.getHours(), date.getMinutes(), date.getSeconds()].map(n => String(n).padStart(2, '0')).join(':');
  }

  function buildTables() {
    document.title = `${cfg.title} - ${cfg.nodeName}`;
    el('page-title').textContent = cfg.title;
    el('node-badge').textContent = `${cfg.nodeName} (${cfg.role})`;
    const tagBody = el('tags').tBodies[0];
    for (const path of cfg.tags) {
      const row = tagBody.insertRow();
      row.dataset.path = path;
      row.insertCell().textContent = path;
      for (const cls of ['value', 'quality', 'time']) row.insertCell().className = cls;
      row.cells[1].textContent = '-';
      tagRows.set(path, row);
    }
    const alarmBody = el('alarms').tBodies[0];
    for (const id of cfg.alarms) {
      const row = alarmBody.insertRow();
      row.dataset.id = id;
      row.insertCell().textContent = id;
      for (let i = 0; i < 4; i++) row.insertCell().textContent = '-';
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Acknowledge';
      button.className = 'ack';
      button.addEventListener('click', () => acknowledge(id));
      row.insertCell().appendChild(button);
      alarmRows.set(id, row);
    }
    el('token-label').hidden = !cfg.tokenRequired;
  }

  function format(value) {
    if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
    if (value === null || value === undefined) return '-';
    return String(value);
  }

  function showTag(tag) {
    const row = tagRows.get(tag.path);
    if (!row) return;
    row.cells[1].textContent = format(tag.value);
    row.cells[2].textContent = tag.quality + (tag.reason ? ` (${tag.reason})` : '');
    row.cells[3].textContent = (tag.t || '').replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
    row.classList.toggle('bad', tag.quality !== 'good');
    page.updates++;
    document.body.dataset.updates = String(page.updates);
  }

  function showAlarm(alarm) {
    const row = alarmRows.get(alarm.id);
    if (!row) return;
    row.cells[0].textContent = alarm.displayPath || alarm.id;
    row.cells[1].textContent = alarm.priority;
    row.cells[2].textContent = alarm.state + (alarm.shelved ? ' (shelved)' : '');
    row.cells[3].textContent = format(alarm.value);
    row.cells[4].textContent = alarm.acked ? (alarm.ackedBy ? `yes (${alarm.ackedBy})` : 'yes') : 'no';
    row.classList.toggle('active', alarm.state === 'active');
    row.querySelector('button.ack').disabled = alarm.acked;
  }

  // ---- the node's API --------------------------------------------------------------------------------------------

  function headers(extra) {
    const token = el('api-token').value.trim();
    return Object.assign({}, extra || {}, token ? { Authorization: `Bearer ${token}` } : {});
  }

  // A fetch abandoned after fetchTimeoutMs: a hung node accepts the connection and never answers.
  async function fetchBounded(url, options) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), cfg.fetchTimeoutMs);
    try {
      return await fetch(url, Object.assign({ cache: 'no-store', signal: abort.signal }, options || {}));
    } finally {
      clearTimeout(timer);
    }
  }

  // The node's level from /system/gwinfo (open, cheap, allowed cross-origin for the peer): 'active', 'warm', ... or null.
  async function levelOf(base) {
    try {
      const answer = await fetchBounded(`${base}/system/gwinfo`);
      if (!answer.ok) return null;
      const match = /RedundantNodeActiveStatus=(\w+)/.exec(await answer.text());
      return match ? match[1].toLowerCase() : null;
    } catch {
      return null;
    }
  }

  // ---- the live stream -------------------------------------------------------------------------------------------

  function subscribe() {
    const abort = new AbortController();
    page.stream = abort;
    page.lastEventAt = performance.now();
    setMode('live');
    // A page without tags still needs the stream's heartbeats and levels: it asks for a path that is no tag.
    const paths = cfg.tags.length > 0 ? cfg.tags : [`projects/${cfg.project}/pages/${cfg.page}`];
    readStream(`/api/tags/stream?paths=${encodeURIComponent(paths.join(','))}`, abort)
      .then(() => { if (page.stream === abort) lost('the stream ended'); },
            error => {
              if (page.stream !== abort) return;
              if (error && error.status === 401) needToken(); else lost(`the stream failed (${error && error.message || error})`);
            });
    pollAlarms();
  }

  async function readStream(url, abort) {
    const answer = await fetch(url, { cache: 'no-store', signal: abort.signal, headers: headers() });
    if (!answer.ok || !answer.body) throw Object.assign(new Error(`HTTP ${answer.status}`), { status: answer.status });
    const reader = answer.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (page.stream !== abort) return;
        onEvent(block);
      }
    }
  }

  function onEvent(block) {
    let name = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    page.lastEventAt = performance.now();
    const body = data ? JSON.parse(data) : {};
    if (name === 'snapshot') (body.tags || []).forEach(showTag);
    else if (name === 'change') showTag(body);
    else if (name === 'end') return lost(`the stream ended: ${body.message || ''}`);
    if ((name === 'snapshot' || name === 'level' || name === 'heartbeat') && body.activityLevel !== 'active') {
      lost(`${cfg.nodeName} is ${body.activityLevel}`);
    }
  }

  // Silence past lostAfterMs: the node is killed, hung or cut off (no RST may ever arrive).
  setInterval(() => {
    if (page.mode === 'live' && performance.now() - page.lastEventAt > cfg.lostAfterMs) {
      lost(`no heartbeat for ${Math.round(performance.now() - page.lastEventAt)} ms`);
    }
  }, Math.max(25, Math.min(100, cfg.lostAfterMs / 4)));

  // ---- losing the node and finding the active one ----------------------------------------------------------------

  function lost(reason) {
    if (page.mode !== 'live' && page.mode !== 'starting') return;
    if (page.stream) page.stream.abort();
    page.stream = null;
    setMode('lost');
    const banner = el('lost-banner');
    banner.textContent = `lost ${cfg.nodeName} at ${clock(new Date())} (${reason}); looking for the active node`;
    banner.hidden = false;
    search(reason);
  }

  // The node protects reads (api.protect-reads) and the token field is empty or wrong: the node is fine, the page
  // waits for the token instead of taking the refusal for a lost node.
  function needToken() {
    if (page.stream) page.stream.abort();
    page.stream = null;
    setMode('token');
    el('token-label').hidden = false;
    const banner = el('lost-banner');
    banner.textContent = `${cfg.nodeName} asks for the API token to read: type it into the token field`;
    banner.hidden = false;
  }

  function waitForActive() {
    setMode('waiting');
    const banner = el('lost-banner');
    banner.textContent = `no active node is known now (${cfg.nodeName} is ${cfg.level}); this page moves as soon as one is`;
    banner.hidden = false;
    search(`no active node (${cfg.nodeName} was ${cfg.level})`);
  }

  // Two loops side by side, so a hung node never slows the ask of the other: the first that says active wins.
  function search(reason) {
    const round = ++page.probes;
    const searching = () => page.probes === round && (page.mode === 'lost' || page.mode === 'waiting');
    const ownLoop = async () => {
      while (searching()) {
        if (await levelOf('') === 'active' && searching()) {
          el('lost-banner').hidden = true;
          subscribe();
          return;
        }
        await pause(cfg.pollIntervalMs);
      }
    };
    const peerLoop = async () => {
      while (searching()) {
        if (!page.peer) await learnPeer();
        if (page.peer && await levelOf(page.peer) === 'active' && searching()) {
          moveTo(page.peer, reason);
          return;
        }
        await pause(cfg.pollIntervalMs);
      }
    };
    ownLoop();
    peerLoop();
  }

  function pause(ms) { return new Promise(resolve => setTimeout(resolve, ms)); }

  // The peer's web address from this node's status, when the page was served before the node knew it.
  async function learnPeer() {
    try {
      const answer = await fetchBounded('/api/redundancy', { headers: headers() });
      if (!answer.ok) return;
      const status = await answer.json();
      if (status.peer && status.peer.webAddress) page.peer = status.peer.webAddress.replace(/\/+$/, '');
    } catch { /* asked again on the next round */ }
  }

  function moveTo(base, reason) {
    setMode('moving');
    const kept = {};
    document.querySelectorAll('input[data-keep]').forEach(input => { if (input.value) kept[input.id] = input.value; });
    const carried = {
      scrollX: window.scrollX, scrollY: window.scrollY, inputs: kept, from: cfg.nodeName, at: Date.now(), reason,
      hash: location.hash.startsWith(`#${TRANSFER_KEY}`) ? '' : location.hash,
    };
    const origin = new URL(base).origin;
    location.assign(`${origin}${location.pathname}${location.search}#${TRANSFER_KEY}${encodeURIComponent(JSON.stringify(carried))}`);
  }

  // A page that arrives from the other node: its scroll position and input back, the banner, the fragment cleaned.
  function restoreTransfer() {
    if (!location.hash.startsWith(`#${TRANSFER_KEY}`)) return;
    let carried;
    try { carried = JSON.parse(decodeURIComponent(location.hash.slice(TRANSFER_KEY.length + 1))); } catch { return; }
    history.replaceState(null, '', `${location.pathname}${location.search}${carried.hash || ''}`);
    for (const [id, value] of Object.entries(carried.inputs || {})) {
      const input = document.getElementById(id);
      if (input && input.hasAttribute('data-keep')) input.value = value;
    }
    window.scrollTo(carried.scrollX || 0, carried.scrollY || 0);
    el('transfer-text').textContent = `transferred to ${cfg.role} at ${clock(new Date(carried.at || Date.now()))}` +
      (carried.from ? ` (from ${carried.from}: ${carried.reason})` : '');
    el('transfer-banner').hidden = false;
  }

  // ---- alarms ----------------------------------------------------------------------------------------------------

  function alarmPrefix() {
    if (cfg.alarms.length === 0) return null;
    let prefix = cfg.alarms[0];
    for (const id of cfg.alarms) while (!id.startsWith(prefix)) prefix = prefix.slice(0, -1);
    return prefix.slice(0, prefix.lastIndexOf('/') + 1);
  }

  async function pollAlarms() {
    clearTimeout(page.alarmTimer);
    if (page.mode !== 'live' || cfg.alarms.length === 0) return;
    try {
      const answer = await fetchBounded(`/api/alarms?prefix=${encodeURIComponent(alarmPrefix())}`, { headers: headers() });
      if (answer.ok) (await answer.json()).alarms.forEach(showAlarm);
    } catch { /* the stream decides whether the node is lost */ }
    if (page.mode === 'live') page.alarmTimer = setTimeout(pollAlarms, ALARM_POLL_MS);
  }

  async function acknowledge(id) {
    const result = el('ack-result');
    result.textContent = `acknowledging ${id}...`;
    try {
      const path = id.split('/').map(encodeURIComponent).join('/');
      const answer = await fetch(`/api/alarms/${path}/ack`, {
        method: 'POST', cache: 'no-store',
        headers: headers({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({ by: `hmi on ${cfg.nodeName}`, note: el('ack-note').value || null }),
      });
      const body = await answer.json().catch(() => ({}));
      if (answer.ok) {
        result.textContent = `acknowledged ${id}`;
        el('ack-note').value = '';
        if (body.alarm) showAlarm(body.alarm);
      } else {
        result.textContent = `refused (${answer.status}): ${body.message || answer.statusText}`;
      }
    } catch (error) {
      result.textContent = `not sent: ${error.message || error}`;
    }
  }

  // ---- start -----------------------------------------------------------------------------------------------------

  el('transfer-dismiss').addEventListener('click', () => { el('transfer-banner').hidden = true; });
  el('api-token').addEventListener('change', () => {
    if (page.mode === 'token') { el('lost-banner').hidden = true; subscribe(); }
  });
  buildTables();
  restoreTransfer();
  if (cfg.waiting) waitForActive(); else subscribe();
  if (!page.peer) setInterval(() => { if (!page.peer && page.mode === 'live') learnPeer(); }, PEER_LEARN_MS);
})();
