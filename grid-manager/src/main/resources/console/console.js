// Roam web console: plain JavaScript over the REST API (no build step, nothing fetched from
// elsewhere). The token stays in this tab's session storage; live updates come from
// GET /api/v1/events, read with fetch() because EventSource cannot send an Authorization header.
"use strict";

const API = "/api/v1";
const LOAD_EVERY_MS = 5000;
// Beyond this many nodes the overview reads their load from one node's gossip, not from each.
const LOAD_ASKED_NODES = 16;
const state = { token: sessionStorage.getItem("roam.token"), clusters: [], nodes: [],
  stream: null, refreshTimer: null, jobsTimer: null, loadTimer: null, routes: null, session: 0,
  lastEventId: null, jobsPage: 0, jobsTotal: 0, loads: new Map(), operation: null };

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
  for (const t of ["refreshTimer", "jobsTimer", "loadTimer"]) { clearTimeout(state[t]); state[t] = null; }
  // Nothing the previous token could see stays in the page.
  state.clusters = [];
  state.nodes = [];
  state.loads = new Map();
  state.operation = null;
  state.lastEventId = null;
  for (const t of ["clusters", "nodes", "jobs", "operation-items"]) $(t).tBodies[0].replaceChildren();
  $("operation").hidden = true;
  $("jobs-count").textContent = "";
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
    follow();
    await refresh();
    route();
    pollLoad();
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
  renderFilterChoices();
  if (currentCluster()) renderCluster();
}

function refreshSoon() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => { state.refreshTimer = null; refresh().catch(() => {}); }, 500);
}

function currentCluster() {
  return location.hash.startsWith("#/cluster/") ? decodeURIComponent(location.hash.substring("#/cluster/".length)) : null;
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
    const load = state.loads.get(n.id);
    const loadCell = el("td", "", "load");
    const memCell = el("td", "", "memory");
    if (load) {
      // Runnable processes per core (of the node's speed): 1.00 is a full node.
      const perCore = load.runnable / Math.max(1, n.cores * (load.speed || n.speed || 1));
      const bar = el("span", "", "bar"); bar.style.width = Math.min(100, Math.round(perCore * 50)) + "px";
      loadCell.append(bar, " " + perCore.toFixed(2));
      loadCell.title = load.runnable.toFixed(2) + " runnable, " + load.jobs + " jobs" + (load.age ? ", " + load.age + " s old" : "");
      if (load.totalMemoryBytes > 0) {
        const used = 1 - load.freeMemoryBytes / load.totalMemoryBytes;
        const mbar = el("span", "", "bar mem"); mbar.style.width = Math.round(used * 50) + "px";
        memCell.append(mbar, " " + Math.round(used * 100) + "%");
      }
    } else {
      loadCell.textContent = "…";
    }
    tr.append(el("td", n.id), el("td", n.cluster), el("td", n.address + ":" + n.port), el("td", n.cores, "num"),
      el("td", n.speed, "num"), el("td", n.runningJobs, "num"), loadCell, memCell);
    return tr;
  }));
}

// Nodes' live load: each node's own measure (the first entry of its gossip view); past
// LOAD_ASKED_NODES nodes, the rest as the first node heard of them by gossip.
async function loadLoads() {
  const session = state.session;
  const asked = state.nodes.slice(0, LOAD_ASKED_NODES);
  const views = await Promise.all(asked.map((n) => api("/nodes/" + encodeURIComponent(n.id) + "/load").catch(() => null)));
  if (session !== state.session) return;
  const loads = new Map();
  for (const view of views) {
    for (const entry of (view || [])) if (!loads.has(entry.node)) loads.set(entry.node, entry);
  }
  asked.forEach((n, i) => { const own = (views[i] || []).find((e) => e.node === n.id); if (own) loads.set(n.id, own); });
  state.loads = loads;
  $("load-age").textContent = "(load as of " + new Date().toLocaleTimeString() + ")";
  renderOverview();
}

function pollLoad() {
  clearTimeout(state.loadTimer);
  if (!state.token) return;
  const next = () => { state.loadTimer = setTimeout(pollLoad, LOAD_EVERY_MS); };
  if ($("overview").hidden) { next(); return; }
  loadLoads().catch(() => {}).finally(next);
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
  const id = currentCluster();
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
      try {
        const started = await api("/clusters/" + encodeURIComponent(id) + "/" + op, { method: "POST" });
        $("cluster-message").textContent = "";
        showOperation(started);
        refreshSoon();
      } catch (e) { if (e.status === 404) $(op).hidden = true; $("cluster-message").textContent = e.message; }
    };
  }
}

