/** How deep a JSON payload may nest; the deepest DTO needs 2 levels. */
export const MAX_DEPTH = 8;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks untrusted JSON before any class transformation sees it: no deep nesting (class-transformer
 * recurses without a limit), no keys that name object internals (class-transformer drops them
 * silently instead of refusing them), and no strings with lone UTF-16 surrogates. Returns the
 * problems found, at most one per kind.
 */
export function rawInputProblems(value: unknown): string[] {
  const problems = new Set<string>();
  const pending: { value: unknown; depth: number; path: string }[] = [
    { value, depth: 0, path: '' },
  ];
  while (pending.length > 0) {
    const { value: current, depth, path } = pending.pop()!;
    if (typeof current === 'string') {
      if (!current.isWellFormed())
        problems.add(`${path || 'value'} must be well-formed Unicode text`);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_DEPTH) {
      problems.add(`input must not nest more than ${MAX_DEPTH} levels deep`);
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      const childPath = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) problems.add(`property ${childPath} is not allowed`);
      else pending.push({ value: child, depth: depth + 1, path: childPath });
    }
  }
  return [...problems];
}
