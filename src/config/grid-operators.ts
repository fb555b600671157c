/**
 * What each Austrian grid operator's meters send on their customer interface, one row per operator: the
 * interface and so the adapter to buy, the serial parameters, the framing, whether an authentication key is
 * needed, and where the operator hands out the key(s). `run --operator <id>` takes its serial parameters
 * from here (explicit --baud/--parity/--data-bits/--stop-bits still win); `auto` keeps the M-Bus defaults,
 * and the decoder finds the framing from the bytes either way. The framing and positional layout are hints
 * for the decoder where the bytes alone are ambiguous, never a filter.
 *
 * Every row names its sources. Where no document of the operator itself could be read, or a value rests on a
 * peer alone, the row says so in `unconfirmed` (and DOCS.md says the same) instead of guessing silently.
 */

/** The physical customer interface, which decides the adapter. */
export type CustomerInterface =
  /** RJ12, pins 3 and 4, wired M-Bus (EN 13757-2); the meter is the master: a USB M-Bus *slave* adapter. */
  | 'mbus'
  /** The optical port (IEC 62056-21): an infrared read head on the meter's front. */
  | 'optical'
  /** RJ12 wired as DSMR P1: 5 V data-request line, open-collector data out (inverted TTL): a P1 cable. */
  | 'p1';

/**
 * How a telegram is framed on the line: M-Bus long frames; HDLC (IEC 62056-46) frames, single or carrying
 * general block transfer; a bare general-glo-ciphering APDU (`DB 08 …`); OMS mode 5 in an M-Bus long frame
 * (CI 0x5B, not DLMS); an unencrypted DSMR/P1 ASCII telegram.
 */
export type WireFraming = 'mbus' | 'hdlc' | 'hdlc+gbt' | 'apdu' | 'oms' | 'dsmr';

/** What the decrypted payload is: a COSEM data-notification, or a DSMR ASCII telegram inside the APDU. */
export type PayloadKind = 'cosem' | 'dsmr';

/**
 * The positional (OBIS-less) structures an operator's meters push, for the decoder where the structure alone
 * is ambiguous: Wiener Netze's 9 elements {date-time, +A, −A, +R, −R, +P, −P, +Q, −Q} (the Siemens IM350 puts
 * its serial in front), Netz Burgenland's 14-element E450 structure ending in the meter number.
 */
export type PositionalLayout = 'wiener-netze' | 'netz-burgenland-e450';

export type SerialParameters = {
  readonly baudRate: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
};

export type GridOperator = {
  readonly id: string;
  readonly name: string;
  readonly meters: readonly string[];
  readonly interface: CustomerInterface;
  readonly serial: SerialParameters;
  /** The framings its meters send, the usual one first. */
  readonly framings: readonly WireFraming[];
  readonly payload: PayloadKind;
  readonly layout?: PositionalLayout;
  /** The meters sign their telegrams (security 0x30) and the operator hands out an authentication key too. */
  readonly authKey: boolean;
  /** Where and how the operator hands out the key(s), as a user would look for it. */
  readonly keySource: string;
  /** Where the row's facts come from: the operator's documents first, then the peers. */
  readonly sources: readonly string[];
  /** What the row could not confirm from a source, said instead of guessed silently. */
  readonly unconfirmed?: string;
};

const M_BUS: SerialParameters = { baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 };
const IR_9600: SerialParameters = { baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 };
const AMIS_IR: SerialParameters = { baudRate: 9600, parity: 'even', dataBits: 8, stopBits: 1 };
const P1: SerialParameters = { baudRate: 115_200, parity: 'none', dataBits: 8, stopBits: 1 };

/** The KSM-West operators (TINETZ, IKB, Salzburg Netz, Vorarlberg Netz) share one interface description. */
const KSM_WEST_SOURCES = [
  'github:fneur/smart-meter-tirol README.md (TINETZ/IKB customer interface: M-Bus, 2400 baud, even parity, SC 0x21)',
  'https://www.tinetz.at/fileadmin/user_upload/Kundenservice/pdf/Beschreibung_Kundenschnittstelle_Smart_Meter_TINETZ.pdf',
  'github:UtilitechAS/amsreader-firmware issue #723 (Salzburg: 8N1 gives "boundry flag missing", 8E1 works)',
] as const;

