/**
 * The OAuth authorization server's state in MongoDB: one collection for every oidc-provider model, so that API
 * processes on several machines sharing the database share sign-in interactions, grants and refresh tokens.
 *
 * The payload is kept as the JSON text oidc-provider gave: its objects may have keys MongoDB treats specially (a
 * grant's resource indicators are URLs, with dots). A consumed code or refresh token is marked in a field of its
 * own, so consuming is one update, and stays known (for reuse detection) until it expires. Expired documents are
 * skipped on read; the TTL index deletes them in the background.
 */
import type { Collection } from 'mongodb';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OAuthStateStore } from '../oauthStateTypes.js';
import type { Clock } from '../queryRules.js';

export interface OAuthStateDocument {
  /** `model/id`: ids are unique within a model only. */
  _id: string;
  model: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  /** Null for what never expires. */
  expiresAt: Date | null;
  /** Seconds since the epoch, once consumed. */
  consumed?: number;
}

export class MongoOAuthStore implements OAuthStateStore {
  readonly #documents: Collection<OAuthStateDocument>;
  readonly #now: Clock;

  constructor(documents: Collection<OAuthStateDocument>, now: Clock) {
    this.#documents = documents;
    this.#now = now;
  }

  adapterFor(model: string): Adapter {
    const documents = this.#documents;
    const now = this.#now;
    const idOf = (id: string) => `${model}/${id}`;
    // `expiresAt: null` also matches documents without the field.
    const live = () => ({ $or: [{ expiresAt: null }, { expiresAt: { $gt: now() } }] });
    const payloadOf = (document: OAuthStateDocument | null): AdapterPayload | undefined => {
      if (document === null) return undefined;
      const payload = JSON.parse(document.payload) as AdapterPayload;
      return document.consumed === undefined ? payload : { ...payload, consumed: document.consumed };
    };
    return {
      async upsert(id, payload, expiresIn) {
        const expiresAt = expiresIn === undefined ? null : new Date(now().getTime() + expiresIn * 1000);
        const document: OAuthStateDocument = {
          _id: idOf(id),
          model,
          payload: JSON.stringify(payload),
          grantId: payload.grantId ?? null,
          uid: payload.uid ?? null,
          userCode: payload.userCode ?? null,
          expiresAt,
        };
        // A replacement, not a merge: a new payload is not consumed, as on SQLite.
        await documents.replaceOne({ _id: document._id }, document, { upsert: true });
      },
      async find(id) {
        return payloadOf(await documents.findOne({ _id: idOf(id), ...live() }));
      },
      async findByUid(uid) {
        return payloadOf(await documents.findOne({ model, uid, ...live() }));
      },
      async findByUserCode(userCode) {
        return payloadOf(await documents.findOne({ model, userCode, ...live() }));
      },
      async consume(id) {
        await documents.updateOne({ _id: idOf(id), ...live() }, { $set: { consumed: Math.floor(now().getTime() / 1000) } });
      },
      async destroy(id) {
        await documents.deleteOne({ _id: idOf(id) });
      },
      async revokeByGrantId(grantId) {
        await documents.deleteMany({ grantId });
      },
    };
  }
}
