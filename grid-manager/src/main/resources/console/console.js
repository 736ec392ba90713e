// Roam web console: plain JavaScript over the REST API (no build step, nothing fetched from
// elsewhere). The token stays in this tab's session storage; live updates come from
// GET /api/v1/events, read with fetch() because EventSource cannot send an Authorization header.
"use strict";

const API = "/api/v1";
const MAX_JOBS = 500;
const state = { token: sessionStorage.getItem("roam.token"), jobs: new Map(), clusters: [], nodes: [],
  stream: null, refreshTimer: null, routes: null, session: 0 };

const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };

async function api(path, options = {}) {
  const r = await fetch(API + path, { ...options,
    headers: { "Authorization": "Bearer " + state.token, "Content-Type": "application/json", ...(options.headers || {}) } });
  if (r.status === 401) { logout("Your token was refused: " + (await problem(r))); throw new Error("unauthorized"); }
  if (!r.ok) { const e = new Error(await problem(r)); e.status = r.status; throw e; }
  return r.status === 204 ? null : r.json();
}

async function problem(r) {
  try { const p = await r.json(); return p.detail + (p.errors && p.errors.length ? ": " + p.errors.join("; ") : ""); }
  catch (e) { return "HTTP " + r.status; }
}

function show(...ids) {
  for (const s of ["login", "overview", "cluster", "jobs-section"]) $(s).hidden = !ids.includes(s);
}

function logout(message) {
  sessionStorage.removeItem("roam.token");
  state.token = null;
  if (state.stream) state.stream.abort();
  // Answers still on their way for the previous token are dropped when they arrive.
  state.session++;
  clearTimeout(state.refreshTimer);
  state.refreshTimer = null;
  // Nothing the previous token could see stays in the page.
  state.jobs = new Map();
  state.clusters = [];
  state.nodes = [];
  for (const t of ["clusters", "nodes", "jobs"]) $(t).tBodies[0].replaceChildren();
  $("who").textContent = "";
  $("logout").hidden = true;
  $("login-error").textContent = message || "";
  show("login");
}

async function login(token) {
  state.session++;
  state.token = token;
  try {
    const status = await api("/status");
    sessionStorage.setItem("roam.token", token);
    $("who").textContent = "grid " + status.grid;
    $("logout").hidden = false;
    await Promise.all([refresh(), loadJobs()]);
    follow();
    route();
  } catch (e) {
    if (e.message !== "unauthorized") $("login-error").textContent = e.message;
  }
}

async function refresh() {
  const session = state.session;
  const [clusters, nodes] = await Promise.all([api("/clusters"), api("/nodes")]);
  if (session !== state.session) return;
  state.clusters = clusters;
  state.nodes = nodes;
  renderOverview();
  if (location.hash.startsWith("#/cluster/")) renderCluster();
}

function refreshSoon() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => { state.refreshTimer = null; refresh().catch(() => {}); }, 500);
}

function renderOverview() {
  const cb = $("clusters").tBodies[0];
  cb.replaceChildren(...state.clusters.map((c) => {
    const tr = el("tr");
    tr.dataset.cluster = c.id;
    const link = el("a", c.id);
    link.href = "#/cluster/" + c.id;
    const td = el("td"); td.append(link); tr.append(td);
    tr.append(el("td", c.owner), el("td", c.state), el("td", c.nodes, "num"), el("td", c.runningJobs, "num"),
      el("td", c.guestsIn, "num"), el("td", c.guestsOut, "num"),
      el("td", c.policy.acceptGuests ? "up to " + c.policy.maxGuests + " guests" : "no guests"));
    return tr;
  }));
  const nb = $("nodes").tBodies[0];
  nb.replaceChildren(...state.nodes.map((n) => {
    const tr = el("tr");
    tr.dataset.node = n.id;
    const load = n.runningJobs / Math.max(1, n.cores * n.speed);
    const bar = el("span", "", "bar"); bar.style.width = Math.min(100, Math.round(load * 50)) + "px";
    const loadCell = el("td"); loadCell.append(bar, " " + load.toFixed(2));
    tr.append(el("td", n.id), el("td", n.cluster), el("td", n.address + ":" + n.port), el("td", n.cores, "num"),
      el("td", n.speed, "num"), el("td", n.runningJobs, "num"), loadCell);
    return tr;
  }));
}

