// The inspector's page: a live list (server-sent events tell that something new is there;
// the list asks for what is newer than its newest row), a detail, a filter, replay, and on
// the emulator its hooks and a fire form. Every value is set as text, never as HTML.
"use strict";
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
let latest = 0, selected = null, loading = false, again = false, hooksShown = false;

function query(after) {
  const p = new URLSearchParams({ after: String(after) });
  if ($("f-type").value.trim()) p.set("type", $("f-type").value.trim());
  if ($("f-text").value.trim()) p.set("q", $("f-text").value.trim());
  return "/api/deliveries?" + p;
}

function marks(d) {
  const m = [];
  if (d.duplicate) m.push("duplicate");
  if (d.duplicateEvents) m.push(d.duplicateEvents + " seen before");
  if (d.replayed) m.push("replayed");
  if (d.error) m.push("failed");
  return m.join(", ");
}

function row(d) {
  const tr = el("tr");
  tr.dataset.id = d.id;
  tr.tabIndex = -1;
  tr.setAttribute("aria-selected", "false");
  const call = d.kind === "verification" ? "verification GET" : d.method + " " + (d.hookName || d.target);
  const status = d.status == null ? "none" : String(d.status);
  tr.append(el("td", String(d.id)), el("td", new Date(d.time).toLocaleTimeString()), el("td", call),
    el("td", status, d.status >= 200 && d.status < 300 ? "ok" : "bad"),
    el("td", d.kind === "delivery" ? String(d.events) : ""), el("td", d.types.join(", "), "types"),
    el("td", marks(d), "mark"), el("td", d.durationMs.toFixed(1)));
  tr.addEventListener("click", () => select(d.id, true));
  return tr;
}

async function load(reset) {
  if (loading) { again = true; return; }
  loading = true;
  try {
    const body = $("list").tBodies[0];
    if (reset) { latest = 0; body.replaceChildren(); }
    const res = await fetch(query(latest));
    const data = await res.json();
    const rows = data.deliveries.map(row);
    body.prepend(...rows);
    latest = Math.max(latest, data.latest);
    $("empty").hidden = body.rows.length > 0;
    const f = data.fill;
    $("bounds").textContent = "Keeps the last " + f.maxRecords.toLocaleString() + " calls and " +
      Math.round(f.maxBytes / 1048576) + " MiB in memory, the oldest dropped first: " + f.kept + " kept" +
      (f.dropped ? ", " + f.dropped + " dropped so far." : ".");
    if (data.host.hooks && !hooksShown) { hooksShown = true; $("emulator").hidden = false; loadHooks(); }
    else if (hooksShown && rows.length) loadHooks();
    if (selected !== null) mark(selected);
  } catch (e) {
    $("status").textContent = "could not read the deliveries: " + e;
  } finally {
    loading = false;
    if (again) { again = false; load(false); }
  }
}

function mark(id) {
  for (const tr of $("list").tBodies[0].rows) {
    const on = tr.dataset.id === String(id);
    tr.setAttribute("aria-selected", on ? "true" : "false");
    if (on) { tr.tabIndex = 0; } else { tr.tabIndex = -1; }
  }
}

