import type { Bridge } from '../bridge/bridge.js';
import type { Delivery } from '../bridge/delivery.js';
import type { Telegram } from '../meter/meter-model.js';
import { VALUE_KEYS } from '../meter/value-keys.js';

/**
 * Prometheus text exposition (format 0.0.4) for `/metrics`: every value of the latest telegram as a gauge
 * with the meter as labels, and the pipeline's counters. The energy registers are gauges too: they are the
 * meter's readings, not counters this process owns (a meter swap resets them).
 */

const METRIC_UNITS: Readonly<Record<string, string>> = {
  kWh: 'kwh',
  kvarh: 'kvarh',
  W: 'watts',
  var: 'var',
  V: 'volts',
  A: 'amperes',
};

const escapeLabel = (text: string): string =>
  text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export class PrometheusMetrics {
  private last: Telegram | undefined;

  constructor(
    private readonly bridge: Bridge,
    private readonly delivery: Delivery,
  ) {
    bridge.listen({ telegram: (t) => (this.last = t) });
  }

  render(): string {
    const out: string[] = [];
    const metric = (
      name: string,
      type: 'gauge' | 'counter',
      help: string,
      samples: [string, number][],
    ): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples)
        out.push(`${name}${labels} ${Number.isFinite(value) ? value : 'NaN'}`);
    };
    const t = this.last;
    if (t !== undefined) {
      const labels = `{meter_id="${escapeLabel(t.meterId ?? '')}",system_title="${escapeLabel(t.systemTitle ?? '')}"}`;
      for (const spec of VALUE_KEYS) {
        const value = t.values[spec.key];
        if (typeof value !== 'number') continue;
        const unit = spec.unit === undefined ? '' : `_${METRIC_UNITS[spec.unit] ?? ''}`;
        metric(
          `smartmeter_${spec.key}${unit}`,
          'gauge',
          `${spec.key} of the latest telegram${spec.unit === undefined ? '' : ` in ${spec.unit}`}`,
          [[labels, value]],
        );
      }
      const at = Date.parse(t.time ?? '');
      if (Number.isFinite(at))
        metric('smartmeter_telegram_timestamp_seconds', 'gauge', "the meter's clock in the latest telegram", [
          [labels, at / 1000],
        ]);
    }
    const s = this.bridge.stats;
    metric('smartmeter_bridge_bytes_received_total', 'counter', 'bytes received from the source', [
      ['', s.bytesReceived],
    ]);
    metric('smartmeter_bridge_bytes_discarded_total', 'counter', 'bytes that belonged to no frame', [
      ['', s.bytesDiscarded],
    ]);
    metric('smartmeter_bridge_frames_total', 'counter', 'M-Bus frames with a valid checksum', [
      ['', s.framesValid],
    ]);
    metric('smartmeter_bridge_telegrams_total', 'counter', 'telegrams decoded', [['', s.telegramsDecoded]]);
    metric('smartmeter_bridge_telegrams_published_total', 'counter', 'telegrams published to MQTT', [
      ['', this.delivery.telegramsPublished],
    ]);
    const rejects = Object.entries(s.rejectedByCode).map(([code, n]): [string, number] => [
      `{code="${code}"}`,
      n ?? 0,
    ]);
    metric(
      'smartmeter_bridge_rejected_total',
      'counter',
      'telegrams or values rejected, by error code',
      rejects.length > 0 ? rejects : [['{code="none"}', 0]],
    );
    metric('smartmeter_bridge_mqtt_reconnects_total', 'counter', 'MQTT reconnect attempts', [
      ['', this.delivery.reconnects],
    ]);
    metric(
      'smartmeter_bridge_serial_reconnects_total',
      'counter',
      'times the source (serial adapter, TCP) was lost',
      [['', s.sourceReconnects]],
    );
    metric('smartmeter_bridge_mqtt_connected', 'gauge', '1 while connected to the MQTT broker', [
      ['', this.delivery.connected ? 1 : 0],
    ]);
    return `${out.join('\n')}\n`;
  }
}
