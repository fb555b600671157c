import { INTERFACES_ADVICE, type LineAdvice } from '../bridge/line-advice.js';
import type { BridgeConfig } from './config.js';
import { type CustomerInterface, describeSerial, gridOperator, INTERFACE_NAMES } from './grid-operators.js';

/** Where a meter sends from, in German; the English is INTERFACE_NAMES's, as the log and the manual name it. */
const INTERFACE_DE: Readonly<Record<CustomerInterface, string>> = {
  mbus: 'an der M-Bus-Schnittstelle (USB-M-Bus-Slave-Adapter)',
  optical: 'an der optischen Schnittstelle (IR-Lesekopf)',
  p1: 'an der P1-Schnittstelle (P1-Kabel)',
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
  return {
    en: `${inUse.en}${preset.name}'s meters send ${sends} on the ${INTERFACE_NAMES[preset.interface]}: check baud and parity, the adapter and its wiring`,
    de: `${inUse.de}die Zähler von ${preset.name} senden mit ${sends} ${INTERFACE_DE[preset.interface]}: Baudrate und Parität, Adapter und Verkabelung prüfen`,
  };
}