async function hasRoute(method, template) {
  if (!state.routes) {
    const text = await (await fetch(API + "/openapi.yaml")).text();
    state.routes = text;
  }
  // The API documents every route it has (a test keeps it so): look the operation up there.
  const at = state.routes.indexOf("\n  " + template + ":\n");
  if (at < 0) return false;
  const next = state.routes.indexOf("\n  /", at + 3);
  return state.routes.substring(at, next < 0 ? undefined : next).includes("\n    " + method + ":");
}

async function renderCluster() {
  const id = decodeURIComponent(location.hash.substring("#/cluster/".length));
  const c = state.clusters.find((x) => x.id === id);
  $("cluster-id").textContent = id;
  if (!c) { $("cluster-facts").replaceChildren(el("dd", "no such cluster")); return; }
  const dl = (target, pairs) => $(target).replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", k), el("dd", String(v))]));
  dl("cluster-facts", [["Owner", c.owner], ["State", c.state], ["Nodes", c.nodes], ["Running jobs", c.runningJobs],
    ["Guests in", c.guestsIn], ["Guests out", c.guestsOut], ["Created", c.createdAt]]);
  const p = c.policy;
  dl("cluster-policy", [["Accepts guests", p.acceptGuests ? "yes" : "no"], ["Most guests", p.maxGuests],
    ...(p.partners || []).map((r) => ["Partner " + r.cluster, r.blocked ? "blocked" : "priority " + r.priority]),
    ["Policy version", c.policyVersion < 0 ? "default" : c.policyVersion]]);
  for (const op of ["detach", "attach"]) {
    const wanted = op === "detach" ? c.state === "ATTACHED" : c.state === "DETACHED";
    $(op).hidden = !(wanted && await hasRoute("post", "/api/v1/clusters/{cluster}/" + op));
    $(op).onclick = async () => {
      try { await api("/clusters/" + encodeURIComponent(id) + "/" + op, { method: "POST" }); $("cluster-message").textContent = ""; refreshSoon(); }
      catch (e) { if (e.status === 404) $(op).hidden = true; $("cluster-message").textContent = e.message; }
    };
  }
}

async function loadJobs() {
  const session = state.session;
  const first = await api("/jobs?limit=1");
  const offset = Math.max(0, first.total - MAX_JOBS);
  const page = await api("/jobs?limit=" + MAX_JOBS + "&offset=" + offset);
  if (session !== state.session) return;
  state.jobs = new Map(page.items.map((j) => [j.id, j]));
  renderJobs();
}

function jobNumber(id) { return Number(id.substring(1)); }

function renderJobs() {
  const jobs = [...state.jobs.values()].sort((a, b) => jobNumber(b.id) - jobNumber(a.id)).slice(0, MAX_JOBS);
  $("jobs-count").textContent = "(" + jobs.length + " shown, newest first)";
  $("jobs").tBodies[0].replaceChildren(...jobs.map((j) => {
    const tr = el("tr");
    tr.dataset.job = j.id;
    tr.append(el("td", j.id), el("td", j.state, "state-" + j.state), el("td", j.node), el("td", j.home),
      el("td", j.homeCluster), el("td", j.migrations, "num"), el("td", j.owner || "-"),
      el("td", (j.command || []).join(" ")));
    return tr;
  }));
}

async function follow() {
  if (state.stream) state.stream.abort();
  const session = state.session;
  const controller = new AbortController();
  state.stream = controller;
  while (!controller.signal.aborted && state.token) {
    try {
      const r = await fetch(API + "/events", { headers: { "Authorization": "Bearer " + state.token }, signal: controller.signal });
      if (!r.ok) throw new Error("HTTP " + r.status);
      $("live").classList.add("on");
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.substring(0, cut);
          buffer = buffer.substring(cut + 2);
          const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.substring(6)).join("\n");
          if (data && session === state.session) onEvent(JSON.parse(data));
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    $("live").classList.remove("on");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    if (!controller.signal.aborted) { loadJobs().catch(() => {}); refreshSoon(); }
  }
}

function onEvent(e) {
  if (e.type.startsWith("job.")) {
    if (e.value) state.jobs.set(e.id, e.value); else state.jobs.delete(e.id);
    renderJobs();
  }
  refreshSoon();
}

function route() {
  if (!state.token) { show("login"); return; }
  if (location.hash.startsWith("#/cluster/")) { show("cluster", "jobs-section"); renderCluster(); }
  else show("overview", "jobs-section");
}

$("login-form").addEventListener("submit", (ev) => { ev.preventDefault(); login($("token").value.trim()); });
$("logout").addEventListener("click", () => logout());
window.addEventListener("hashchange", route);
if (state.token) login(state.token); else show("login");
