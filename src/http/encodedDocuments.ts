/**
 * Documents' encodings, kept under a key that names everything a document is made of (for a stored document: its
 * csid and revision, and whatever of the caller it shows), so that reading the same revision again costs no
 * encoding. A write makes a new revision, hence a new key: nothing needs invalidating, and the oldest encodings
 * make room for new ones.
 */
export class EncodedDocuments<T> {
  readonly #encodings = new Map<string, T>();

  constructor(private readonly maxEntries: number) {}

  encoding(key: string, encode: () => T): T {
    let encoded = this.#encodings.get(key);
    if (encoded === undefined) {
      encoded = encode();
      this.#encodings.set(key, encoded);
      if (this.#encodings.size > this.maxEntries) this.#encodings.delete(this.#encodings.keys().next().value as string);
    }
    return encoded;
  }
}
