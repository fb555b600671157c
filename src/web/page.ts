/**
 * The live page, one file with no build step: HTML, CSS and a small script that subscribes to the `ws`
 * feed next to it and redraws. Every URL is relative (ingress serves it under a prefix). Texts in English
 * and German, chosen by the browser's language.
 */
import { VALUE_KEYS } from '../meter/value-keys.js';
import { VALUE_NAMES } from '../meter/value-names.js';

// Names and units come from the tables discovery uses, embedded in the page's script: the two never disagree.
const UNITS = Object.fromEntries(VALUE_KEYS.map((spec) => [spec.key, spec.unit ?? '']));

export const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Smart Meter Bridge</title>
<style>
:root{--ok:#2e7d32;--bad:#c62828;--warn:#ef6c00;--idle:#9e9e9e;--fg:#1c1c1c;--muted:#616161;--line:#e0e0e0}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:var(--fg);background:#fafafa}
header{display:flex;align-items:center;gap:1rem;padding:.75rem 1.25rem;background:#1565c0;color:#fff}
header h1{font-size:1.2rem;margin:0;flex:1}
#conn{font-size:.85rem;padding:.15rem .6rem;border-radius:1rem;background:rgba(255,255,255,.2)}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:1rem;padding:1rem 1.25rem}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem}
section h2{font-size:1rem;margin:.1rem 0 .6rem}
section.wide{grid-column:1/-1}
table{border-collapse:collapse;width:100%}td{padding:.2rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}
td.k small{display:block;color:var(--muted);font-size:.75rem;overflow-wrap:anywhere}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.s{text-align:right;white-space:nowrap}
td.u{color:var(--muted);width:1%;white-space:nowrap}
.step{display:flex;gap:.6rem;align-items:flex-start;padding:.35rem 0;border-bottom:1px solid var(--line)}
.dot{width:.8rem;height:.8rem;border-radius:50%;margin-top:.3rem;flex:none;background:var(--idle)}
.ok .dot{background:var(--ok)}.bad .dot{background:var(--bad)}.warn .dot{background:var(--warn)}
.step .t{flex:1}.step .c{font-variant-numeric:tabular-nums;color:var(--muted)}.step .why{font-size:.85rem;color:var(--bad)}
canvas{width:100%;height:170px}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.hex{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.78rem;overflow-wrap:anywhere;line-height:1.5;margin:.3rem 0 .8rem}
.hex span{padding:0 1px;border-radius:2px}
.mbus-header,.mbus-trailer{background:#bbdefb}.mbus-control{background:#c8e6c9}.transport{background:#fff9c4}
.glo-header{background:#ffe0b2}.payload{background:#eceff1}
.tele{font-size:.85rem;color:var(--muted)}.tele.bad{color:var(--bad)}
a.button{display:inline-block;padding:.4rem .8rem;border-radius:4px;background:#1565c0;color:#fff;text-decoration:none}
#entities a{color:#1565c0}
</style></head>
<body>
<header><h1 data-t="title">Smart Meter Bridge</h1><span id="conn">…</span></header>
<main>
<section><h2 data-t="values">Values</h2><p id="meter" class="tele"></p><table id="values"></table></section>
<section><h2 data-t="pipeline">What arrives</h2><div id="steps"></div></section>
<section><h2 data-t="power">Power, last minutes</h2><canvas id="chart" width="640" height="170"></canvas>
<div class="legend"><span style="color:#ef6c00">■ <b data-t="import">import</b></span><span style="color:#2e7d32">■ <b data-t="export">export</b></span></div></section>
<section class="wide"><h2 data-t="raw">Last telegrams</h2>
<div class="legend"><span class="mbus-header">M-Bus</span><span class="mbus-control">C A CI</span><span class="transport">STSAP DTSAP</span><span class="glo-header" data-t="glo">DLMS ciphering header</span><span class="payload" data-t="payload">payload</span></div>
<div id="raw"></div><a class="button" href="capture.bin" download data-t="download">Download raw capture</a></section>
<section id="entitiesBox" class="wide" hidden><h2 data-t="entities">Home Assistant entities</h2><table id="entities"></table></section>
</main>
<script>
"use strict";
var de = (navigator.language || "").toLowerCase().indexOf("de") === 0;
var T = {
  title: ["Smart Meter Bridge", "Smart Meter Bridge"], values: ["Values", "Werte"], pipeline: ["What arrives", "Was ankommt"],
  power: ["Power, last minutes", "Leistung, letzte Minuten"], import: ["import", "Bezug"], export: ["export", "Einspeisung"],
  raw: ["Last telegrams", "Letzte Telegramme"], glo: ["DLMS ciphering header", "DLMS-Verschlüsselungskopf"], payload: ["payload", "Nutzdaten"],
  download: ["Download raw capture", "Rohdaten herunterladen"], entities: ["Home Assistant entities", "Home-Assistant-Entitäten"],
  live: ["live", "live"], reconnecting: ["reconnecting…", "verbinde neu…"], none: ["No telegram decoded yet.", "Noch kein Telegramm entschlüsselt."],
  meter: ["Meter", "Zähler"], at: ["at", "um"],
  s1: ["Bytes from the meter", "Bytes vom Zähler"], s2: ["M-Bus frames with valid checksum", "M-Bus-Rahmen mit gültiger Prüfsumme"],
  s3: ["Telegrams reassembled", "Telegramme zusammengesetzt"], s4: ["Decrypted and decoded", "Entschlüsselt und dekodiert"],
  s5: ["Published to MQTT", "An MQTT veröffentlicht"],
  noBytes: ["Nothing arrives: check the adapter, the device and the cable (pins 3 and 4).", "Es kommt nichts an: Adapter, Gerät und Kabel (Pins 3 und 4) prüfen."],
  noFrames: ["Bytes arrive but no valid frame: check 2400 baud 8E1 (parity even).", "Bytes kommen an, aber kein gültiger Rahmen: 2400 Baud 8E1 (gerade Parität) prüfen."],
  mqttDown: ["Not connected to the MQTT broker.", "Keine Verbindung zum MQTT-Broker."],
  WRONG_KEY: ["The key does not fit this meter. Copy it again from your grid operator's portal.", "Der Schlüssel passt nicht zu diesem Zähler. Bitte erneut aus dem Portal des Netzbetreibers kopieren."],
  NO_KEY: ["The telegrams are encrypted and no key is set.", "Die Telegramme sind verschlüsselt, aber kein Schlüssel ist eingetragen."],
  AUTH_FAILED: ["The authentication tag does not verify: check the key and the authentication key.", "Die Signatur stimmt nicht: Schlüssel und Authentifizierungsschlüssel prüfen."],
  UNSUPPORTED: ["This meter sends something this version does not support.", "Dieser Zähler sendet etwas, das diese Version nicht unterstützt."],
  CHECKSUM: ["Frames with a wrong checksum: noise or a loose contact.", "Rahmen mit falscher Prüfsumme: Störungen oder ein Wackelkontakt."],
  SEGMENT_MISSING: ["A telegram arrived incomplete.", "Ein Telegramm kam unvollständig an."],
  AXDR_INVALID: ["A telegram could not be decoded (damaged on the way?).", "Ein Telegramm konnte nicht dekodiert werden (unterwegs beschädigt?)."],
  COUNTER_REPLAY: ["A telegram was repeated and dropped.", "Ein Telegramm wurde wiederholt und verworfen."],
  ENERGY_DECREASED: ["An energy total went down: held until the next telegrams confirm it.", "Ein Zählerstand ging zurück: zurückgehalten, bis die nächsten Telegramme ihn bestätigen."],
  IMPLAUSIBLE: ["A value no household meter can measure (line noise?) was not published.", "Ein Wert, den kein Haushaltszähler messen kann (Störung?), wurde nicht veröffentlicht."],
  TRUNCATED: ["A telegram was cut short on the line and dropped.", "Ein Telegramm kam abgeschnitten an und wurde verworfen."]
};
function t(k) { var e = T[k]; return e ? e[de ? 1 : 0] : k; }
document.querySelectorAll("[data-t]").forEach(function (el) { el.textContent = t(el.getAttribute("data-t")); });
var UNITS = ${JSON.stringify(UNITS)};
var NAMES = ${JSON.stringify(VALUE_NAMES)};
var STEP_CODES = { s2: ["CHECKSUM", "TRUNCATED", "FRAME_INVALID"], s3: ["SEGMENT_MISSING"], s4: ["NO_KEY", "WRONG_KEY", "AUTH_FAILED", "AXDR_INVALID", "UNSUPPORTED"], s5: ["COUNTER_REPLAY", "ENERGY_DECREASED", "IMPLAUSIBLE"] };
function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
function explain(err) { return err ? (T[err.code] ? t(err.code) + " (" + err.code + ")" : err.code + ": " + err.message) : ""; }
function render(s) {
  var tg = s.telegram;
  document.getElementById("meter").textContent = tg ? t("meter") + " " + (tg.meter_id || tg.system_title || "?") + ", " + (tg.time || "") : t("none");
  var values = document.getElementById("values"); values.replaceChildren();
  if (tg) Object.keys(tg.values).forEach(function (k) {
    var v = tg.values[k], tr = el("tr"), name = el("td", "k", NAMES[k] ? NAMES[k][de ? "de" : "en"] : k);
    name.append(el("small", "", k)); tr.setAttribute("data-key", k); tr.append(name);
    if (typeof v === "number") { tr.append(el("td", "n", String(v))); tr.append(el("td", "u", UNITS[k] || "")); }
    else { var text = el("td", "s", String(v)); text.colSpan = 2; tr.append(text); }
    values.append(tr);
  });
  var st = s.stats, err = st.lastError, decodedLast = st.lastTelegramAt || 0;
  var recentErr = err && err.at >= decodedLast ? err : null;
  function stepState(id, count, extraBad) {
    if (extraBad) return "bad";
    if (recentErr && STEP_CODES[id] && STEP_CODES[id].indexOf(recentErr.code) >= 0) return id === "s5" ? "warn" : "bad";
    return count > 0 ? "ok" : "idle";
  }
  var steps = [
    ["s1", st.bytesReceived, false, st.bytesReceived === 0 ? t("noBytes") : ""],
    ["s2", st.framesValid, st.bytesReceived > 600 && st.framesValid === 0, st.bytesReceived > 600 && st.framesValid === 0 ? t("noFrames") : ""],
    ["s3", st.telegramsReassembled, false, ""],
    ["s4", st.telegramsDecoded, false, ""],
    ["s5", st.telegramsPublished, !s.mqttConnected, s.mqttConnected ? "" : t("mqttDown")]
  ];
  var box = document.getElementById("steps"); box.replaceChildren();
  steps.forEach(function (p) {
    var state = stepState(p[0], p[1], p[2]);
    var d = el("div", "step " + state); d.setAttribute("data-step", p[0]); d.setAttribute("data-state", state);
    d.append(el("span", "dot"));
    var text = el("div", "t", t(p[0]));
    var why = p[3] || (recentErr && STEP_CODES[p[0]] && STEP_CODES[p[0]].indexOf(recentErr.code) >= 0 ? explain(recentErr) : "");
    if (why) { text.append(el("br")); text.append(el("span", "why", why)); }
    d.append(text); d.append(el("span", "c", String(p[1]))); box.append(d);
  });
  drawChart(s.history, s.now);
  var raw = document.getElementById("raw"); raw.replaceChildren();
  s.recent.forEach(function (r) {
    raw.append(el("div", "tele" + (r.outcome === "ok" ? "" : " bad"), new Date(r.at).toLocaleTimeString() + "  " + (r.outcome === "ok" ? "OK" : r.outcome)));
    r.frames.forEach(function (f) { var h = el("div", "hex"); f.forEach(function (sp) { h.append(el("span", sp.layer, sp.hex.replace(/(..)/g, "$1 ").trim() + " ")); }); raw.append(h); });
  });
  var keys = Object.keys(s.entities || {}); var eb = document.getElementById("entitiesBox"); eb.hidden = keys.length === 0;
  var et = document.getElementById("entities"); et.replaceChildren();
  keys.forEach(function (k) { var tr = el("tr"); tr.append(el("td", "", k)); var td = el("td"); var a = el("a", "", s.entities[k]);
    a.href = "/history?entity_id=" + encodeURIComponent(s.entities[k]); a.target = "_top"; td.append(a); tr.append(td); et.append(tr); });
}
function drawChart(history, now) {
  var c = document.getElementById("chart"), g = c.getContext("2d"); var w = c.width, h = c.height; g.clearRect(0, 0, w, h);
  var span = 10 * 60 * 1000, pts = history.filter(function (p) { return p[0] >= now - span; });
  var max = 100; pts.forEach(function (p) { max = Math.max(max, p[1], p[2]); });
  g.strokeStyle = "#e0e0e0"; g.beginPath(); g.moveTo(0, h - 1); g.lineTo(w, h - 1); g.stroke();
  g.fillStyle = "#616161"; g.font = "11px sans-serif"; g.fillText(Math.round(max) + " W", 4, 12);
  [[1, "#ef6c00"], [2, "#2e7d32"]].forEach(function (series) {
    g.strokeStyle = series[1]; g.lineWidth = 2; g.beginPath();
    pts.forEach(function (p, i) { var x = w - ((now - p[0]) / span) * w, y = h - 2 - (p[series[0]] / max) * (h - 16); if (i) g.lineTo(x, y); else g.moveTo(x, y); });
    g.stroke();
  });
}
var delay = 1000;
function connect() {
  var url = new URL("ws", location.href); url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  var ws = new WebSocket(url.href), conn = document.getElementById("conn");
  ws.onopen = function () { delay = 1000; conn.textContent = t("live"); conn.setAttribute("data-state", "live"); };
  ws.onmessage = function (m) { render(JSON.parse(m.data)); };
  ws.onclose = function () { conn.textContent = t("reconnecting"); conn.setAttribute("data-state", "reconnecting"); setTimeout(connect, delay); delay = Math.min(delay * 2, 10000); };
}
connect();
</script></body></html>`;
