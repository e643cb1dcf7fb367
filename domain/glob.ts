/**
 * Device globs (`*` any run, `?` one character) matched without a regular expression: a regex
 * such as ^.*.*.*…b$ backtracks exponentially, and one saved rule or preview request could stall
 * the event loop for minutes. This is the greedy two-pointer match with one backtrack point (the
 * last `*`), so it takes at most (pattern + 1) × (text + 1) steps — a few thousand for 64-char ids.
 * No imports: the dashboard uses it too.
 */
export interface GlobCounter {
  steps: number;
}

export function globMatch(pattern: string, text: string, counter?: GlobCounter): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  let steps = 0;
  while (t < text.length) {
    steps++;
    const c = pattern[p];
    if (c === '*') {
      // Runs of stars are one star: remember where to retry if what follows fails.
      while (pattern[p] === '*') p++;
      star = p;
      resume = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star;
      t = ++resume;
    } else {
      if (counter) counter.steps += steps;
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  if (counter) counter.steps += steps;
  return p === pattern.length;
}
