/**
 * Text of a number exactly as Python 3's `str(float)` writes it, because the original puts
 * `str(epoch_seconds)` into SCHEDULE_TIME, START_TIME and PREVIOUS_*_TIME and jobs parse it.
 *
 * Python uses the shortest digits that round-trip (as JavaScript does) but differs in layout:
 * a whole number keeps `.0` (`1700000000.0`), and scientific notation is used when the decimal
 * exponent is below -4 or at least 16 (`1e+16`, `1.5e-05`: at least two exponent digits).
 */
export function pythonFloatText(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa = '', expText = '0'] = Math.abs(value).toExponential().split('e');
  const exponent = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? '-' : '+';
    const expAbs = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${frac}e${expSign}${expAbs}`;
  }
  if (exponent < 0) {
    return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  const intLen = exponent + 1;
  if (digits.length <= intLen) {
    return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  }
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}
