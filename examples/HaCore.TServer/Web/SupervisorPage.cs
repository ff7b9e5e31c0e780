namespace HaCore.TServer.Web;

/// <summary>The supervisor page: one HTML file with a script that follows <c>/api/supervisor/stream</c> (server-sent
/// events) and, when its node goes away, reconnects to another node it learned from the stream.</summary>
internal static class SupervisorPage
{
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>HaCore T-Server supervisor</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1em; }
td, th { border: 1px solid #bbb; padding: 2px 8px; font-size: 13px; }
th { background: #eee; }
.leader { background: #d4f7d4; } .down { background: #f7d4d4; } .candidate { background: #f7f3d4; }
#conn { font-weight: bold; }
.agents td.Ready { background: #d4f7d4; } .agents td.BusyReady { background: #d4e4f7; } .agents td.NotReady { background: #eee; }
</style>
</head>
<body>
<h1>HaCore T-Server</h1>
<p>Connected to: <span id="conn">-</span> &middot; updated <span id="at">-</span> &middot; reconnects <span id="reconnects">0</span></p>
<h2>Nodes</h2>
<table id="nodes"><thead><tr><th>node</th><th>role</th><th>term</th><th>leader</th><th>commit</th><th>applied</th><th>SIP port</th><th>SIP 503</th><th>dialogs taken over</th></tr></thead><tbody></tbody></table>
<h2>Agents (<span id="agentCount">0</span>)</h2>
<table id="agents" class="agents"><thead><tr><th>agent</th><th>DN</th><th>state</th><th>work mode</th></tr></thead><tbody></tbody></table>
<h2>Calls (<span id="callCount">0</span>)</h2>
<table id="calls"><thead><tr><th>ConnID</th><th>ANI</th><th>DNIS</th><th>state</th><th>parties</th></tr></thead><tbody></tbody></table>
<script>
let nodes = [location.origin];
const token = new URLSearchParams(location.search).get('access_token') ?? '';
let current = 0, reconnects = 0, source = null;
function esc(s) { return String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
function render(v) {
  document.getElementById('at').textContent = v.at;
  const known = v.nodes.filter(n => n).map(n => 'http://127.0.0.1:' + n.httpPort);
  for (const k of known) if (!nodes.includes(k)) nodes.push(k);
  document.querySelector('#nodes tbody').innerHTML = v.nodes.map((n, i) => n
    ? `<tr class="${n.role}" data-node="${n.nodeId}" data-role="${n.role}"><td>${n.nodeId}</td><td>${n.role}</td><td>${n.term}</td><td>${n.leader}</td><td>${n.commit}</td><td>${n.applied}</td><td>${n.sipPort}</td><td>${n.sip503}</td><td>${n.dialogsTakenOver}</td></tr>`
    : `<tr class="down" data-node="${i + 1}" data-role="down"><td>${i + 1}</td><td>down</td><td colspan="7"></td></tr>`).join('');
  document.getElementById('agentCount').textContent = v.agents.length;
  document.querySelector('#agents tbody').innerHTML = v.agents.map(a =>
    `<tr data-agent="${esc(a.agentId)}" data-state="${esc(a.state)}"><td>${esc(a.agentId)}</td><td>${esc(a.dn)}</td><td class="${esc(a.state)}">${esc(a.state)}</td><td>${esc(a.workMode)}</td></tr>`).join('');
  document.getElementById('callCount').textContent = v.calls.length;
  document.querySelector('#calls tbody').innerHTML = v.calls.map(c =>
    `<tr data-conn="${c.connId}"><td>${c.connId.toString(16)}</td><td>${esc(c.ani)}</td><td>${esc(c.dnis)}</td><td>${esc(c.state)}</td><td>${c.parties.map(p => esc(p.dn) + ':' + esc(p.state)).join(', ')}</td></tr>`).join('');
}
function connect() {
  const base = nodes[current % nodes.length];
  document.getElementById('conn').textContent = base;
  source = new EventSource(base + '/api/supervisor/stream?access_token=' + encodeURIComponent(token));
  source.addEventListener('state', e => render(JSON.parse(e.data)));
  source.onerror = () => {
    source.close();
    current++; reconnects++;
    document.getElementById('reconnects').textContent = reconnects;
    setTimeout(connect, 300);
  };
}
connect();
</script>
</body>
</html>
""";
}