async function select(id, focus) {
  selected = id;
  mark(id);
  const tr = $("list").querySelector('tr[data-id="' + id + '"]');
  if (tr && focus) tr.focus();
  const res = await fetch("/api/deliveries/" + id);
  const d = await res.json();
  // Moving fast through the list: an answer for a row no longer selected is dropped.
  if (selected !== id) return;
  const pane = $("detail");
  pane.replaceChildren();
  if (!res.ok) { pane.append(el("p", d.error, "bad")); return; }
  pane.append(el("h2", "#" + d.id + " " + (d.kind === "verification" ? "verification GET" : "delivery POST")));
  const dl = el("dl");
  const add = (k, v, cls) => { if (v !== undefined && v !== null && v !== "") dl.append(el("dt", k), el("dd", v, cls)); };
  add("time", new Date(d.time).toISOString());
  add("target", d.target);
  add("hook", d.hookId ? d.hookId + (d.hookName ? " (" + d.hookName + ")" : "") : null);
  add("answer", (d.status == null ? "no answer" : String(d.status)) + " in " + d.durationMs.toFixed(1) + " ms", d.status >= 200 && d.status < 300 ? "ok" : "bad");
  add("answer body", d.answer);
  add("error", d.error, "bad");
  add("eventId", d.eventId);
  add("events", d.kind === "delivery" ? String(d.events) + (d.types.length ? ": " + d.types.join(", ") : "") : null);
  add("marks", marks(d), "mark");
  add("body", d.bodyBytes + " bytes");
  pane.append(dl);
  if (d.kind === "delivery" && d.bodyBytes > 0) {
    const b = el("button", "Replay (r)");
    b.id = "replay";
    b.addEventListener("click", () => replay(d.id));
    pane.append(b, el("span", "", "replay-result"));
  }
  pane.append(el("h3", "Request headers"));
  const ht = el("table");
  ht.id = "headers";
  for (const [k, v] of d.headers) { const r = el("tr"); r.append(el("td", k), el("td", v)); ht.append(r); }
  pane.append(ht);
  if (d.eventList.length) {
    pane.append(el("h3", "Events"));
    d.eventList.forEach((ev, i) => {
      const det = el("details");
      det.open = d.eventList.length <= 3;
      det.append(el("summary", (i + 1) + ". " + (ev.eventType || "?") + "  " + (ev.uuid || "")), el("pre", JSON.stringify(ev, null, 2)));
      pane.append(det);
    });
  }
  if (d.bodyText) { pane.append(el("h3", "Body"), el("pre", d.bodyText)); }
  if (d.parseError) pane.append(el("p", d.parseError, "bad"));
}

async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

async function replay(id) {
  const out = document.querySelector("#detail .replay-result");
  if (out) out.textContent = " replaying…";
  try { const r = await post("/api/deliveries/" + id + "/replay"); if (out) out.textContent = " " + r.result; }
  catch (e) { if (out) { out.textContent = " " + e.message; out.className = "replay-result bad"; } }
}

async function loadHooks() {
  const res = await fetch("/api/hooks");
  if (!res.ok) return;
  const hooks = await res.json();
  const body = $("hooks").tBodies[0];
  body.replaceChildren(...hooks.map((h) => { const r = el("tr"); r.append(el("td", h.id), el("td", h.name), el("td", h.status), el("td", h.verificationStatus), el("td", h.uri), el("td", (h.eventTypes || []).join(", "), "types")); return r; }));
}

$("fire").addEventListener("submit", async (e) => {
  e.preventDefault();
  const out = $("fire-result");
  out.textContent = "firing…";
  try {
    const s = await post("/api/fire", { eventType: $("fire-type").value.trim(), count: Number($("fire-count").value) });
    out.textContent = "fired " + s.fired + ", delivered " + s.delivered;
  } catch (err) { out.textContent = err.message; }
  loadHooks();
});

let typing;
for (const id of ["f-type", "f-text"]) $(id).addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(() => load(true), 200); });

document.addEventListener("keydown", (e) => {
  if (e.target.matches("input, textarea")) { if (e.key === "Escape") e.target.blur(); return; }
  const rows = [...$("list").tBodies[0].rows];
  const at = rows.findIndex((r) => r.dataset.id === String(selected));
  if (e.key === "ArrowDown" || e.key === "j") { const r = rows[Math.min(at + 1, rows.length - 1)]; if (r) select(Number(r.dataset.id), true); e.preventDefault(); }
  else if (e.key === "ArrowUp" || e.key === "k") { const r = rows[Math.max(at - 1, 0)]; if (r) select(Number(r.dataset.id), true); e.preventDefault(); }
  else if (e.key === "Enter" && selected !== null) { $("detail").focus(); }
  else if (e.key === "r" && selected !== null) { replay(selected); }
  else if (e.key === "/") { $("f-text").focus(); e.preventDefault(); }
});

function live() {
  const source = new EventSource("/api/stream");
  source.addEventListener("open", () => { $("status").textContent = "live"; });
  source.addEventListener("delivery", () => load(false));
  source.addEventListener("error", () => { $("status").textContent = "reconnecting…"; });
}

load(true).then(live);
