// meetcast web: the live view on a phone. Plain script, no build step, no library.
// Everything from OBS is put on the page with textContent, never as HTML.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const base = location.pathname.replace(/[^/]*$/, ""); // "/<token>/": the socket is beside
  const wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "ws";
  const SILENT_MS = 4000; // the laptop sends at least once a second: quiet this long = lost
  // What tests and the benchmark read (window.meetcast); nothing secret is ever in it.
  const pub = window.meetcast = { socket: "connecting", state: null, messages: 0,
                                  readyAt: null, switchMs: [], obs: "", levels: {} };
  let ws = null, delay = 500, lastMsg = 0, nextId = 1, scenesKey = "", everOpen = false;
  const pending = new Map(); // request id -> {what, t0}
  const events = [];

  function connect() {
    const sock = new WebSocket(wsUrl);
    ws = sock;
    sock.onopen = () => { delay = 500; everOpen = true; pub.socket = "open";
                          lastMsg = performance.now(); wantLevels(); render(); };
    sock.onmessage = (e) => {
      lastMsg = performance.now();
      pub.messages++;
      let m;
      try { m = JSON.parse(e.data); } catch (err) { return; }
      handle(m);
    };
    sock.onclose = () => { if (ws === sock) lost(); };
    sock.onerror = () => {}; // onclose follows
  }

  function lost() {
    const old = ws;
    ws = null;
    if (old) { old.onclose = old.onmessage = null; try { old.close(); } catch (err) { /* gone */ } }
    pub.socket = "closed";
    for (const [, p] of pending) note(`${p.what}: no answer (the laptop is gone)`, true);
    pending.clear();
    render();
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 4000);
  }

  setInterval(() => { // a phone that slept, or Wi-Fi that vanished, closes nothing: notice it
    if (ws && ws.readyState === WebSocket.OPEN && performance.now() - lastMsg > SILENT_MS) lost();
  }, 1000);

  // Audio levels cost the laptop's link to OBS (an event every 50 ms): asked for only while
  // this page is on screen.
  function wantLevels() {
    if (ws && ws.readyState === WebSocket.OPEN)
      ws.send(JSON.stringify({ do: "levels", on: document.visibilityState === "visible" }));
    if (document.visibilityState !== "visible") drawLevels({});
  }
  document.addEventListener("visibilitychange", wantLevels);

  function drawLevels(inputs) {
    pub.levels = inputs;
    for (const key of ["mic", "desktop"]) {
      const v = inputs[key];
      const db = typeof v === "number" ? v : null;
      $(`level-${key}`).style.width = db === null ? "0" : `${Math.max(0, (db + 60) / 60 * 100)}%`;
      $(`db-${key}`).textContent = db === null ? "—" : `${db.toFixed(0)} dB`;
    }
  }

  function send(req, what) {
    if (!ws || ws.readyState !== WebSocket.OPEN) { note(`${what}: the laptop is not connected`, true); return; }
    const id = nextId++;
    pending.set(id, { what, t0: performance.now(), kind: req.do });
    ws.send(JSON.stringify({ id, ...req }));
    note(`${what}…`);
  }

  function handle(m) {
    if (m.type === "hello") {
      pub.obs = m.obs;
      events.length = 0;
      for (const ev of m.events || []) events.push(ev);
      drawLog();
    } else if (m.type === "state") {
      pub.state = m;
      render();
      if (pub.readyAt === null && m.view) pub.readyAt = performance.now();
    } else if (m.type === "fleet") {
      drawFleet(m.obs || []);
    } else if (m.type === "levels") {
      drawLevels(m.inputs || {});
    } else if (m.type === "event") {
      events.push(m);
      while (events.length > 8) events.shift();
      drawLog();
    } else if (m.type === "done") {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (p && p.kind === "switch" && m.ok) pub.switchMs.push(performance.now() - p.t0);
      const what = p ? p.what : "request";
      const warn = (m.warnings || []).join("; ");
      note(m.ok ? `${what}: ${m.text || "done"}${warn ? " — " + warn : ""}` : `${what}: ${m.text}`,
           !m.ok || !!warn);
    }
  }

  // Several OBS (meetcast web --obs all): each one's health side by side, and which is on
  // air. Names from the config file go in as text, never as HTML.
  function drawFleet(rows) {
    const box = $("fleet");
    box.replaceChildren();
    for (const r of rows) {
      const cell = document.createElement("div");
      cell.className = `obs state-${r.health}`;
      const name = document.createElement("b");
      name.textContent = r.name;
      const fig = document.createElement("span");
      fig.textContent = ` ${r.health} ${r.kbps === null ? "—" : r.kbps} kbps`;
      cell.append(name, fig);
      if (r.on_air) {
        const air = document.createElement("span");
        air.className = "onair";
        air.textContent = "ON AIR";
        cell.append(air);
      }
      box.append(cell);
    }
    box.hidden = rows.length < 2;
    pub.fleet = rows;
  }

  function note(text, bad) {
    const el = $("note");
    el.textContent = text;
    el.className = bad ? "error" : "";
  }

  function hms(s) {
    s = Math.max(0, Math.floor(s));
    const h = Math.floor(s / 3600), mi = Math.floor(s / 60) % 60, se = s % 60;
    return `${h}:${String(mi).padStart(2, "0")}:${String(se).padStart(2, "0")}`;
  }

  function set(id, text, bad) {
    const el = $(id);
    el.textContent = text;
    el.classList.toggle("bad", !!bad);
  }

  function render() {
    const m = pub.state, v = m && m.view;
    const linked = pub.socket === "open";
    const head = $("health"), banner = $("banner");
    let state, why, cls, alarm = "";
    if (!linked) {
      state = "NO LAPTOP"; cls = "OFFLINE";
      why = everOpen ? "this page has lost the laptop; reconnecting…" : "connecting to the laptop…";
      alarm = "This page has lost the laptop (meetcast web). Reconnecting by itself…";
      banner.className = "laptop";
    } else if (!v) {
      state = "…"; cls = "none"; why = "waiting for the first reading from OBS";
    } else if (!v.connected) {
      state = "OFFLINE"; cls = "OFFLINE";
      why = `the laptop has lost OBS at ${pub.obs}; reconnecting…`;
      alarm = "The laptop has lost OBS. Reconnecting by itself…";
      banner.className = "obs";
    } else {
      state = v.health; cls = v.health;
      if (v.health === "STALE") why = `figures ${v.age.toFixed(1)} s old: no reading from OBS`;
      else why = (v.reasons || []).join("; ") || (v.active ? "streaming" : "not streaming");
    }
    head.className = `state-${cls}`;
    $("state").textContent = state;
    $("why").textContent = why;
    banner.textContent = alarm;
    banner.hidden = !alarm;
    $("obs").textContent = pub.obs ? `OBS ${pub.obs}` : "";

    const ready = linked && v && v.connected;
    for (const b of document.querySelectorAll("button:not(#confirm button)")) b.disabled = !ready;
    $("say-text").disabled = !ready;
    if (!v) return;
    set("kbps", v.kbps === null ? "—" : Math.round(v.kbps).toLocaleString("en-US"));
    $("live").textContent = v.active ? `live ${hms(v.live_s)}` : "not live";
    set("drop-network", String(v.totals.network), v.drops.network > 0);
    set("drop-encoder", String(v.totals.encoder), v.drops.encoder > 0);
    set("drop-render", String(v.totals.render), v.drops.render > 0);
    set("congestion", v.congestion.toFixed(2), v.congestion >= m.congestion_warn);
    set("picture", m.picture ? m.picture.text : "—", m.picture && m.picture.lost);
    set("obsload", `${v.cpu.toFixed(1)} % CPU · ${v.fps.toFixed(0)} fps`);
    drawScenes(m.scenes || [], v.scene);
    const mute = $("mute");
    mute.textContent = v.mic_muted === null ? "Microphone: not found"
      : v.mic_muted ? "Microphone MUTED — tap to unmute" : "Microphone on — tap to mute";
    mute.classList.toggle("muted", v.mic_muted === true);
    if (v.mic_muted === null) mute.disabled = true;
    const stream = $("stream");
    stream.textContent = v.active ? "Stop the stream…" : "Start the stream…";
    stream.classList.toggle("danger", !!v.active);
    drawChart(m.chart || []);
  }

  function drawScenes(scenes, current) {
    const box = $("scenes");
    const key = JSON.stringify(scenes);
    if (key !== scenesKey) { // rebuilt only when the list changes: taps are not lost
      scenesKey = key;
      box.replaceChildren(...scenes.map((name) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = name;
        b.dataset.scene = name;
        b.addEventListener("click", () => send({ do: "switch", scene: name }, `switch to “${name}”`));
        return b;
      }));
    }
    const ready = pub.socket === "open" && pub.state && pub.state.view.connected;
    for (const b of box.children) {
      const on = b.dataset.scene === current;
      b.classList.toggle("on-air", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.disabled = !ready;
    }
  }

  function drawChart(points) {
    const c = $("chart"), dpr = window.devicePixelRatio || 1;
    const w = Math.round(c.clientWidth * dpr), h = Math.round(c.clientHeight * dpr);
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    const g = c.getContext("2d");
    g.clearRect(0, 0, w, h);
    const vals = points.filter((p) => p !== null);
    if (!vals.length) return;
    const top = Math.max(...vals) * 1.15 || 1, n = 120, step = w / (n - 1);
    const x0 = w - (points.length - 1) * step;
    g.strokeStyle = "#6fb1ff"; g.lineWidth = 2 * dpr; g.beginPath();
    let pen = false;
    points.forEach((p, i) => {
      if (p === null) { pen = false; return; }
      const x = x0 + i * step, y = h - (p / top) * (h - 4 * dpr) - 2 * dpr;
      if (pen) g.lineTo(x, y); else g.moveTo(x, y);
      pen = true;
    });
    g.stroke();
    g.fillStyle = "#9aa"; g.font = `${11 * dpr}px system-ui, sans-serif`;
    g.fillText(`${Math.round(top / 1.15)} kbps`, 4 * dpr, 12 * dpr);
  }

  function drawLog() {
    $("log").replaceChildren(...events.slice().reverse().map((ev) => {
      const li = document.createElement("li");
      li.textContent = `${hms(ev.t)}  ${ev.text}`;
      li.className = ev.kind;
      return li;
    }));
  }

  $("mute").addEventListener("click", () => {
    const v = pub.state && pub.state.view;
    if (!v || v.mic_muted === null) return;
    send({ do: "mute", muted: !v.mic_muted }, v.mic_muted ? "unmute the microphone" : "mute the microphone");
  });
  $("say").addEventListener("submit", (e) => {
    e.preventDefault();
    send({ do: "say", text: $("say-text").value }, "lower third");
  });
  $("say-clear").addEventListener("click", () => { $("say-text").value = ""; send({ do: "say", text: "" }, "clear the lower third"); });
  $("stream").addEventListener("click", () => {
    const v = pub.state && pub.state.view;
    if (!v) return;
    const start = !v.active, dlg = $("confirm");
    $("confirm-text").textContent = start ? "Start streaming now?"
      : "Stop the live stream? Everyone watching loses it.";
    $("confirm-yes").textContent = start ? "Yes, start" : "Yes, stop";
    dlg.onclose = () => {
      if (dlg.returnValue === "yes") send({ do: "stream", start, confirmed: true }, start ? "start the stream" : "stop the stream");
      else note("nothing changed");
    };
    dlg.returnValue = "";
    dlg.showModal();
  });

  render();
  connect();
})();
