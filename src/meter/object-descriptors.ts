import { looksLikeObis } from '../cosem/obis.js';
import { AXDR, type DlmsValue } from '../dlms/axdr.js';
import { MeterError } from '../errors.js';

/**
 * Pushes that say what each value is with a list of COSEM object descriptors before the values (the push
 * setup's push_object_list: {class-id, logical name, attribute index[, data index]} per value), instead of
 * an OBIS code beside each value. A descriptor names a value and is never one: read as an "OBIS code,
 * value" pair, its attribute index (2) would be published as the register's value. So a descriptor is
 * recognised wherever it stands, and a list of them is paired with the values that follow, place by place,
 * or the push is refused when the numbers do not agree.
 */

export type ObjectDescriptor = {
  readonly classId: number;
  readonly logicalName: Uint8Array;
  readonly attribute: number;
};

/** The attribute of a register (class 3), data (1), clock (8) … that holds its value. */
const VALUE_ATTRIBUTE = 2;
/** A register's {scaler, unit}. */
const SCALER_UNIT_ATTRIBUTE = 3;

/** {long-unsigned class-id, octet-string logical name, integer attribute index[, long-unsigned data index]}. */
export function objectDescriptor(value: DlmsValue): ObjectDescriptor | undefined {
  if (value.type !== 'structure' || (value.items.length !== 3 && value.items.length !== 4)) return undefined;
  const [classId, logicalName, attribute, dataIndex] = value.items;
  if (classId?.type !== 'integer' || classId.tag !== AXDR.longUnsigned) return undefined;
  if (logicalName?.type !== 'octet-string' || !looksLikeObis(logicalName.bytes)) return undefined;
  if (attribute?.type !== 'integer' || attribute.tag !== AXDR.integer) return undefined;
  if (dataIndex !== undefined && (dataIndex.type !== 'integer' || dataIndex.tag !== AXDR.longUnsigned)) {
    return undefined;
  }
  return { classId: classId.value, logicalName: logicalName.bytes, attribute: attribute.value };
}

/** An array or structure of descriptors only, at least one. */
export function objectDescriptorList(value: DlmsValue): ObjectDescriptor[] | undefined {
  if ((value.type !== 'array' && value.type !== 'structure') || value.items.length === 0) return undefined;
  const list: ObjectDescriptor[] = [];
  for (const item of value.items) {
    const descriptor = objectDescriptor(item);
    if (descriptor === undefined) return undefined;
    list.push(descriptor);
  }
  return list;
}

export type DescribedRegister = {
  readonly logicalName: Uint8Array;
  readonly value: DlmsValue;
  readonly scaler: number;
  readonly unit: number | undefined;
};

/**
 * The values a descriptor list at `items[at]` describes: the items after it, one per descriptor, or the
 * items of the one structure or array after it. `consumed` is how many items after the list they took.
 */
export function describedValues(
  items: readonly DlmsValue[],
  at: number,
  count: number,
): { readonly values: readonly DlmsValue[]; readonly consumed: number } {
  const rest = items.length - at - 1;
  if (rest === count) return { values: items.slice(at + 1), consumed: rest };
  const next = items[at + 1];
  if (
    rest >= 1 &&
    next !== undefined &&
    (next.type === 'structure' || next.type === 'array') &&
    next.items.length === count
  ) {
    return { values: next.items, consumed: 1 };
  }
  throw new MeterError(
    'UNSUPPORTED',
    `the push names its values with ${count} COSEM object descriptors, but the values after them do not match ` +
      'them in number: nothing of it is published rather than a value under the wrong name',
  );
}

/** Each value attribute with its register's {scaler, unit} when the push carries that attribute too. */
export function describedRegisters(
  descriptors: readonly ObjectDescriptor[],
  values: readonly DlmsValue[],
): DescribedRegister[] {
  const scalerUnits = new Map<string, { scaler: number; unit: number }>();
  for (let i = 0; i < descriptors.length; i++) {
    const d = descriptors[i] as ObjectDescriptor;
    const v = values[i];
    if (d.attribute !== SCALER_UNIT_ATTRIBUTE || v?.type !== 'structure' || v.items.length !== 2) continue;
    const [s, u] = v.items;
    if (s?.type === 'integer' && u?.type === 'enum')
      scalerUnits.set(d.logicalName.join('.'), { scaler: s.value, unit: u.value });
  }
  const registers: DescribedRegister[] = [];
  for (let i = 0; i < descriptors.length; i++) {
    const d = descriptors[i] as ObjectDescriptor;
    const value = values[i] as DlmsValue;
    if (d.attribute !== VALUE_ATTRIBUTE) continue;
    const su = scalerUnits.get(d.logicalName.join('.'));
    registers.push({ logicalName: d.logicalName, value, scaler: su?.scaler ?? 0, unit: su?.unit });
  }
  return registers;
}
