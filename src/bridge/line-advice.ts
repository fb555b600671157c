/**
 * What to check when bytes arrive but no frame does: the serial settings. The bridge cannot tell a wrong baud
 * rate from a wrong interface, so the advice names what the user's meter sends, as far as the configuration
 * knows it (the grid operator's preset, the settings in use); the log, the web page and the Home Assistant
 * notification all say the same.
 */
export type LineAdvice = { readonly en: string; readonly de: string };

/** No operator chosen: the three customer interfaces Austrian meters have. */
export const INTERFACES_ADVICE: LineAdvice = {
  en:
    'wired M-Bus ports (Kaifa MA309, Sagemcom T210-D) send 2400 baud 8E1 (parity even), optical read heads ' +
    '9600 8N1, P1 ports 115200 8N1: choose your grid operator (grid_operator, --operator) or set baud and parity',
  de:
    'verdrahtete M-Bus-Schnittstellen (Kaifa MA309, Sagemcom T210-D) senden mit 2400 Baud 8E1 (gerade Parität), ' +
    'optische Leseköpfe mit 9600 8N1, P1-Schnittstellen mit 115200 8N1: den Netzbetreiber wählen ' +
    '(grid_operator, --operator) oder Baudrate und Parität einstellen',
};