// The cluster's latest operation, from GET /operations; kept current by operation events.
async function loadOperation() {
  const id = currentCluster();
  const session = state.session;
  if (!id) return;
  const ops = await api("/operations");
  if (session !== state.session || id !== currentCluster()) return;
  const mine = ops.filter((o) => o.cluster === id).sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  state.operation = null;
  if (mine.length) showOperation(mine[mine.length - 1]); else $("operation").hidden = true;
}

function showOperation(op) {
  if (!op || op.cluster !== currentCluster()) return;
  // Events may arrive out of order with the answer to POST: never go back to an older state.
  const shown = state.operation;
  if (shown && shown.id === op.id && shown.updatedAt > op.updatedAt) return;
  if (shown && shown.id !== op.id && shown.createdAt > op.createdAt) return;
  state.operation = op;
  $("operation").hidden = false;
  $("operation-id").textContent = op.kind.toLowerCase() + " " + op.id;
  $("operation-help").textContent = op.kind === "DETACH"
    ? "Detaching sends the guests running on this cluster back home (or to another attached cluster) and brings " +
      "this cluster's own jobs back from elsewhere, a few at a time, live. Each job is pending, then moving, then done. " +
      "A job waits (and says why) while no node can take it or its move failed and is tried again; it keeps running " +
      "where it was meanwhile, and nothing is killed. The cluster is detached once every job is done."
    : "Attaching makes the cluster take guests and send jobs out again; no job has to move.";
  const st = $("operation-state");
  st.textContent = op.state === "RUNNING" ? "Under way" : op.state === "DONE" ? "Done" : "Failed";
  st.className = "op-" + op.state;
  $("operation-message").textContent = (op.message || "") +
    (op.deadline ? " (deadline " + new Date(op.deadline).toLocaleString() + ", then " + (op.onDeadline === "FAIL" ? "fail" : "keep waiting") + ")" : "");
  const items = op.items || [];
  const count = (pred) => items.filter(pred).length;
  const done = count((i) => i.state === "DONE");
  const waiting = count((i) => i.state === "PENDING" && i.reason);
  $("operation-progress").max = Math.max(1, items.length);
  $("operation-progress").value = items.length ? done : (op.state === "DONE" ? 1 : 0);
  $("operation-summary").textContent = items.length === 0
    ? (op.state === "RUNNING" ? "looking for jobs to move" : "no job had to move")
    : items.length + " job" + (items.length === 1 ? "" : "s") + " to move: " + done + " done, " +
      count((i) => i.state === "MOVING") + " moving, " + waiting + " waiting, " +
      count((i) => i.state === "PENDING" && !i.reason) + " pending, " + count((i) => i.state === "FAILED") + " failed" +
      (op.parallel ? " (" + op.parallel + " at once)" : "");
  $("operation-items").tBodies[0].replaceChildren(...items.map((i) => {
    const tr = el("tr");
    tr.dataset.job = i.job;
    const [label, cls] = progressOf(i);
    const cell = el("td", label, "item-" + cls);
    tr.dataset.state = cls;
    tr.append(el("td", i.job), el("td", i.from || "-"), el("td", i.to || "-"), cell);
    return tr;
  }));
}

function progressOf(item) {
  switch (item.state) {
    case "PENDING": return item.reason ? ["waiting: " + item.reason, "WAITING"] : ["pending", "PENDING"];
    case "MOVING": return ["moving" + (item.to ? " to " + item.to : ""), "MOVING"];
    case "DONE": return ["done" + (item.reason ? " (" + item.reason + ")" : ""), "DONE"];
    default: return ["failed: " + (item.reason || "no reason given"), "FAILED"];
  }
}

function renderFilterChoices() {
  const fill = (select, values) => {
    const chosen = select.value;
    const option = (text, value) => { const o = el("option", text); o.value = value; return o; };
    select.replaceChildren(option("any", ""), ...values.map((v) => option(v, v)));
    select.value = values.includes(chosen) ? chosen : "";
  };
  fill($("filter-cluster"), state.clusters.map((c) => c.id));
  fill($("filter-node"), state.nodes.map((n) => n.id));
}

function jobsQuery() {
  const q = new URLSearchParams();
  const cluster = currentCluster() || $("filter-cluster").value;
  if ($("filter-state").value) q.set("state", $("filter-state").value);
  if (cluster) q.set("cluster", cluster);
  if ($("filter-node").value) q.set("node", $("filter-node").value);
  return q;
}

