/**
 * CollectionSpace's reference batch job (CreateAndLinkLoanOutBatchJob): creates a Loanout and relates it to
 * each record of the context (`loan --affects--> record`).
 *
 * Answers as the Java job does: its userNote texts (which name the Java class), `numAffected` = relations made,
 * `primaryURICreated` = the new loan's csid. Unlike the Java job, the context is checked before anything is
 * written, so an empty list leaves no orphan loan behind. A relation that fails, or an abort between relations, still leaves the loan and the relations
 * made so far: there is no transaction across records.
 */
import type { Invocable } from '../../src/plugins/contract.js';

const NAME = 'create-and-link-loan-out';
/** The Java class's simple name, which CollectionSpace's messages start with. */
const JAVA_NAME = 'CreateAndLinkLoanOutBatchJob';

const createAndLinkLoanOut: Invocable = {
  className: NAME,
  aliases: [`org.collectionspace.services.batch.nuxeo.${JAVA_NAME}`],
  contract: '^1.0.0',
  version: '1.0.0',
  description: 'Creates a new Loanout and links it to the context record(s).',
  modes: ['single', 'list'],
  docTypes: ['CollectionObject'],
  defaultDefinition: {
    name: 'Create and Link Loan Out',
    forDocTypes: ['CollectionObject'],
    createsNewFocus: true,
  },

  async invoke(input, ctx) {
    if (input.mode !== 'single' && input.mode !== 'list') {
      throw ctx.reject(`${JAVA_NAME}: unsupported invocation mode '${input.mode}'`);
    }
    if (input.csids.length === 0) throw ctx.reject(`${JAVA_NAME}: no CSIDs in list of documents!`);
    const docType = input.docType;
    if (docType === undefined || docType === '') throw ctx.reject(`${JAVA_NAME}: no docType in the invocation context`);
    ctx.signal.throwIfAborted();

    const loan = await ctx.records.create('Loanout', { loanOutNumber: `NewLoan-${new Date().toISOString()}` });
    ctx.log.info('created Loanout', { csid: loan.csid });

    let links = 0;
    for (const csid of input.csids) {
      ctx.signal.throwIfAborted();
      await ctx.records.relate({ csid: loan.csid, docType: 'Loanout' }, 'affects', { csid, docType });
      links += 1;
    }

    const linkText = input.mode === 'single' ? `a link to the passed ${docType}` : `${links} link(s) to ${docType}`;
    return {
      numAffected: links,
      primaryURICreated: loan.csid,
      userNote: `${JAVA_NAME} created new Loanout: ${loan.csid} with ${linkText}`,
    };
  },
};

export default createAndLinkLoanOut;
