/** The service conformance suite on the embedded store always, and on MongoDB when `MONGODB_URI` is set. */
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';
import { describeServiceConformance } from './serviceConformance.js';

describeServiceConformance({ name: 'the embedded store (SQLite)', config: () => ({}), dispose: async () => {} });

const uri = process.env.MONGODB_URI;
if (uri === undefined || uri === '') {
  console.log('Service conformance on MongoDB skipped: MONGODB_URI is not set (no MongoDB server here)');
} else {
  describeServiceConformance({
    name: 'MongoDB',
    config: () => ({ mongodbUri: ownMongoUri('inv_service_conformance') }),
    dispose: async (config) => {
      if (config.mongodbUri !== undefined) await dropMongoDatabase(config.mongodbUri);
    },
  });
}
