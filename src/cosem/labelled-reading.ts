/**
 * One register as a protocol that names its values by OBIS code hands it to the meter model: DSMR text
 * lines (src/dsmr), M-Bus records (src/oms). Those units sit below src/meter and know no value keys; the
 * meter model's one OBIS table turns these into keys and published units (meter/labelled-readings.ts).
 */
export type LabelledReading = {
  /** A-B:C.D.E.F, or a protocol's own name for a register without one (`M-Bus 0483FF04`). */
  readonly obis: string;
  /** In the meter's own unit; text for strings and ISO 8601 for times. */
  readonly value: number | string;
  readonly unit?: string;
  /**
   * `value` as `mantissa × 10^exponent`, when the wire says so: converted units stay exact (1.005 kW is
   * 1005 W, not 1004.9999999999999).
   */
  readonly mantissa?: number;
  readonly exponent?: number;
};
