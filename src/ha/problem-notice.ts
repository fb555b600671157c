import { INTERFACES_ADVICE, type LineAdvice } from '../bridge/line-advice.js';
import type { PipelineStats } from '../bridge/pipeline-stats.js';

/**
 * The problems a user must fix, as Home Assistant notifications: nothing arrives, frames arrive but are not
 * M-Bus (serial settings), the key is wrong, the meter is not supported. Problems the bridge recovers from by
 * itself (a broker restart, one bad frame) never become a notification.
 */

export type Problem = 'NO_DATA' | 'NO_FRAMES' | 'WRONG_KEY' | 'NO_KEY' | 'AUTH_FAILED' | 'UNSUPPORTED';

export function currentProblem(stats: PipelineStats, now: number, afterMs: number): Problem | undefined {
  const since = stats.lastTelegramAt;
  if (since !== undefined && now - since < afterMs) return undefined;
  const lastBytesAt = stats.lastBytesAt;
  if (lastBytesAt === undefined || now - lastBytesAt >= afterMs) return 'NO_DATA';
  const code = stats.lastError?.code;
  if (code === 'WRONG_KEY' || code === 'NO_KEY' || code === 'AUTH_FAILED' || code === 'UNSUPPORTED')
    return code;
  if (stats.framesValid === 0) return 'NO_FRAMES';
  return undefined;
}

const TEXT: Readonly<Record<Problem, { title: string; en: string; de: string }>> = {
  NO_DATA: {
    title: 'Smart meter: no data / keine Daten',
    en: 'Nothing arrives from the meter. Check that the M-Bus adapter is plugged in and chosen under "device" in the app\'s (add-on\'s) configuration, that the cable uses pins 3 and 4 of the customer interface, and that your grid operator has switched the interface on.',
    de: 'Vom Zähler kommt nichts an. Prüfen: Ist der M-Bus-Adapter eingesteckt und in der Konfiguration der App (des Add-ons) unter „device" ausgewählt, hängt das Kabel an Pin 3 und 4 der Kundenschnittstelle, und hat der Netzbetreiber die Schnittstelle freigeschaltet?',
  },
  NO_FRAMES: {
    title: 'Smart meter: unreadable data / unlesbare Daten',
    // Completed by the line advice: what this user's meter sends.
    en: 'Bytes arrive but no valid frame: ',
    de: 'Es kommen Bytes an, aber keine gültigen Rahmen: ',
  },
  WRONG_KEY: {
    title: 'Smart meter: wrong key / falscher Schlüssel',
    en: "The meter's telegrams arrive, but the key does not fit this meter. Copy the key again from your grid operator's portal into the app's (add-on's) configuration; a replaced meter has a new key.",
    de: 'Die Telegramme kommen an, aber der Schlüssel passt nicht zu diesem Zähler. Den Schlüssel erneut aus dem Portal des Netzbetreibers in die Konfiguration der App (des Add-ons) kopieren; ein getauschter Zähler hat einen neuen Schlüssel.',
  },
  NO_KEY: {
    title: 'Smart meter: key missing / Schlüssel fehlt',
    en: "The meter's telegrams are encrypted: enter the key from your grid operator in the app's (add-on's) configuration. Meters that also sign their telegrams (e.g. Netz Burgenland's) come with an authentication key too, which the operator hands out with the key: enter it as option auth_key, so that their signature is checked.",
    de: 'Die Telegramme sind verschlüsselt: den Schlüssel vom Netzbetreiber in der Konfiguration der App (des Add-ons) eintragen. Zu Zählern, die ihre Telegramme auch signieren (z. B. denen der Netz Burgenland), gibt der Netzbetreiber mit dem Schlüssel auch einen Authentifizierungsschlüssel aus: als Option auth_key eintragen, damit ihre Signatur geprüft wird.',
  },
  AUTH_FAILED: {
    title: 'Smart meter: signature does not verify / Signatur ungültig',
    en: 'The telegrams carry a signature that does not verify: check the key and the authentication key.',
    de: 'Die Signatur der Telegramme stimmt nicht: Schlüssel und Authentifizierungsschlüssel prüfen.',
  },
  UNSUPPORTED: {
    title: 'Smart meter: not supported / nicht unterstützt',
    en: 'The meter sends telegrams this version cannot read. Please report it with a capture (option "capture_file") so that support can be added.',
    de: 'Der Zähler sendet Telegramme, die diese Version nicht lesen kann. Bitte mit einem Mitschnitt (Option „capture_file") melden, damit die Unterstützung ergänzt werden kann.',
  },
};

export function problemNotification(
  problem: Problem,
  advice: LineAdvice = INTERFACES_ADVICE,
): { title: string; message: string } {
  const text = TEXT[problem];
  if (problem === 'NO_FRAMES') {
    return { title: text.title, message: `${text.en}${advice.en}.\n\n${text.de}${advice.de}.` };
  }
  return { title: text.title, message: `${text.en}\n\n${text.de}` };
}

/**
 * Home Assistant refused the Energy dashboard settings (energy/save_prefs answered invalid_format): sent once,
 * and the app does not try again, so the user is told what to do instead.
 */
export const ENERGY_REJECTED_NOTIFICATION: { readonly title: string; readonly message: string } = {
  title: 'Smart meter: Energy dashboard not set up / Energie-Dashboard nicht eingerichtet',
  message:
    'Home Assistant did not accept the meter as a grid source of the Energy dashboard, and the app (add-on) will not try ' +
    'again. Add it by hand: Settings → Dashboards → Energy → Electricity grid → add "Energy import" as grid consumption ' +
    'and "Energy export" as return to grid. You can turn off the option "energy_dashboard".' +
    '\n\n' +
    'Home Assistant hat den Zähler nicht als Netzquelle im Energie-Dashboard angenommen, und die App (das Add-on) versucht ' +
    'es nicht noch einmal. Bitte von Hand hinzufügen: Einstellungen → Dashboards → Energie → Stromnetz → „Energie Bezug" ' +
    'als Netzbezug und „Energie Einspeisung" als Netzeinspeisung. Die Option „energy_dashboard" kann ausgeschaltet werden.',
};
