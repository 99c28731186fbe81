// Times written the way Go's time.RFC3339Nano writes them (trailing zeros of the fraction
// trimmed), so configs berth creates look like Docker's.

export function goTime(d: Date): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.678Z
  const [main, frac = ''] = iso.slice(0, -1).split('.');
  const trimmed = frac.replace(/0+$/, '');
  return `${main}${trimmed ? `.${trimmed}` : ''}Z`;
}
