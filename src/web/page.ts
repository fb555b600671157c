/**
 * The live page, one file with no build step and no library: HTML, CSS and a small script that subscribes
 * to the `ws` feed next to it and redraws. Every URL is relative (ingress serves it under a prefix). Texts
 * in English and German, times and numbers in the browser's locale, all through one formatter each.
 *
 * The chart is a canvas sized to its box in device pixels (redrawn when the box or the pixel ratio
 * changes): import above zero, export below, with time and value axes. What it drew is also written to
 * the canvas's data attributes (points per series, ticks, unit), for tests and for anyone curious.
 */
import { VALUE_KEYS } from '../meter/value-keys.js';
import { VALUE_NAMES } from '../meter/value-names.js';
import { HISTORY_MS } from './live-state.js';

// Names and units come from the tables discovery uses, embedded in the page's script: the two never disagree.
const UNITS = Object.fromEntries(VALUE_KEYS.map((spec) => [spec.key, spec.unit ?? '']));

export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Smart Meter Bridge</title>
<style>
:root{--ok:#2e7d32;--bad:#c62828;--warn:#ef6c00;--idle:#9e9e9e;--fg:#1c1c1c;--muted:#616161;--line:#e0e0e0;--in:#e65100;--out:#2e7d32;--blue:#1565c0}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:var(--fg);background:#f5f5f5;font-size:15px}
header{display:flex;align-items:center;gap:1rem;padding:.7rem 1rem;background:var(--blue);color:#fff}
header h1{font-size:1.15rem;margin:0;flex:1}
#conn{font-size:.85rem;padding:.15rem .6rem;border-radius:1rem;background:rgba(255,255,255,.2)}
#conn[data-state=reconnecting]{background:var(--warn)}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(340px,100%),1fr));gap:.8rem;padding:.8rem;max-width:1400px;margin:0 auto}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.75rem .9rem;min-width:0}
section h2{font-size:.95rem;margin:0 0 .55rem;color:#333}
section.wide{grid-column:1/-1}
@media (min-width:1100px){section.span2{grid-column:span 2}}
@media (max-width:720px){#nowBox{order:-3}#chartSection{order:-2}#phaseBox{order:-1}}
table{border-collapse:collapse;width:100%}td,th{padding:.22rem .35rem;border-bottom:1px solid var(--line);vertical-align:middle}
th{font-weight:600;font-size:.78rem;color:var(--muted);text-align:left}
td.k small{display:block;color:var(--muted);font-size:.75rem;overflow-wrap:anywhere}
.n,td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.s{text-align:right;overflow-wrap:anywhere}
td.u{color:var(--muted);width:1%;white-space:nowrap}
.muted,.note{color:var(--muted);font-size:.82rem}
.big{display:flex;align-items:baseline;gap:.5rem;margin:.1rem 0 .5rem}
#power:empty,#power.none{color:var(--idle)}#power{font-size:2.3rem;font-weight:600;font-variant-numeric:tabular-nums;line-height:1.1}
#direction{font-size:.95rem;font-weight:600}
.in{color:var(--in)}.out{color:var(--out)}
.step{display:flex;gap:.6rem;align-items:flex-start;padding:.35rem 0;border-bottom:1px solid var(--line)}
.dot{width:.8rem;height:.8rem;border-radius:50%;margin-top:.3rem;flex:none;background:var(--idle)}
.ok .dot{background:var(--ok)}.bad .dot{background:var(--bad)}.warn .dot{background:var(--warn)}
.step .t{flex:1}.step .c{font-variant-numeric:tabular-nums;color:var(--muted)}.step .why{font-size:.85rem;color:var(--bad)}
.step .note{display:block}
.chart-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3rem 1rem}
.chart-head h2{flex:1;margin:0}
.legend{font-size:.85rem}.legend span{display:inline-block;margin-right:.9rem;white-space:nowrap}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;vertical-align:-1px;margin-right:.25rem}
#chartBox{position:relative;height:240px;margin-top:.4rem}
@media (max-width:600px){#chartBox{height:200px}#power{font-size:2rem}}
#chart{display:block;width:100%;height:100%;touch-action:pan-y}
#phases td.ph{font-weight:600;width:2.2rem}
.meter{display:flex;align-items:center;gap:.45rem}
.bar{flex:1;height:.55rem;background:#eceff1;border-radius:.3rem;position:relative;overflow:hidden;min-width:2.5rem}
.bar i{position:absolute;left:0;top:0;bottom:0;border-radius:.3rem;background:var(--blue)}
.bar.v i{background:#5c6bc0}.bar.v.warn i{background:var(--warn)}
.bar b{position:absolute;top:0;bottom:0;width:1px;background:#37474f}
.meter .n{min-width:4.6rem}
.hex{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.76rem;overflow-wrap:anywhere;line-height:1.5;margin:.25rem 0 .7rem}
.hex span{padding:0 1px;border-radius:2px}
.mbus-header,.mbus-trailer,.hdlc-header,.hdlc-trailer{background:#bbdefb}.mbus-control{background:#c8e6c9}.transport,.llc{background:#fff9c4}
.glo-header{background:#ffe0b2}.payload{background:#eceff1}
.tele{font-size:.85rem;color:var(--muted)}.tele.bad{color:var(--bad)}.tele b{color:var(--fg);font-weight:600}
a.button{display:inline-block;padding:.4rem .8rem;border-radius:4px;background:var(--blue);color:#fff;text-decoration:none}
#entities a{color:var(--blue)}
</style></head>
<body>
<header><h1 data-t="title">Smart Meter Bridge</h1><span id="conn">…</span></header>
<main>
<section id="nowBox"><h2 data-t="now">Now</h2>
<div class="big"><span id="power">–</span><span id="direction"></span></div>
<table id="summary"></table><p id="totalsNote" class="note"></p><p id="meter" class="muted"></p></section>
<section id="phaseBox" hidden><h2 data-t="phases">Phases</h2><table id="phases"></table><p id="pf" class="muted"></p></section>
<section><h2 data-t="pipeline">What arrives</h2><div id="steps"></div></section>
<section id="chartSection" class="wide"><div class="chart-head"><h2 data-t="power">Power, last 15 minutes</h2>
<div class="legend"><span><i class="swatch" style="background:var(--in)"></i><b data-t="import">import</b></span><span><i class="swatch" style="background:var(--out)"></i><b data-t="exportBelow">export (below zero)</b></span></div></div>
<div id="chartBox"><canvas id="chart" role="img" aria-label="power chart"></canvas></div></section>
<section id="valuesBox" hidden><h2 data-t="values">Values</h2><table id="values"></table></section>
<section class="span2"><h2 data-t="raw">Last telegrams</h2>
<div class="legend"><span class="mbus-header">M-Bus / HDLC</span><span class="mbus-control">C A CI</span><span class="transport">STSAP DTSAP / LLC</span><span class="glo-header" data-t="glo">DLMS ciphering header</span><span class="payload" data-t="payload">payload</span></div>
<div id="raw"></div><a class="button" href="capture.bin" download data-t="download">Download raw capture</a></section>
<section id="entitiesBox" class="wide" hidden><h2 data-t="entities">Home Assistant entities</h2><table id="entities"></table></section>
</main>
<script>
"use strict";
var LOCALE = navigator.language || "en";
var de = LOCALE.toLowerCase().indexOf("de") === 0;
document.documentElement.lang = de ? "de" : "en";
var T = {
  title: ["Smart Meter Bridge", "Smart Meter Bridge"], values: ["Values", "Werte"], pipeline: ["What arrives", "Was ankommt"],
  now: ["Now", "Aktuell"], phases: ["Phases", "Phasen"],
  power: ["Power, last 15 minutes", "Leistung, letzte 15 Minuten"], import: ["import", "Bezug"], export: ["export", "Einspeisung"],
  exportBelow: ["export (below zero)", "Einspeisung (unter null)"],
  raw: ["Last telegrams", "Letzte Telegramme"], glo: ["DLMS ciphering header", "DLMS-Verschlüsselungskopf"], payload: ["payload", "Nutzdaten"],
  download: ["Download raw capture", "Rohdaten herunterladen"], entities: ["Home Assistant entities", "Home-Assistant-Entitäten"],
  live: ["live", "live"], reconnecting: ["reconnecting…", "verbinde neu…"], none: ["No telegram decoded yet.", "Noch kein Telegramm entschlüsselt."],
  meter: ["Meter", "Zähler"], noData: ["No power values yet.", "Noch keine Leistungswerte."],
  voltage: ["Voltage", "Spannung"], current: ["Current", "Strom"], pf: ["Power factor", "Leistungsfaktor"],
  totalsPending: ["Energy totals appear once the next telegram confirms them.", "Zählerstände erscheinen, sobald das nächste Telegramm sie bestätigt."],
  totalsAsOf: ["Energy totals as of {t}, confirmed by the telegram after it.", "Zählerstände von {t}, bestätigt durch das Telegramm danach."],
  s1: ["Bytes from the meter", "Bytes vom Zähler"], s2: ["Frames with valid checksum (M-Bus, HDLC)", "Rahmen mit gültiger Prüfsumme (M-Bus, HDLC)"],
  s3: ["Telegrams reassembled", "Telegramme zusammengesetzt"], s4: ["Decrypted and decoded", "Entschlüsselt und dekodiert"],
  s5: ["Published to MQTT", "An MQTT veröffentlicht"],
  held: ["+ {n} held: a meter's first telegram waits until the next one confirms the meter number (not lost)", "+ {n} zurückgehalten: das erste Telegramm eines Zählers wartet, bis das nächste die Zählernummer bestätigt (nicht verloren)"],
  unsent: ["+ {n} not sent while the broker was not connected (the latest values go out on reconnect)", "+ {n} nicht gesendet, solange der Broker nicht verbunden war (die neuesten Werte folgen beim Verbinden)"],
  dropped: ["+ {n} dropped by the reading guard", "+ {n} von der Plausibilitätsprüfung verworfen"],
  oPublished: ["published, {n} values", "veröffentlicht, {n} Werte"], oUnsent: ["decoded, not sent: broker not connected", "dekodiert, nicht gesendet: Broker nicht verbunden"],
  oHeld: ["held: the meter's first telegram, published from the next one on, which confirms its number", "zurückgehalten: erstes Telegramm des Zählers, veröffentlicht ab dem nächsten, das seine Nummer bestätigt"],
  oTotals: ["energy totals follow with the next telegram", "Zählerstände folgen mit dem nächsten Telegramm"],
  noBytes: ["Nothing arrives: check the adapter, the device and the cable (pins 3 and 4).", "Es kommt nichts an: Adapter, Gerät und Kabel (Pins 3 und 4) prüfen."],
  noFrames: ["Bytes arrive but no valid frame: {t}.", "Bytes kommen an, aber kein gültiger Rahmen: {t}."],
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
  INTERNAL_ERROR: ["A bug in the bridge: please download the capture and report it.", "Ein Fehler in der Bridge: bitte die Aufzeichnung herunterladen und melden."],
  TRUNCATED: ["A telegram was cut short on the line and dropped.", "Ein Telegramm kam abgeschnitten an und wurde verworfen."]
};
function t(k, n) { var e = T[k], s = e ? e[de ? 1 : 0] : k; return n === undefined ? s : s.replace(/\\{[nt]\\}/, String(n)); }
document.querySelectorAll("[data-t]").forEach(function (e) { e.textContent = t(e.getAttribute("data-t")); });
var UNITS = ${JSON.stringify(UNITS)};
var NAMES = ${JSON.stringify(VALUE_NAMES)};
var WINDOW_MS = ${HISTORY_MS};
var STEP_CODES = { s2: ["CHECKSUM", "TRUNCATED", "FRAME_INVALID"], s3: ["SEGMENT_MISSING"], s4: ["NO_KEY", "WRONG_KEY", "AUTH_FAILED", "AXDR_INVALID", "UNSUPPORTED", "INTERNAL_ERROR"], s5: ["COUNTER_REPLAY", "ENERGY_DECREASED", "IMPLAUSIBLE"] };

// One time format and one number format for the whole page, in the browser's locale.
// A 24-hour clock writes 00:05, not 0:05 (German ICU's numeric hour does the latter); a 12-hour one 12:05 AM.
var CYCLE = new Intl.DateTimeFormat(LOCALE, { hour: "numeric" }).resolvedOptions().hourCycle;
var HOUR = CYCLE === "h11" || CYCLE === "h12" ? "numeric" : "2-digit";
var TIME = new Intl.DateTimeFormat(LOCALE, { hour: HOUR, minute: "2-digit", second: "2-digit" });
var TIME_HM = new Intl.DateTimeFormat(LOCALE, { hour: HOUR, minute: "2-digit" });
var NUMBERS = {};
function num(v, digits) {
  var key = digits === undefined ? "max" : String(digits), f = NUMBERS[key];
  if (!f) f = NUMBERS[key] = new Intl.NumberFormat(LOCALE, digits === undefined ? { useGrouping: false, maximumFractionDigits: 6 } : { useGrouping: false, minimumFractionDigits: digits, maximumFractionDigits: digits });
  return f.format(v);
}
function fmtTime(ms) { return TIME.format(new Date(ms)); }
function fmtPower(w) { var a = Math.abs(w); return a >= 1000 ? num(w / 1000, a >= 10000 ? 1 : 2) + " kW" : num(Math.round(w), 0) + " W"; }

function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
/** Every time on the page goes through here: one format, the moment in data-time, the meter's own text as a tooltip. */
function timeEl(ms, original) {
  var e = el("time", "time", fmtTime(ms)); e.setAttribute("data-time", String(ms));
  e.dateTime = new Date(ms).toISOString(); if (original) e.title = original; return e;
}
function explain(err) { return err ? (T[err.code] ? t(err.code) + " (" + err.code + ")" : err.code + ": " + err.message) : ""; }
function isNum(v) { return typeof v === "number" && isFinite(v); }

var last = null;
function render(s) {
  last = s;
  var tg = s.telegram, v = tg ? tg.values : {};
  renderNow(tg, v);
  renderPhases(v);
  renderValues(tg);
  renderSteps(s);
  renderRecent(s.recent);
  renderEntities(s.entities || {});
  scheduleChart();
}

function renderNow(tg, v) {
  var power = document.getElementById("power"), dir = document.getElementById("direction");
  var net = isNum(v.power) ? v.power : isNum(v.power_in) || isNum(v.power_out) ? (v.power_in || 0) - (v.power_out || 0) : null;
  power.textContent = net === null ? "–" : fmtPower(Math.abs(net));
  power.className = net === null ? "none" : net < 0 ? "out" : "in";
  dir.textContent = net === null ? "" : net < 0 ? t("export") : t("import");
  dir.className = power.className;
  var rows = document.getElementById("summary"); rows.replaceChildren();
  [["power_in", "in"], ["power_out", "out"], ["energy_in", "in"], ["energy_out", "out"]].forEach(function (r) {
    if (!tg || (!(r[0] in v) && r[0].indexOf("energy") !== 0)) return;
    var tr = el("tr"); tr.setAttribute("data-summary", r[0]);
    tr.append(el("td", "", NAMES[r[0]][de ? "de" : "en"]));
    var has = isNum(v[r[0]]);
    tr.append(el("td", "n " + r[1], has ? (UNITS[r[0]] === "W" ? fmtPower(v[r[0]]) : num(v[r[0]], 3) + " " + UNITS[r[0]]) : "…"));
    rows.append(tr);
  });
  var note = document.getElementById("totalsNote"); note.replaceChildren();
  if (tg && !("energy_in" in v) && !("energy_out" in v)) note.textContent = t("totalsPending");
  else if (tg && tg.totals_time && isFinite(Date.parse(tg.totals_time))) {
    var parts = t("totalsAsOf").split("{t}");
    note.append(parts[0], timeEl(Date.parse(tg.totals_time), tg.totals_time), parts[1] || "");
  }
  var meter = document.getElementById("meter"); meter.replaceChildren();
  if (!tg) { meter.textContent = t("none"); meter.removeAttribute("data-frame-counter"); return; }
  meter.setAttribute("data-frame-counter", String(tg.frame_counter === undefined ? "" : tg.frame_counter));
  meter.append(t("meter") + " " + (tg.meter_id || tg.system_title || "?"));
  var at = tg.time === undefined ? NaN : Date.parse(tg.time);
  if (isFinite(at)) { meter.append(", "); meter.append(timeEl(at, tg.time)); }
}

var currentScale = 0;
function renderPhases(v) {
  var table = document.getElementById("phases"); table.replaceChildren();
  var phases = [1, 2, 3].filter(function (i) { return isNum(v["voltage_l" + i]) || isNum(v["current_l" + i]); });
  document.getElementById("phaseBox").hidden = phases.length === 0;
  var pf = document.getElementById("pf"); pf.textContent = isNum(v.power_factor) ? t("pf") + " " + num(v.power_factor, 3) : "";
  if (phases.length === 0) return;
  // The current bars share one scale, a common fuse size, that only grows: bars do not jump between telegrams.
  phases.forEach(function (i) { var a = v["current_l" + i]; if (isNum(a)) while (a > currentScale) currentScale = [16, 25, 35, 50, 63, 80, 100, 160, 250].filter(function (s) { return s > currentScale; })[0] || a; });
  if (currentScale === 0) currentScale = 16;
  var head = el("tr"); head.append(el("th", "", ""), el("th", "", t("voltage") + " (V)"), el("th", "", t("current") + " (A, 0–" + currentScale + ")")); table.append(head);
  phases.forEach(function (i) {
    var u = v["voltage_l" + i], a = v["current_l" + i], tr = el("tr");
    tr.setAttribute("data-phase", "L" + i);
    tr.append(el("td", "ph", "L" + i));
    var tdU = el("td"), tdA = el("td");
    if (isNum(u)) {
      // 200–260 V, the mark at 230 V; outside 230 V ± 10 % (EN 50160) the bar turns orange.
      var bu = el("div", "bar v" + (u < 207 || u > 253 ? " warn" : "")), fu = el("i"), mark = el("b");
      fu.style.width = Math.max(0, Math.min(100, ((u - 200) / 60) * 100)) + "%"; mark.style.left = "50%"; bu.append(fu, mark);
      var mu = el("div", "meter"); mu.append(bu, el("span", "n", num(u, 1) + " V")); tdU.append(mu); tr.setAttribute("data-voltage", String(u));
    }
    if (isNum(a)) {
      var ba = el("div", "bar"), fa = el("i"); fa.style.width = Math.min(100, (a / currentScale) * 100) + "%"; ba.append(fa);
      var ma = el("div", "meter"); ma.append(ba, el("span", "n", num(a, 2) + " A")); tdA.append(ma); tr.setAttribute("data-current", String(a));
    }
    tr.append(tdU, tdA); table.append(tr);
  });
}

function renderValues(tg) {
  var values = document.getElementById("values"); values.replaceChildren();
  document.getElementById("valuesBox").hidden = !tg;
  if (!tg) return;
  Object.keys(tg.values).forEach(function (k) {
    var v = tg.values[k], tr = el("tr"), name = el("td", "k", NAMES[k] ? NAMES[k][de ? "de" : "en"] : k);
    name.append(el("small", "", k)); tr.setAttribute("data-key", k); tr.append(name);
    if (typeof v === "number") { tr.append(el("td", "n", num(v))); tr.append(el("td", "u", UNITS[k] || "")); }
    else { var text = el("td", "s", String(v)); text.colSpan = 2; tr.append(text); }
    values.append(tr);
  });
}

function renderSteps(s) {
  var st = s.stats, c = s.counts, err = st.lastError, decodedLast = st.lastTelegramAt || 0;
  var recentErr = err && err.at >= decodedLast ? err : null;
  function stepState(id, count, extraBad) {
    if (extraBad) return "bad";
    if (recentErr && STEP_CODES[id] && STEP_CODES[id].indexOf(recentErr.code) >= 0) return id === "s5" ? "warn" : "bad";
    return count > 0 ? "ok" : "idle";
  }
  // Decoded = published + held + unsent + dropped: every decoded telegram is accounted for below step 5.
  var notes = [];
  if (c.held) notes.push(["held", t("held", c.held)]);
  if (c.unsent) notes.push(["unsent", t("unsent", c.unsent)]);
  if (c.dropped) notes.push(["dropped", t("dropped", c.dropped)]);
  var steps = [
    ["s1", st.bytesReceived, false, st.bytesReceived === 0 ? t("noBytes") : ""],
    ["s2", st.framesValid, st.bytesReceived > 600 && st.framesValid === 0, st.bytesReceived > 600 && st.framesValid === 0 ? t("noFrames", de ? s.lineAdvice.de : s.lineAdvice.en) : ""],
    ["s3", st.telegramsReassembled, false, ""],
    ["s4", c.decoded, false, ""],
    ["s5", c.published, !s.mqttConnected, s.mqttConnected ? "" : t("mqttDown")]
  ];
  var box = document.getElementById("steps"); box.replaceChildren();
  steps.forEach(function (p) {
    var state = stepState(p[0], p[1], p[2]);
    var d = el("div", "step " + state); d.setAttribute("data-step", p[0]); d.setAttribute("data-state", state); d.setAttribute("data-count", String(p[1]));
    d.append(el("span", "dot"));
    var text = el("div", "t", t(p[0]));
    var why = p[3] || (recentErr && STEP_CODES[p[0]] && STEP_CODES[p[0]].indexOf(recentErr.code) >= 0 ? explain(recentErr) : "");
    if (why) { text.append(el("br")); text.append(el("span", "why", why)); }
    if (p[0] === "s5") notes.forEach(function (n) { var e = el("span", "note", n[1]); e.setAttribute("data-note", n[0]); text.append(e); d.setAttribute("data-" + n[0], String(c[n[0]])); });
    d.append(text); d.append(el("span", "c", num(p[1], 0))); box.append(d);
  });
}

function renderRecent(recent) {
  var raw = document.getElementById("raw"); raw.replaceChildren();
  recent.forEach(function (r) {
    var good = r.outcome === "published" || r.outcome === "held" || r.outcome === "unsent";
    var line = el("div", "tele" + (good ? "" : " bad")); line.setAttribute("data-outcome", r.outcome);
    line.append(timeEl(r.at), "  ");
    if (r.outcome === "published") line.append(el("b", "", t("oPublished", r.values)), r.totalsPending ? " · " + t("oTotals") : "");
    else if (r.outcome === "unsent") line.append(el("b", "", t("oUnsent")));
    else if (r.outcome === "held") line.append(el("b", "", t("oHeld")));
    else line.append(el("b", "", r.outcome), " " + (T[r.outcome] ? t(r.outcome) : r.message || ""));
    raw.append(line);
    r.frames.forEach(function (f) { var h = el("div", "hex"); f.forEach(function (sp) { h.append(el("span", sp.layer, sp.hex.replace(/(..)/g, "$1 ").trim() + " ")); }); raw.append(h); });
  });
}

function renderEntities(entities) {
  var keys = Object.keys(entities); document.getElementById("entitiesBox").hidden = keys.length === 0;
  var et = document.getElementById("entities"); et.replaceChildren();
  keys.forEach(function (k) { var tr = el("tr"); tr.append(el("td", "", k)); var td = el("td"); var a = el("a", "", entities[k]);
    a.href = "/history?entity_id=" + encodeURIComponent(entities[k]); a.target = "_top"; td.append(a); tr.append(td); et.append(tr); });
}

// ---- the chart ----
var canvas = document.getElementById("chart"), chartBox = document.getElementById("chartBox"), hoverX = null, chartQueued = false;
function scheduleChart() { if (chartQueued) return; chartQueued = true; requestAnimationFrame(function () { chartQueued = false; drawChart(); }); }
if (window.ResizeObserver) new ResizeObserver(scheduleChart).observe(chartBox);
window.addEventListener("resize", scheduleChart);
(function watchRatio() { // zooming or moving to another screen changes the pixel ratio
  var q = window.matchMedia("(resolution: " + (window.devicePixelRatio || 1) + "dppx)");
  q.addEventListener("change", function () { scheduleChart(); watchRatio(); }, { once: true });
})();
canvas.addEventListener("pointermove", function (e) { hoverX = e.clientX - canvas.getBoundingClientRect().left; scheduleChart(); });
canvas.addEventListener("pointerleave", function () { hoverX = null; scheduleChart(); });

/** 1, 2, 2.5 or 5 × 10^k, the smallest of them at least x. */
function niceStep(x) {
  var p = Math.pow(10, Math.floor(Math.log10(x))), f = x / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}
var TIME_STEPS = [1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5];
var MIN_SPAN_MS = 3e3;

function drawChart() {
  var dpr = window.devicePixelRatio || 1, box = canvas.getBoundingClientRect(), w = box.width, h = box.height;
  if (w < 10 || h < 10) return;
  var bw = Math.round(w * dpr), bh = Math.round(h * dpr);
  if (canvas.width !== bw) canvas.width = bw;
  if (canvas.height !== bh) canvas.height = bh;
  var g = canvas.getContext("2d"); g.setTransform(bw / w, 0, 0, bh / h, 0, 0); g.clearRect(0, 0, w, h);
  var css = getComputedStyle(document.documentElement), colIn = css.getPropertyValue("--in").trim(), colOut = css.getPropertyValue("--out").trim();
  g.font = "11px system-ui,sans-serif"; g.textBaseline = "middle";
  var now = last ? last.now : Date.now();
  var pts = (last ? last.history : []).filter(function (p) { return p[0] >= now - WINDOW_MS && p[0] <= now; });
  var info = { importPoints: 0, exportPoints: 0, importMax: 0, exportMax: 0 };
  pts.forEach(function (p) {
    if (isNum(p[1])) { info.importPoints++; info.importMax = Math.max(info.importMax, p[1]); }
    if (isNum(p[2])) { info.exportPoints++; info.exportMax = Math.max(info.exportMax, p[2]); }
  });
  canvas.setAttribute("data-import-points", String(info.importPoints)); canvas.setAttribute("data-export-points", String(info.exportPoints));
  canvas.setAttribute("data-import-max", String(info.importMax)); canvas.setAttribute("data-export-max", String(info.exportMax));
  if (pts.length === 0) {
    g.fillStyle = "#757575"; g.textAlign = "center"; g.font = "14px system-ui,sans-serif"; g.fillText(t("noData"), w / 2, h / 2);
    canvas.setAttribute("data-x-ticks", "[]"); canvas.setAttribute("data-y-ticks", "[]"); canvas.removeAttribute("data-unit");
    return;
  }

  // Value axis: import up, export down, nice steps, W or kW.
  var top = info.importMax, bottom = -info.exportMax;
  if (top - bottom < 100) top = bottom + 100;
  var padT = 10, padB = 22, plotH = h - padT - padB;
  var step = niceStep((top - bottom) / Math.max(2, Math.min(6, Math.floor(plotH / 38))));
  var lo = Math.floor(bottom / step) * step || 0, hi = Math.ceil(top / step) * step; // || 0: no "-0 W" 
  var kw = Math.max(Math.abs(hi), Math.abs(lo)) >= 2000, unit = kw ? "kW" : "W";
  var decimals = 0; if (kw) while (decimals < 3 && Math.abs(Math.round(step / 1000 * Math.pow(10, decimals)) - step / 1000 * Math.pow(10, decimals)) > 1e-9) decimals++;
  var yTicks = [];
  for (var i = 0; lo + i * step <= hi + step / 2; i++) { var v = lo + i * step; yTicks.push({ v: v, label: num(kw ? v / 1000 : v, decimals) + " " + unit }); }
  var padL = 8 + yTicks.reduce(function (m, tk) { return Math.max(m, g.measureText(tk.label).width); }, 0) + 6, padR = 10, plotW = w - padL - padR;
  function y(val) { return padT + ((hi - val) / (hi - lo)) * plotH; }

  // Time axis: from the first point (or the window's start) to now; a short history fills the width.
  var t1 = now, t0 = Math.max(now - WINDOW_MS, pts[0][0]);
  if (t1 - t0 < MIN_SPAN_MS) t0 = t1 - MIN_SPAN_MS;
  function x(ms) { return padL + ((ms - t0) / (t1 - t0)) * plotW; }
  var sample = g.measureText(TIME.format(new Date(2000, 0, 1, 22, 22, 22))).width + 18;
  var tStep = TIME_STEPS.filter(function (s) { return (t1 - t0) / s <= Math.max(1, Math.floor(plotW / sample)); })[0] || TIME_STEPS[TIME_STEPS.length - 1];
  var tFormat = tStep < 6e4 ? TIME : TIME_HM, xTicks = [];
  for (var tt = Math.ceil(t0 / tStep) * tStep; tt <= t1; tt += tStep) xTicks.push({ t: tt, label: tFormat.format(new Date(tt)) });

  // Grid and labels.
  g.lineWidth = 1;
  yTicks.forEach(function (tk) {
    var yy = Math.round(y(tk.v)) + 0.5;
    g.strokeStyle = tk.v === 0 ? "#9e9e9e" : "#eeeeee"; g.beginPath(); g.moveTo(padL, yy); g.lineTo(w - padR, yy); g.stroke();
    g.fillStyle = "#616161"; g.textAlign = "right"; g.fillText(tk.label, padL - 6, yy);
  });
  g.textAlign = "center";
  xTicks.forEach(function (tk) {
    var xx = Math.round(x(tk.t)) + 0.5;
    g.strokeStyle = "#f2f2f2"; g.beginPath(); g.moveTo(xx, padT); g.lineTo(xx, padT + plotH); g.stroke();
    g.strokeStyle = "#bdbdbd"; g.beginPath(); g.moveTo(xx, padT + plotH); g.lineTo(xx, padT + plotH + 4); g.stroke();
    var half = g.measureText(tk.label).width / 2;
    g.fillStyle = "#616161"; g.fillText(tk.label, Math.min(w - half - 1, Math.max(half + 1, xx)), h - padB / 2 + 2);
  });

  // The series: a gap of more than three telegram intervals (at least 15 s) breaks the line.
  var gaps = pts.slice(1).map(function (p, i) { return p[0] - pts[i][0]; }).sort(function (a, b) { return a - b; });
  var gapMs = Math.max(15e3, 3 * (gaps.length ? gaps[Math.floor(gaps.length / 2)] : 0));
  g.save(); g.beginPath(); g.rect(padL, padT - 1, plotW, plotH + 2); g.clip();
  [[1, 1, colIn], [2, -1, colOut]].forEach(function (series) {
    var idx = series[0], sign = series[1], runs = [], run = [];
    pts.forEach(function (p, i) {
      if (!isNum(p[idx]) || (run.length && p[0] - pts[i - 1][0] > gapMs)) { if (run.length) runs.push(run); run = []; }
      if (isNum(p[idx])) run.push([x(p[0]), y(sign * p[idx]), p[idx] === 0]);
    });
    if (run.length) runs.push(run);
    var zero = y(0);
    runs.forEach(function (r) {
      g.globalAlpha = 0.16; g.fillStyle = series[2]; g.beginPath(); g.moveTo(r[0][0], zero);
      r.forEach(function (q) { g.lineTo(q[0], q[1]); }); g.lineTo(r[r.length - 1][0], zero); g.closePath(); g.fill();
      g.globalAlpha = 1; g.strokeStyle = series[2]; g.lineWidth = 1.75; g.lineJoin = "round"; g.beginPath();
      // Along zero the line would hide the axis and the other series: only the fill's edge shows there.
      r.forEach(function (q, i) { if (i && !(q[2] && r[i - 1][2])) g.lineTo(q[0], q[1]); else g.moveTo(q[0], q[1]); }); g.stroke();
      if (r.length === 1) { g.fillStyle = series[2]; g.beginPath(); g.arc(r[0][0], r[0][1], 2.5, 0, 2 * Math.PI); g.fill(); }
    });
  });
  g.restore();

  // Where the pointer is: that telegram's time and both powers.
  if (hoverX !== null && hoverX >= padL && hoverX <= w - padR) {
    var near = pts.reduce(function (b, p) { return Math.abs(x(p[0]) - hoverX) < Math.abs(x(b[0]) - hoverX) ? p : b; }, pts[0]);
    var hx = Math.round(x(near[0])) + 0.5;
    g.strokeStyle = "#757575"; g.setLineDash([3, 3]); g.beginPath(); g.moveTo(hx, padT); g.lineTo(hx, padT + plotH); g.stroke(); g.setLineDash([]);
    var lines = [[TIME.format(new Date(near[0])), "#1c1c1c"]];
    if (isNum(near[1])) lines.push([t("import") + " " + fmtPower(near[1]), colIn]);
    if (isNum(near[2])) lines.push([t("export") + " " + fmtPower(near[2]), colOut]);
    var bwid = lines.reduce(function (m, l) { return Math.max(m, g.measureText(l[0]).width); }, 0) + 12, bhgt = lines.length * 15 + 6;
    var bx = hx + 8 + bwid > w - padR ? hx - 8 - bwid : hx + 8;
    g.fillStyle = "rgba(255,255,255,.92)"; g.strokeStyle = "#bdbdbd"; g.fillRect(bx, padT + 2, bwid, bhgt); g.strokeRect(bx + 0.5, padT + 2.5, bwid - 1, bhgt - 1);
    g.textAlign = "left"; lines.forEach(function (l, i) { g.fillStyle = l[1]; g.fillText(l[0], bx + 6, padT + 12 + i * 15); });
  }
  canvas.setAttribute("data-unit", unit);
  canvas.setAttribute("data-x-from", String(t0)); canvas.setAttribute("data-x-to", String(t1)); canvas.setAttribute("data-zero-y", String(y(0)));
  canvas.setAttribute("data-y-ticks", JSON.stringify(yTicks.map(function (tk) { return tk.label; })));
  canvas.setAttribute("data-x-ticks", JSON.stringify(xTicks.map(function (tk) { return tk.label; })));
  canvas.setAttribute("data-x-ticks-at", JSON.stringify(xTicks.map(function (tk) { return tk.t; })));
  canvas.setAttribute("aria-label", t("power") + ": " + t("import") + " " + fmtPower(isNum(pts[pts.length - 1][1]) ? pts[pts.length - 1][1] : 0) + ", " + t("export") + " " + fmtPower(isNum(pts[pts.length - 1][2]) ? pts[pts.length - 1][2] : 0));
}

var delay = 1000;
function connect() {
  var url = new URL("ws", location.href); url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  var ws = new WebSocket(url.href), conn = document.getElementById("conn");
  ws.onopen = function () { delay = 1000; conn.textContent = t("live"); conn.setAttribute("data-state", "live"); };
  ws.onmessage = function (m) { render(JSON.parse(m.data)); };
  ws.onclose = function () { conn.textContent = t("reconnecting"); conn.setAttribute("data-state", "reconnecting"); setTimeout(connect, delay); delay = Math.min(delay * 2, 10000); };
}
scheduleChart();
connect();
</script></body></html>`;
