// Status > Redundancy: polls this node and its peer every second (the peer cross-origin, at the web address this
// node's status gives), follows this node's events by id, and draws the peer heartbeat. No library: the chart is a
// plain <canvas>, so the node's build needs no JavaScript tool chain.
"use strict";
(() => {
  const PollMs = 1000;
  const FetchTimeoutMs = 900;       // a dead node is reported within about a second
  const ChartWindowMs = 5 * 60 * 1000;
  const EventsPageSize = 50;
  const MaxEventsShown = 500;

  const state = {
    self: null, selfAt: 0, selfError: null,
    peer: null, peerAt: 0, peerError: null,
    peerWeb: sessionStorage.getItem("rgw.peerWeb"),
    samples: [],                     // { t, phi, rtt }
    events: [], eventsSource: null, lastEventId: 0,
    pendingAction: null,
  };

  const $ = (id) => document.getElementById(id);

  async function getJson(url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), FetchTimeoutMs);
    try {
      const response = await fetch(url, { signal: controller.signal, cache: "no-store" });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Error((body && body.message) || `HTTP ${response.status}`);
      return body;
    } catch (e) {
      throw new Error(e.name === "AbortError" ? `no answer within ${FetchTimeoutMs} ms` : (e.message || String(e)));
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- formatting ----
  function duration(ms) {
    if (ms == null || isNaN(ms)) return "-";
    let s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return (d ? `${d}d ` : "") + (d || h ? `${h}h ` : "") + (d || h || m ? `${m}m ` : "") + `${s}s`;
  }
  const value = (v, unit) => v == null ? "-" : `${v}${unit || ""}`;
  const age = (iso) => iso ? `${duration(Date.now() - Date.parse(iso))} ago` : "never";

  // ---- the two node cards ----
  function renderNode(card, status, fetchedAt, error, address) {
    const field = (name) => card.querySelector(`[data-field="${name}"]`);
    card.classList.toggle("unreachable", !!error || !status);
    field("address").textContent = address || "(not known yet)";
    // Figures kept from the last answer stay shown, greyed, with their age: an operator must not read them as current.
    field("answer").textContent = !error ? ""
      : status ? `no answer: ${error} (figures below from ${duration(Date.now() - fetchedAt)} ago)` : `no answer: ${error}`;
    if (!status) return;
    const since = Date.now() - fetchedAt;
    field("nodeName").textContent = status.nodeName;
    field("role").textContent = status.role;
    const level = field("activityLevel");
    level.textContent = status.activityLevel;
    level.className = `level ${status.activityLevel}`;
    field("epoch").textContent = status.epoch;
    const peer = status.peer || {};
    field("peer").textContent = status.peerConnected
      ? `connected (${peer.state || "?"}, phi ${value(peer.phi != null ? peer.phi.toFixed(2) : null)}, rtt ${value(peer.roundTripMs, " ms")})`
      : `not connected${peer.state ? ` (${peer.state})` : ""}`;
    field("levelUptime").textContent = status.levelUptimeMs == null ? "-" : duration(status.levelUptimeMs + (error ? 0 : since));
    field("uptime").textContent = status.uptimeMs == null ? "-" : duration(status.uptimeMs + (error ? 0 : since));
  }

  function render() {
    const lost = !!state.selfError;
    $("lost-banner").hidden = !lost;
    document.body.classList.toggle("node-lost", lost);
    $("lost-origin").textContent = location.host;
    $("lost-reason").textContent = state.selfError || "";
    renderNode($("node-self"), state.self, state.selfAt, state.selfError, location.origin);
    renderNode($("node-peer"), state.peer, state.peerAt, state.peer || state.peerWeb ? state.peerError : null, state.peerWeb);
    for (const b of document.querySelectorAll(".actions button")) b.disabled = lost;
    renderSync();
    drawChart();
    $("clock").textContent = new Date().toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  function renderSync() {
    // This node's figures; the peer's while this node is lost.
    const s = !state.selfError ? state.self : state.peer;
    $("sync-source").textContent = s ? `(as ${s.nodeName} reports)` : "";
    if (!s) return;
    const c = s.config;
    $("sync-config").textContent = c
      ? `revision ${c.revision} (peer ${value(c.peerRevision)}), ${c.state}, last pull ${age(c.lastPullAt)}` +
        `${c.lastPullMs != null ? ` in ${c.lastPullMs} ms` : ""}, queue ${c.queueLength} (${c.queueBytes} B), transfers ${c.transfers}`
      : "not running";
    const st = s.stateSync;
    $("sync-state").textContent = st
      ? `sequence sent ${st.sequenceSent}, acknowledged ${st.sequenceAcked}, lag ${st.lagMs} ms, full transfers ${st.fullTransfers}, alarms ${st.alarms}`
      : "not running";
    const h = s.history;
    $("sync-history").textContent = h
      ? `${h.state} (${h.store}), ${h.rows} rows / ${h.bytes} B cached, oldest ${value(h.oldestAgeMs, " ms")}, forwarding ${h.forwardRatePerSecond}/s, quarantined ${h.quarantined}`
      : "not running";
  }

  // ---- the heartbeat chart: phi (left axis) and round trip (right axis) ----
  function drawChart() {
    const canvas = $("heartbeat-chart");
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = { l: 40, r: 70, t: 10, b: 20 };
    ctx.clearRect(0, 0, w, h);
    const now = Date.now();
    const points = state.samples.filter(p => now - p.t <= ChartWindowMs);
    const maxPhi = Math.max(1, ...points.map(p => p.phi ?? 0));
    const maxRtt = Math.max(1, ...points.map(p => p.rtt ?? 0));
    const x = (t) => pad.l + (w - pad.l - pad.r) * (1 - (now - t) / ChartWindowMs);
    const y = (v, max) => h - pad.b - (h - pad.t - pad.b) * (v / max);
    ctx.strokeStyle = "#ccd1d8"; ctx.fillStyle = "#5b6675"; ctx.font = "11px system-ui"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(pad.l, pad.t); ctx.lineTo(pad.l, h - pad.b); ctx.lineTo(w - pad.r, h - pad.b); ctx.lineTo(w - pad.r, pad.t); ctx.stroke();
    ctx.fillText(maxPhi.toFixed(1), 4, pad.t + 10); ctx.fillText("0", 4, h - pad.b);
    ctx.fillText(`${maxRtt.toFixed(1)} ms`, w - pad.r + 4, pad.t + 10);
    ctx.fillText("-5 min", pad.l, h - 4); ctx.fillText("now", w - pad.r - 20, h - 4);
    const line = (key, max, color) => {
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
      let open = false;
      for (const p of points) {
        if (p[key] == null) { open = false; continue; }
        if (open) ctx.lineTo(x(p.t), y(p[key], max)); else ctx.moveTo(x(p.t), y(p[key], max));
        open = true;
      }
      ctx.stroke();
    };
    line("phi", maxPhi, "#1f6feb");
    line("rtt", maxRtt, "#d97706");
  }

  function sample() {
    // This node's view of its peer; the peer's view of this node while this node is lost.
    const s = !state.selfError ? state.self : state.peer;
    const p = s && s.peer;
    state.samples.push({ t: Date.now(), phi: p ? p.phi : null, rtt: p ? p.roundTripMs : null });
    const cutoff = Date.now() - ChartWindowMs;
    while (state.samples.length && state.samples[0].t < cutoff) state.samples.shift();
  }

  // ---- polling ----
  async function pollSelf() {
    try {
      state.self = await getJson("/api/redundancy");
      state.selfAt = Date.now();
      state.selfError = null;
      const web = state.self.peer && state.self.peer.webAddress;
      if (web && web !== state.peerWeb) { state.peerWeb = web; sessionStorage.setItem("rgw.peerWeb", web); }
    } catch (e) {
      state.selfError = e.message;
    }
  }

  async function pollPeer() {
    if (!state.peerWeb) { state.peerError = "its web address is not known yet"; return; }
    try {
      state.peer = await getJson(new URL("/api/redundancy", state.peerWeb).href);
      state.peerAt = Date.now();
      state.peerError = null;
    } catch (e) {
      state.peerError = e.message;
    }
  }

  // Events of this node (of the peer while this node is lost), newest first, followed by id: the first page, then
  // older pages (`before`) until the last id already shown, so that a burst larger than a page loses nothing.
  async function pollEvents() {
    const base = !state.selfError ? location.origin : state.peerWeb;
    if (!base) return;
    if (base !== state.eventsSource) { state.eventsSource = base; state.events = []; state.lastEventId = 0; }
    try {
      const fresh = [];
      let before = null;
      for (let page = 0; page < 20; page++) {
        const url = new URL("/api/redundancy/events", base);
        url.searchParams.set("limit", String(EventsPageSize));
        if (before) url.searchParams.set("before", String(before));
        const batch = await getJson(url.href);
        const news = batch.filter(e => e.id > state.lastEventId);
        fresh.push(...news);
        if (state.lastEventId === 0 || news.length < batch.length || batch.length < EventsPageSize) break;
        before = batch[batch.length - 1].id;
      }
      if (base !== state.eventsSource) return;
      if (fresh.length) {
        state.lastEventId = Math.max(state.lastEventId, ...fresh.map(e => e.id));
        state.events = fresh.concat(state.events).slice(0, MaxEventsShown);
        renderEvents();
      }
      $("events-source").textContent = `(of ${base === location.origin ? "this node" : base}, newest first)`;
    } catch { /* shown by the node cards */ }
  }

  function renderEvents() {
    const list = $("events-list");
    list.replaceChildren(...state.events.map(e => {
      const li = document.createElement("li");
      li.dataset.id = e.id;
      const time = document.createElement("time");
      time.textContent = e.time.replace("T", " ").slice(0, 23);
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = e.kind;
      const text = document.createElement("span");
      text.textContent = `${e.reason || ""} (epoch ${e.epoch}${e.level ? `, ${e.level}` : ""})`;
      li.append(time, kind, text);
      return li;
    }));
  }

  // ---- actions, after a confirmation with the token ----
  const actions = {
    failover: { path: "/api/redundancy/failover", title: "Request failover",
      text: "The active node hands over to its peer. Clients reconnect to the new active node." },
    resync: { path: "/api/redundancy/resync", title: "Force re-sync",
      text: "The backup takes a full copy of the master's configuration and restarts its runtime." },
  };

  function ask(name) {
    state.pendingAction = name;
    $("confirm-title").textContent = actions[name].title;
    $("confirm-text").textContent = actions[name].text;
    $("confirm-dialog").showModal();
  }

  async function run(name) {
    const result = $("action-result");
    result.textContent = `${actions[name].title}: sending...`;
    const token = $("token-input").value.trim();
    try {
      const response = await fetch(actions[name].path, {
        method: "POST",
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
      const body = await response.json().catch(() => null);
      result.textContent = `${actions[name].title}: ${response.ok ? "done" : `refused (${response.status})`}: ${(body && body.message) || ""}`;
      result.dataset.outcome = response.ok ? "accepted" : "refused";
    } catch (e) {
      result.textContent = `${actions[name].title}: no answer: ${e.message}`;
      result.dataset.outcome = "failed";
    }
  }

  for (const button of document.querySelectorAll(".actions button")) button.addEventListener("click", () => ask(button.dataset.action));
  $("confirm-dialog").addEventListener("close", () => {
    const name = state.pendingAction;
    state.pendingAction = null;
    if (name && $("confirm-dialog").returnValue === "confirm") run(name);
  });

  async function tick() {
    await Promise.all([pollSelf(), pollPeer(), pollEvents()]);
    sample();
    render();
  }

  // Each round starts a second after the last one began, never two at once.
  (async function loop() {
    const started = Date.now();
    try { await tick(); } finally { setTimeout(loop, Math.max(0, PollMs - (Date.now() - started))); }
  })();
})();
