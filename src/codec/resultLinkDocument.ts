/**
 * Result link documents: the `POST /runs/{id}/links` body (`<resultLink>` with a `scope` and an optional
 * `expiresIn` in seconds, checked against `schemas/result-link.json`), the `ns2:resultLink` document, and a run's
 * links as an `abstract-common-list`. Seed 002's scope names (`Private`, `PeopleInOrganization`, `Public`) are read
 * too, in any case.
 */
import linkSchema from '../../schemas/result-link.json' with { type: 'json' };
import { isLinkScope, LINK_LIFETIME, type LinkScope, type ResultLink } from '../domain/resultLinks.js';
import type { ListSpec } from './commonList.js';
import { asNode, rootNamed } from './documentEnvelope.js';
import { PART_PREFIX } from './namespaces.js';
import { createSchemaCheck, validationFailed } from './schemaValidator.js';
import type { DocTree } from './tree.js';

export const RESULT_LINK_NAMESPACE = 'http://collectionspace.org/services/batch/resultlink';
const ELEMENT = 'resultLink';

export interface ResultLinkRequest {
  scope: LinkScope;
  expiresInSeconds: number;
}

/** A link as the API shows it: its facts, whether it has expired, and the URL its results are read at. */
export interface ResultLinkView extends ResultLink {
  expired: boolean;
  publishLink: string;
}

const checkLink = createSchemaCheck<{ scope: string; expiresIn?: number }>(linkSchema, ELEMENT);

/** Seed 002's names for the scopes. */
const SEED_SCOPES: Record<string, LinkScope> = { peopleinorganization: 'tenant' };

/** @throws ValidationError for another root, an unknown field, an unknown scope or a lifetime out of bounds. */
export function decodeResultLinkRequest(tree: DocTree): ResultLinkRequest {
  const wire = checkLink(asNode(rootNamed(tree, ELEMENT).value, ELEMENT, ELEMENT));
  const named = wire.scope.trim().toLowerCase();
  const scope = SEED_SCOPES[named] ?? named;
  if (!isLinkScope(scope)) {
    throw validationFailed(ELEMENT, [{ path: `${ELEMENT}/scope`, message: 'must be private, tenant or public' }]);
  }
  return { scope, expiresInSeconds: wire.expiresIn ?? LINK_LIFETIME.defaultSeconds };
}

function linkSummary(view: ResultLinkView) {
  return {
    id: view.id,
    runId: view.runId,
    scope: view.scope,
    createdBy: view.createdBy,
    createdAt: view.createdAt.toISOString(),
    expiresAt: view.expiresAt.toISOString(),
    expired: view.expired,
    publishLink: view.publishLink,
  };
}

export function encodeResultLinkDocument(view: ResultLinkView): DocTree {
  return { [`${PART_PREFIX}:${ELEMENT}`]: { [`@xmlns:${PART_PREFIX}`]: RESULT_LINK_NAMESPACE, ...linkSummary(view) } };
}

export const RESULT_LINK_LIST_SPEC: ListSpec<ResultLinkView> = {
  fieldsReturned: ['id', 'runId', 'scope', 'createdBy', 'createdAt', 'expiresAt', 'expired', 'publishLink'],
  toItem: linkSummary,
};
