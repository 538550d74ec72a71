/**
 * One linear pass over a JSON object's text that builds no values: it
 * counts the top-level keys, finds a key repeated within one object (which
 * JSON.parse would let the last one win), and cuts out the raw text of one
 * top-level value. A safetensors header is checked this way before
 * JSON.parse builds it, so that a header of millions of entries costs one
 * scan, not millions of objects.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

export interface JsonScan {
  /** Keys of the top-level object. */
  readonly keys: number;
  /** A key that appears twice in one object, if any. */
  readonly duplicate?: string;
  /** The raw text of the top-level value named by `capture`, if present. */
  readonly captured?: string;
}

/**
 * Scans `text` (a JSON object). `duplicates`: look for a repeated key in
 * every object (else only a repeated `capture` key, which keeps the scan
 * free of sets of keys). Malformed text ends the scan early; JSON.parse
 * reports it.
 */
export function scanJsonObject(text: string, capture: string, duplicates: boolean): JsonScan {
  const keySets: (Set<string> | null)[] = [];
  const isObject: boolean[] = [];
  let expectKey = false;
  let keys = 0;
  let captureStart = -1;
  let captured: string | undefined;
  const endCapture = (at: number): void => {
    if (captureStart >= 0 && captured === undefined) captured = text.slice(captureStart, at).replace(/^\s*:/, '');
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length && text.charCodeAt(j) !== QUOTE) {
        if (text.charCodeAt(j) === BACKSLASH) {
          escaped = true;
          j += 2;
        } else {
          j++;
        }
      }
      if (j >= text.length) break;
      const current = keySets[keySets.length - 1];
      // A key's text is cut out only when it is compared: most keys of a long header are just counted.
      if (expectKey && current !== undefined && (current !== null || (keySets.length === 1 && (escaped || j - i - 1 === capture.length)))) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (current !== null) {
          if (current.has(key)) return { keys, duplicate: key };
          current.add(key);
        }
        if (keySets.length === 1 && key === capture) {
          if (captureStart >= 0) return { keys: keys + 1, duplicate: key };
          captureStart = j + 1;
        }
      }
      if (expectKey && keySets.length === 1) keys++;
      expectKey = false;
      i = j;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const object = c === OPEN_OBJECT;
      isObject.push(object);
      keySets.push(object && duplicates ? new Set() : null);
      expectKey = object;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (keySets.length === 1) endCapture(i);
      isObject.pop();
      keySets.pop();
    } else if (c === COMMA) {
      if (keySets.length === 1) endCapture(i);
      expectKey = isObject[isObject.length - 1] === true;
    }
  }
  return { keys, captured };
}
