import { INTERFACES_ADVICE, type LineAdvice } from '../bridge/line-advice.js';
import type { BridgeConfig } from './config.js';
import { type CustomerInterface, describeSerial, gridOperator } from './grid-operators.js';

/** Where a meter sends from, as the sentence about the operator's meters says it. */
const INTERFACE_PHRASE: Readonly<Record<CustomerInterface, LineAdvice>> = {
  mbus: {
    en: 'on the M-Bus port (a USB M-Bus slave adapter)',
    de: 'an der M-Bus-Schnittstelle (USB-M-Bus-Slave-Adapter)',
  },
  optical: {
    en: 'on the optical port (an IR read head)',
    de: 'an der optischen Schnittstelle (IR-Lesekopf)',
  },
  p1: { en: 'on the P1 port (a P1 cable)', de: 'an der P1-Schnittstelle (P1-Kabel)' },
};

/**
 * The advice for this configuration: the settings in use beside what the chosen operator's meters send, or
 * what each kind of interface sends when no operator is chosen. A network source's serial settings are the
 * converter's, not ours, so the advice says where to set them.
 */
export function lineAdvice(config: BridgeConfig): LineAdvice {
  const source = config.source;
  const preset = config.meter.operator === undefined ? undefined : gridOperator(config.meter.operator);
  const inUse: LineAdvice =
    source.kind === 'serial'
      ? {
          en: `the settings in use are ${describeSerial(source)}; `,
          de: `eingestellt ist ${describeSerial(source)}; `,
        }
      : source.kind === 'tcp'
        ? {
            en: 'the bytes come over the network, so the serial settings are those of the converter (ser2net or the like); ',
            de: 'die Bytes kommen über das Netzwerk, die seriellen Einstellungen sind also die des Umsetzers (ser2net o. Ä.); ',
          }
        : { en: '', de: '' };
  if (preset === undefined) {
    return { en: inUse.en + INTERFACES_ADVICE.en, de: inUse.de + INTERFACES_ADVICE.de };
  }
  const sends = describeSerial(preset.serial);
  const where = INTERFACE_PHRASE[preset.interface];
  return {
    en: `${inUse.en}${preset.name}'s meters send ${sends} ${where.en}: check baud and parity, the adapter and its wiring`,
    de: `${inUse.de}die Zähler von ${preset.name} senden mit ${sends} ${where.de}: Baudrate und Parität, Adapter und Verkabelung prüfen`,
  };
}
