import { createServer, type Server } from 'node:http';
import type { Bridge } from '../bridge/bridge.js';
import { telegramToJson } from '../decoder/telegram-json.js';
import type { Logger } from '../log.js';
import type { Telegram } from '../meter/meter-model.js';

/**
 * A small HTTP server on the bridge: `/health` for the container's HEALTHCHECK, `/status.json` and a
 * status page at `/` for Home Assistant's ingress panel. Every URL the page uses is relative, so it works
 * under the ingress path prefix. Nothing here knows the key.
 */

export type StatusServer = { readonly port: number; close(): Promise<void> };

export async function startStatusServer(
  bridge: Bridge,
  port: number,
  host: string,
  log: Logger,
): Promise<StatusServer> {
  let last: Telegram | undefined;
  bridge.listen({ telegram: (t) => (last = t) });
  const status = (): Record<string, unknown> => ({
    healthy: true,
    stats: bridge.stats,
    telegram: last === undefined ? null : telegramToJson(last),
  });
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/status.json') {
      response
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(status()));
    } else if (path === '/' || path === '') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  log.info(`status page on http://${host}:${bound}/`);
  return { port: bound, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Smart Meter Bridge</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1c1c1c}table{border-collapse:collapse}
td,th{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.err{color:#b00020}</style></head>
<body><h1>Smart Meter Bridge</h1><p id="state">loading…</p>
<h2>Values</h2><table id="values"></table><h2>Pipeline</h2><table id="stats"></table>
<script>
const units={energy_in:'kWh',energy_out:'kWh',reactive_energy_in:'kvarh',reactive_energy_out:'kvarh',power_in:'W',power_out:'W',power:'W',voltage_l1:'V',voltage_l2:'V',voltage_l3:'V',current_l1:'A',current_l2:'A',current_l3:'A'};
function row(k,v,u){const tr=document.createElement('tr');for(const [t,c] of [[k,''],[v,'n'],[u??'','']]){const td=document.createElement('td');td.textContent=t;if(c)td.className=c;tr.append(td)}return tr}
async function refresh(){try{const s=await (await fetch('status.json')).json();
const t=s.telegram;document.getElementById('state').textContent=t?'Last telegram: '+(t.time??'?')+' (meter '+(t.meter_id??'?')+')':'No telegram decoded yet.';
const v=document.getElementById('values');v.replaceChildren(...Object.entries(t?t.values:{}).map(([k,x])=>row(k,String(x),units[k])));
const st=s.stats;const e=st.lastError;const rows=[['bytes received',st.bytesReceived],['valid M-Bus frames',st.framesValid],['telegrams decoded',st.telegramsDecoded],['telegrams rejected',st.telegramsRejected],['adapter reconnects',st.sourceReconnects]];
const tb=document.getElementById('stats');tb.replaceChildren(...rows.map(([k,x])=>row(k,String(x))));
if(e){const r=row('last error',e.code+': '+e.message);r.className='err';tb.append(r)}}catch(x){document.getElementById('state').textContent='Bridge not reachable: '+x}}
refresh();setInterval(refresh,5000);
</script></body></html>`;
