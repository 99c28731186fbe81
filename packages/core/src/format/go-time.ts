// Go's time.Time as text: String() ("2006-01-02 15:04:05.999999999 -0700 MST", what Docker's
// CreatedAt prints) and the RFC 3339 form encoding/json writes.

interface TimeParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  fraction: string;
  offsetMinutes: number;
  abbreviation: string;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

const ABBREVIATION = /^[A-Z]{3,5}$/;

/** ICU names zones per locale (en-US: EST, en-GB: CET, en-AU: AEDT, en-IN: IST); ask around. */
function abbreviation(date: Date, timeZone: string | undefined, usName: string): string {
  if (ABBREVIATION.test(usName)) return usName;
  for (const locale of ['en-GB', 'en-AU', 'en-IN']) {
    const fmt = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' });
    const name = fmt.formatToParts(date).find((x) => x.type === 'timeZoneName')?.value ?? '';
    if (ABBREVIATION.test(name)) return name;
  }
  return '';
}

function fraction(date: Date): string {
  const ms = ((date.getTime() % 1000) + 1000) % 1000;
  return ms === 0 ? '' : '.' + String(ms).padStart(3, '0').replace(/0+$/, '');
}

/** UTC needs no time zone data: building an Intl formatter costs a command ~5 ms. */
function utcParts(date: Date): TimeParts {
  return {
    year: String(date.getUTCFullYear()).padStart(4, '0'),
    month: pad2(date.getUTCMonth() + 1),
    day: pad2(date.getUTCDate()),
    hour: pad2(date.getUTCHours()),
    minute: pad2(date.getUTCMinutes()),
    second: pad2(date.getUTCSeconds()),
    fraction: fraction(date),
    offsetMinutes: 0,
    abbreviation: 'UTC',
  };
}

function parts(date: Date, timeZone: string | undefined): TimeParts {
  if (timeZone === 'UTC') return utcParts(date);
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(date)) p[part.type] = part.value;
  const wall = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  const offsetMinutes = Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  const name = abbreviation(date, timeZone, p.timeZoneName ?? '');
  // Go prints the tz database abbreviation (UTC, EST, CET); when Intl only knows "GMT+1" we print
  // the numeric form Go uses for zones without an abbreviation (+01, +0530).
  const abs = Math.abs(offsetMinutes);
  const numeric = (offsetMinutes < 0 ? '-' : '+') + pad2(Math.floor(abs / 60)) + (abs % 60 ? pad2(abs % 60) : '');
  return {
    year: String(Number(p.year)).padStart(4, '0'),
    month: p.month ?? '01',
    day: p.day ?? '01',
    hour: p.hour ?? '00',
    minute: p.minute ?? '00',
    second: p.second ?? '00',
    fraction: fraction(date),
    offsetMinutes,
    abbreviation: name !== '' ? name : numeric,
  };
}

function offset(minutes: number, colon: boolean): string {
  const abs = Math.abs(minutes);
  return (minutes < 0 ? '-' : '+') + pad2(Math.floor(abs / 60)) + (colon ? ':' : '') + pad2(abs % 60);
}

/** time.Time.String() in the given IANA zone (default: the process's local zone, as Docker uses). */
export function formatGoTime(date: Date, timeZone?: string): string {
  const t = parts(date, timeZone);
  return `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second}${t.fraction} ${offset(t.offsetMinutes, false)} ${t.abbreviation}`;
}

/** time.Time.MarshalJSON body: RFC 3339 with nanosecond precision, trailing zeros trimmed. */
export function formatGoTimeRFC3339(date: Date, timeZone?: string): string {
  const t = parts(date, timeZone);
  const zone = t.offsetMinutes === 0 ? 'Z' : offset(t.offsetMinutes, true);
  return `${t.year}-${t.month}-${t.day}T${t.hour}:${t.minute}:${t.second}${t.fraction}${zone}`;
}
