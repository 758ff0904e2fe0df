/**
 * OAuth revocations on MongoDB (see `OAuthRevocationStore`): one document per revoked id, deleted by the TTL index
 * once it can refuse no live token. Each recording moves the auth generation on after it is visible (see
 * generations.ts), a repeated one too: without a transaction, a process that died between the two writes left a
 * revocation no kept answer knows of yet, and the client's retry is what brings it in.
 */
import type { Collection } from 'mongodb';
import type { OAuthRevocationStore } from '../authTypes.js';
import { requireString } from '../queryRules.js';

export interface OAuthRevocationDocument {
  _id: string;
  until: Date;
}

export class MongoOAuthRevocations implements OAuthRevocationStore {
  constructor(
    private readonly revocations: Collection<OAuthRevocationDocument>,
    private readonly changed: () => Promise<void>,
  ) {}

  async revoke(id: string, until: Date): Promise<void> {
    const _id = requireString(id, 'revocation');
    await this.revocations.updateOne({ _id }, { $setOnInsert: { until } }, { upsert: true });
    await this.changed();
  }

  async anyRevoked(ids: readonly string[], at: Date): Promise<boolean> {
    const keys = ids.map((id) => requireString(id, 'revocation'));
    // The TTL index deletes in the background, about once a minute: what expired may still be there.
    return (await this.revocations.findOne({ _id: { $in: keys }, until: { $gt: at } }, { projection: { _id: 1 } })) !== null;
  }
}
