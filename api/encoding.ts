/**
 * Content-Encoding negotiation (RFC 9110 §12.5.3): which of the encodings we can send the
 * client's Accept-Encoding prefers. Brotli wins a tie (smaller), identity is the fallback.
 */
export type Encoding = 'br' | 'gzip';

/** Ours, best first: a tie in the client's q-values goes to the earlier one. */
const OURS: readonly Encoding[] = ['br', 'gzip'];

/** The q-value per coding the header names ("*" included); absent header: an empty map. */
export function acceptedCodings(header: string | undefined): Map<string, number> {
  const accepted = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (name === '') continue;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(param);
      if (match) q = Number(match[1]);
    }
    accepted.set(name.trim(), q);
  }
  return accepted;
}

/** The encoding to send among `available`, or null for identity. */
export function chooseEncoding(header: string | undefined, available: readonly Encoding[] = OURS): Encoding | null {
  const accepted = acceptedCodings(header);
  let best: Encoding | null = null;
  let bestQ = 0;
  for (const coding of OURS) {
    if (!available.includes(coding)) continue;
    // x-gzip is gzip's old name (RFC 9110 §8.4.1.3).
    const q = accepted.get(coding) ?? (coding === 'gzip' ? accepted.get('x-gzip') : undefined) ?? accepted.get('*') ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}
