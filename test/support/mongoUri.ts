/**
 * Test databases on the MongoDB server named by `MONGODB_URI`, when it is set: every test that starts services
 * (in process or as children) gives them a database of its own, so tests never share data or depend on their order.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';

/** `connectionString` with its path naming `database`. */
export function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh database's URI on the `MONGODB_URI` server (`prefix` says which test made it), or `undefined` without one. */
export function ownMongoUri(prefix: string): string | undefined {
  const uri = process.env.MONGODB_URI;
  if (uri === undefined || uri === '') return undefined;
  return withDatabase(uri, `${prefix}_${randomUUID().slice(0, 8)}`);
}

/** Drops the database `uri` names. */
export async function dropMongoDatabase(uri: string): Promise<void> {
  const client = await new MongoClient(uri).connect();
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}