// One page of the jobs the filters select, newest first: the API lists in id order, so the page
// is cut from the end of the listing.
async function loadJobs() {
  const session = state.session;
  const size = Number($("filter-size").value);
  const q = jobsQuery();
  q.set("limit", "1");
  const first = await api("/jobs?" + q);
  const total = first.total;
  const pages = Math.max(1, Math.ceil(total / size));
  state.jobsPage = Math.min(state.jobsPage, pages - 1);
  const end = total - state.jobsPage * size;
  const offset = Math.max(0, end - size);
  q.set("offset", String(offset));
  q.set("limit", String(Math.max(1, end - offset)));
  const page = await api("/jobs?" + q);
  if (session !== state.session) return;
  state.jobsTotal = page.total;
  renderJobs(page.items.slice(0, Math.max(0, end - offset)).reverse(), offset, end, pages);
}

function loadJobsSoon() {
  if (state.jobsTimer) return;
  state.jobsTimer = setTimeout(() => { state.jobsTimer = null; loadJobs().catch(() => {}); }, 300);
}

function renderJobs(jobs, offset, end, pages) {
  const cluster = currentCluster();
  const clusterOf = new Map(state.nodes.map((n) => [n.id, n.cluster]));
  $("jobs-title").textContent = cluster ? "Jobs of cluster " + cluster : "Jobs";
  $("filter-cluster-label").hidden = !!cluster;
  $("jobs-relation").hidden = !cluster;
  $("jobs-count").textContent = state.jobsTotal === 0 ? "(none)" : "(" + state.jobsTotal + " in all, newest first)";
  $("jobs-page").textContent = state.jobsTotal === 0 ? "" : "page " + (state.jobsPage + 1) + " of " + pages;
  $("jobs-newer").disabled = state.jobsPage === 0;
  $("jobs-older").disabled = state.jobsPage >= pages - 1;
  $("jobs").tBodies[0].replaceChildren(...jobs.map((j) => {
    const tr = el("tr");
    tr.dataset.job = j.id;
    const cells = [el("td", j.id), el("td", j.state, "state-" + j.state), el("td", j.node), el("td", j.home),
      el("td", j.homeCluster)];
    if (cluster) {
      const on = clusterOf.get(j.node);
      cells.push(el("td", j.homeCluster !== cluster ? "guest" : on && on !== cluster ? "away on " + on : "at home"));
    }
    cells.push(el("td", j.migrations, "num"), el("td", j.owner || "-"), el("td", (j.command || []).join(" ")));
    tr.append(...cells);
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
      // Resumes after the last event seen: the manager replays what was missed, or says reload.
      const headers = { "Authorization": "Bearer " + state.token };
      if (state.lastEventId) headers["Last-Event-ID"] = state.lastEventId;
      const r = await fetch(API + "/events", { headers, signal: controller.signal });
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
          if (session !== state.session) continue;
          const lines = frame.split("\n");
          const id = lines.find((l) => l.startsWith("id: "));
          if (id) state.lastEventId = id.substring(4);
          const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.substring(6)).join("\n");
          if (data) onEvent(JSON.parse(data));
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    $("live").classList.remove("on");
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function onEvent(e) {
  if (e.type === "reload") {
    // Too much was missed (or the manager restarted): read everything again.
    loadJobsSoon();
    refreshSoon();
    if (currentCluster()) loadOperation().catch(() => {});
    return;
  }
  if (e.type.startsWith("job.")) { loadJobsSoon(); refreshSoon(); return; }
  if (e.type.startsWith("operation.")) { if (e.value) showOperation(e.value); refreshSoon(); return; }
  refreshSoon();
}

function route() {
  if (!state.token) { show("login"); return; }
  state.jobsPage = 0;
  if (currentCluster()) {
    show("cluster", "jobs-section");
    $("operation").hidden = true;
    state.operation = null;
    renderCluster();
    loadOperation().catch(() => {});
  } else {
    show("overview", "jobs-section");
  }
  loadJobs().catch(() => {});
}

$("login-form").addEventListener("submit", (ev) => { ev.preventDefault(); login($("token").value.trim()); });
$("logout").addEventListener("click", () => logout());
for (const f of ["filter-state", "filter-cluster", "filter-node", "filter-size"]) {
  $(f).addEventListener("change", () => { state.jobsPage = 0; loadJobs().catch(() => {}); });
}
$("jobs-newer").addEventListener("click", () => { state.jobsPage = Math.max(0, state.jobsPage - 1); loadJobs().catch(() => {}); });
$("jobs-older").addEventListener("click", () => { state.jobsPage++; loadJobs().catch(() => {}); });
window.addEventListener("hashchange", route);
if (state.token) login(state.token); else show("login");
