import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Component, Components, type FailurePolicy } from '../../src/app/component.js';
import { createLogger } from '../../src/log.js';

/**
 * How the composition root starts and stops its components: in order, and in reverse; a fatal failure stops
 * what was started and fails the start with the error; any other costs its component only, in one line.
 */

function recorder() {
  const calls: string[] = [];
  const lines: string[] = [];
  const log = createLogger({ level: 'info', writer: { write: (l) => lines.push(l) } });
  const component = (
    name: string,
    options: { failStart?: Error; failStop?: Error; failure?: FailurePolicy } = {},
  ): Component => ({
    name,
    failure: options.failure ?? 'fatal',
    start: async () => {
      calls.push(`start ${name}`);
      if (options.failStart !== undefined) throw options.failStart;
    },
    stop: () => {
      calls.push(`stop ${name}`);
      if (options.failStop !== undefined) throw options.failStop;
    },
  });
  return { calls, lines, log, component };
}

describe('app: components', () => {
  it('starts in order and stops in reverse', async () => {
    const { calls, log, component } = recorder();
    const components = new Components(log);
    await components.start([component('capture'), component('MQTT'), component('web'), component('source')]);
    await components.stop();
    assert.deepEqual(calls, [
      'start capture',
      'start MQTT',
      'start web',
      'start source',
      'stop source',
      'stop web',
      'stop MQTT',
      'stop capture',
    ]);
    await components.stop();
    assert.equal(calls.length, 8, 'stopped once');
  });

  it('a fatal failure stops what was started, starts nothing after it, and fails with the error itself', async () => {
    const { calls, lines, log, component } = recorder();
    const components = new Components(log);
    const unreadable = new Error('the MQTT CA file /x/ca.pem cannot be read (ENOENT)');
    await assert.rejects(
      components.start([
        component('capture'),
        component('MQTT', { failStart: unreadable }),
        component('source'),
      ]),
      (error) => error === unreadable,
    );
    assert.deepEqual(calls, ['start capture', 'start MQTT', 'stop capture']);
    assert.deepEqual(lines, [], 'the caller says it, in one line');
  });

  it('a failure that costs its component only: one error line, the others run on and stop', async () => {
    const { calls, lines, log, component } = recorder();
    const components = new Components(log);
    const web = component('web', {
      failStart: new Error('listen EADDRINUSE'),
      failure: { without: (error) => `status page not started on port 8099: ${error.message}` },
    });
    await components.start([component('MQTT'), web, component('source')]);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', / ERROR {1,2}status page not started on port 8099: listen EADDRINUSE/);
    await components.stop();
    assert.deepEqual(calls, ['start MQTT', 'start web', 'start source', 'stop source', 'stop MQTT']);
  });

  it('one that fails to stop does not keep the others running', async () => {
    const { calls, lines, log, component } = recorder();
    const components = new Components(log);
    await components.start([component('MQTT'), component('InfluxDB', { failStop: new Error('busy') })]);
    await components.stop();
    assert.deepEqual(calls.slice(2), ['stop InfluxDB', 'stop MQTT']);
    assert.match(lines.join(''), /WARN {2}InfluxDB did not stop cleanly: busy/);
  });
});