export const GRID_OPERATORS = [
  {
    id: 'wiener-netze',
    name: 'Wiener Netze',
    meters: ['Iskraemeco AM550', 'Siemens IM350/IM351 (and IM150/151)', 'Landis+Gyr E450'],
    interface: 'optical',
    serial: IR_9600,
    framings: ['hdlc'],
    payload: 'cosem',
    layout: 'wiener-netze',
    authKey: false,
    keySource:
      'Smart Meter-Webportal (smartmeter-web.wienernetze.at): switch the customer interface on under "Anlagen & Verträge" → "Anlagendaten" → your metering point → "Bearbeiten"; the key is then shown in the metering point\'s details under "Kundenschnittstelle"',
    sources: [
      'https://www.wienernetze.at/smart-meter-kundenschnittstelle (infrared read head to IEC 62056-21; activation and key in the Smart Meter-Webportal)',
      'github:UtilitechAS/amsreader-firmware pull #826 (Wiener Netze AM550 on the optical port: "Serial settings: 9600 8N1")',
      'github:tofuSCHNITZEL/wiener_netze_smartmeter wiener_netze_smartmeter/wiener_netze_smartmeter.py (9600, 8 bits, parity N, 1 stop bit)',
      'github:aburgr/smartmeter-reader smartmeter.py (L+G E450, Wiener Netze: 9600 8N1)',
      'github:rddl-network/EnergyAgent smart_meter_tests/legacy.py (vectors 15-18: HDLC, SC 0x20, no tag)',
      'github:Alexander423/ha-smartmeter-at smartmeter/suppliers/wiener-netze.yaml (the key is shown on screen under Kundenschnittstelle)',
    ],
    unconfirmed:
      'where exactly the portal shows the key is from a peer; the Wiener Netze page only lists it as a step',
  },
  {
    id: 'netz-burgenland',
    name: 'Netz Burgenland',
    meters: ['Landis+Gyr E450'],
    interface: 'mbus',
    serial: M_BUS,
    framings: ['hdlc'],
    payload: 'cosem',
    layout: 'netz-burgenland-e450',
    authKey: true,
    keySource:
      'ask Netz Burgenland to switch the customer interface on; they send two keys, the encryption key (key) and the authentication key (auth_key)',
    sources: [
      'https://www.netzburgenland.at/fileadmin/user_upload/Netz_Burgenland_Beschreibung_Endkundenschnittstelle_02.pdf (named in github:aburgr/smartmeter-reader issue #2; not readable here)',
      'github:UtilitechAS/amsreader-firmware issue #501 and test/payloads/landis-gyr/README.md (E450 on the M-Bus socket, HDLC, SC 0x30, both keys; vectors 13-14)',
      'github:Apollon77/ioBroker.smartmeter issue #166 (Burgenland E450 "has an authentication key")',
    ],
    unconfirmed:
      'parity: 8E1 as for every wired M-Bus port (EN 13757-2); the reader in amsreader #501 ran 2400 8N1 and still received whole frames, as readers do at EVN, whose document says 8E1. Where to request the keys (portal or form) was not found in a Netz Burgenland document',
  },
  {
    id: 'kng-kaernten',
    name: 'KNG-Kärnten Netz',
    meters: ['Iskraemeco AM550', 'Siemens IM150/IM350'],
    interface: 'p1',
    serial: P1,
    framings: ['hdlc'],
    payload: 'cosem',
    authKey: false,
    keySource: 'ask Kärnten Netz customer service to switch the customer interface on and send the key',
    sources: [
      'github:Andre-Schuiki/esphome_im350 README.md, standalone_version/src/main.cpp (Carinthia IM350: RJ12 with data-request pin 2 and inverted data on pin 5, 115200 8N1, HDLC 7E…7E)',
      'github:UtilitechAS/amsreader-firmware test/payloads/iskraemeco/README.md gh787 (KELAG/Kärnten Netz AM550 on P1, HDLC)',
      'github:Alexander423/ha-smartmeter-at smartmeter/suppliers/kaernten-netz.yaml (AM550/IM350 on P1, key by customer service)',
    ],
    unconfirmed:
      'no Kärnten Netz document was readable: the serial parameters are those of the peers above. The AM550 frames of amsreader gh787 carry a GCM tag, but readers decrypt them with the one key the operator sends (the tag is then not checked); the key procedure is from a peer, not from the operator',
  },
  {
    id: 'netz-ooe',
    name: 'Netz Oberösterreich',
    meters: ['Siemens AMIS TD-3510/3511/3512'],
    interface: 'optical',
    serial: AMIS_IR,
    framings: ['oms'],
    payload: 'cosem',
    authKey: false,
    keySource:
      'ask Netz Oberösterreich (eService-Portal or customer service) for the customer-interface (AMIS) key; one 32-digit AES key',
    sources: [
      'https://netzooe.at/Themen/Information/smart-meter/FAQ (infrared interface to IEC 62056-21; M-Bus EN 13757-1..3; OMS 3.0.1 AES-128 mode 5; values once a second)',
      'github:drvolcano/modbus-gateway amis.py (AMIS at 9600 8E1; vector 23)',
      'github:Alexander423/ha-smartmeter-at smartmeter/suppliers/netz-ooe.yaml',
    ],
    unconfirmed:
      'baud and parity are from a peer (drvolcano/modbus-gateway), not from the FAQ; how the key is requested was not found in a Netz OÖ document',
  },
  {
    id: 'eww-wels',
    name: 'eww Wels',
    meters: ['Siemens IM350'],
    interface: 'p1',
    serial: P1,
    framings: ['hdlc'],
    payload: 'cosem',
    authKey: false,
    keySource: 'ask eww (Netz) for the customer-interface key',
    sources: [
      'github:Noschvie/shrdzm code/SHRDZMDevice/Device_IM350.cpp (an IM350 capture labelled "Wels", HDLC 7E A0 70 …; that reader opens 115200 8N1 with the data-request line)',
    ],
    unconfirmed:
      'no eww document was found: interface and serial parameters come from one peer that reads an IM350 in Wels with its Carinthia settings (P1-style socket, 115200 8N1); the key procedure is not confirmed. If nothing arrives, try an IR read head at 9600 8N1 with --baud/--parity',
  },
  {
    id: 'energienetze-steiermark',
    name: 'Energienetze Steiermark',
    meters: ['Sagemcom T210-D-r', 'Landis+Gyr E450'],
    interface: 'p1',
    serial: P1,
    framings: ['apdu', 'hdlc+gbt'],
    payload: 'dsmr',
    authKey: true,
    keySource:
      'Serviceportal (portal.e-netze.at): activate the customer interface for the metering point (needs the IME or IMS configuration); both keys are then listed there, the GLOBAL UNICAST ENCRYPTION KEY (GUEK → key) and the GLOBAL AUTHENTICATION KEY (GAK → auth_key)',
    sources: [
      'https://www.e-netze.at/downloads-data/pdf.aspx?pdf=EN_Update%20Kundenschnittstelle%20Smart%20Meter%20(03_2024)_WEB_RGB.pdf (named in github:derkrasseleo/esphome-p1dsmr README.md; not readable here)',
      'github:Alexander423/ha-smartmeter-at smartmeter/suppliers/energienetze-steiermark.yaml (T210-D-r on P1, 115200 8N1, bare ciphering APDU, SC 0x30, GUEK and GAK in the portal)',
      'github:UtilitechAS/amsreader-firmware test/payloads/landis-gyr/README.md em-ct623 (Steiermark L+G E450: HDLC with block transfer, SC 0x30)',
    ],
    unconfirmed:
      'the E450 capture came without its interface settings: it is assumed to share the P1 socket and 115200 8N1 of the T210-D-r',
  },
  {
    id: 'stromnetz-graz',
    name: 'Stromnetz Graz',
    meters: ['Sagemcom T210-D-r (DSMR/P1)', 'Landis+Gyr E450'],
    interface: 'p1',
    serial: P1,
    framings: ['apdu', 'hdlc+gbt'],
    payload: 'dsmr',
    authKey: true,
    keySource:
      'ask Stromnetz Graz to activate the customer interface; expect two keys (encryption key → key, authentication key → auth_key)',
    sources: [
      'github:UtilitechAS/amsreader-firmware test/payloads/sagemcom/README.md gh264 (Graz: DSMR-P1 hardware, 115200 8N1 inverted; DB 08 … SC 0x30 with a DSMR telegram inside)',
      'github:Alexander423/ha-smartmeter-at smartmeter/suppliers/energienetze-graz.yaml',
    ],
    unconfirmed:
      'no Stromnetz Graz document was readable; the key procedure follows the Steiermark one and is not confirmed',
  },
  {
    id: 'tinetz',
    name: 'TINETZ (Tiroler Netze)',
    meters: ['Kaifa MA309M', 'Kaifa MA110M (single-phase)'],
    interface: 'mbus',
    serial: M_BUS,
    framings: ['mbus'],
    payload: 'cosem',
    authKey: false,
    keySource: 'TINETZ customer portal: request the customer interface; the 32-digit key is sent by post',
    sources: [...KSM_WEST_SOURCES],
  },
  {
    id: 'ikb',
    name: 'IKB (Innsbrucker Kommunalbetriebe)',
    meters: ['Kaifa MA309M', 'Kaifa MA110M (single-phase)'],
    interface: 'mbus',
    serial: M_BUS,
    framings: ['mbus'],
    payload: 'cosem',
    authKey: false,
    keySource: 'IKB customer service (or its customer portal): request the customer interface and the key',
    sources: [...KSM_WEST_SOURCES, 'github:luderas/ikb_smartmeter_hass README.md'],
    unconfirmed: 'the key procedure is from peers, not from an IKB document',
  },
  {
    id: 'salzburg-netz',
    name: 'Salzburg Netz',
    meters: ['Kaifa MA309M', 'Kaifa MA110M (single-phase)', 'Honeywell/Elster (some areas)'],
    interface: 'mbus',
    serial: M_BUS,
    framings: ['mbus'],
    payload: 'cosem',
    authKey: false,
    keySource: 'Salzburg Netz customer portal: order the customer interface; the key is sent by post',
    sources: [
      ...KSM_WEST_SOURCES,
      'github:esphome-libs/dlms_parser tests/dumps/raw_salzburg_netz.log (vector 10)',
      'github:Alexander423/ha-smartmeter-at smartmeter/suppliers/salzburg-netz.yaml',
    ],
  },
  {
    id: 'vorarlberg-netz',
    name: 'Vorarlberg Netz (Vorarlberger Energienetze)',
    meters: ['Kaifa MA309M / MA309MH4LAT1', 'Kaifa MA110M (single-phase)'],
    interface: 'mbus',
    serial: M_BUS,
    framings: ['mbus'],
    payload: 'cosem',
    authKey: false,
    keySource: 'ask Vorarlberg Netz to activate the customer interface and send the key',
    sources: [
      ...KSM_WEST_SOURCES,
      'github:PhilippSev/SmartMeterReadout reference/capture_vkw.txt (vectors 6-8)',
    ],
    unconfirmed: 'the key procedure is from peers, not from a Vorarlberg Netz document',
  },
  {
    id: 'evn',
    name: 'Netz Niederösterreich (EVN)',
    meters: ['Kaifa MA309M', 'Sagemcom T210-D'],
    interface: 'mbus',
    serial: M_BUS,
    framings: ['mbus'],
    payload: 'cosem',
    authKey: false,
    keySource:
      'Netz NÖ Smart Meter-Webportal (smartmeter.netz-noe.at): activate the customer interface; the key ("Schlüssel", GUEK) is then shown in the meter\'s details',
    sources: [
      'Netz NÖ folder "218_13_SmartMeter_Kundenschnittstelle" (copy: github:PhilippSev/SmartMeterReadout Docu/218_13_SmartMeter_Kundenschnittstelle_2604_web.pdf): M-Bus EN 13757-2, fixed 2400 baud, security suite 0, no authentication key',
      'github:UtilitechAS/amsreader-firmware test/payloads/sagemcom/README.md gh155, gh867 (T210-D: 2400 8E1)',
    ],
    unconfirmed:
      "where the key is shown is from this project's earlier manual; one peer (Alexander423/ha-smartmeter-at netz-noe.yaml) says it is sent by post",
  },
] as const satisfies readonly GridOperator[];

export type GridOperatorId = (typeof GRID_OPERATORS)[number]['id'];

/** `auto` and the ids, as `--operator` and the add-on's grid_operator option take them. */
export const OPERATOR_CHOICES: readonly ['auto', ...GridOperatorId[]] = [
  'auto',
  ...GRID_OPERATORS.map((o) => o.id),
];

export type GridOperatorPreset = GridOperator & { readonly id: GridOperatorId };

export function gridOperator(id: string): GridOperatorPreset | undefined {
  return GRID_OPERATORS.find((o) => o.id === id);
}

/** The interface as the log and the manual name it, with the adapter it needs. */
export const INTERFACE_NAMES: Readonly<Record<CustomerInterface, string>> = {
  mbus: 'M-Bus port (USB M-Bus slave adapter)',
  optical: 'optical port (IR read head)',
  p1: 'P1 port (P1 cable)',
};

/** `9600 8N1`: how the serial parameters are usually written. */
export function describeSerial(serial: SerialParameters): string {
  return `${serial.baudRate} ${serial.dataBits}${{ none: 'N', even: 'E', odd: 'O' }[serial.parity]}${serial.stopBits}`;
}
