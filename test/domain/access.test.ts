import { expect } from 'chai';
import { canInvokeDefinition, holdsPermission, invokeRefusal, type Permission } from '../../src/domain/access.js';
import { actionsFromLetters, lettersFromActions } from '../../src/domain/accountRules.js';
import { ValidationError } from '../../src/domain/errors.js';

describe('domain: access', () => {
  const caller = (roles: string[], permissions: Permission[] = []) => ({ roles, permissions });
  const job = (forRoles: string[], groups: Array<[string, string]> = []) => ({
    forRoles,
    resourceActionGroupList: groups.map(([resourceName, actionGroup]) => ({ resourceName, actionGroup })),
  });

  describe('holdsPermission', () => {
    it('matches the resource exactly, or any resource through *', () => {
      const permissions: Permission[] = [{ resource: 'records', actions: ['read', 'list'] }];
      expect(holdsPermission(permissions, 'records', 'read')).to.equal(true);
      expect(holdsPermission(permissions, 'records', 'update')).to.equal(false);
      expect(holdsPermission(permissions, 'Records', 'read')).to.equal(false);
      expect(holdsPermission(permissions, 'definitions', 'read')).to.equal(false);
      expect(holdsPermission([{ resource: '*', actions: ['invoke'] }], 'anything', 'invoke')).to.equal(true);
      expect(holdsPermission([], 'records', 'read')).to.equal(false);
    });
  });

  describe('canInvokeDefinition (CollectionSpace 6.2)', () => {
    it('allows anyone when neither forRoles nor resourceActionGroupList is set', () => {
      expect(canInvokeDefinition(caller([]), job([]))).to.equal(true);
    });

    it('with forRoles, allows a caller holding any listed role, compared case-insensitively', () => {
      const definition = job(['TENANT_ADMINISTRATOR', 'Registrar']);
      expect(canInvokeDefinition(caller(['registrar']), definition)).to.equal(true);
      expect(canInvokeDefinition(caller(['tenant_administrator', 'other']), definition)).to.equal(true);
      expect(canInvokeDefinition(caller(['Curator']), definition)).to.equal(false);
      expect(canInvokeDefinition(caller([]), definition)).to.equal(false);
    });

    it('with forRoles, ignores resourceActionGroupList and permissions entirely', () => {
      const definition = job(['Registrar'], [['collectionobjects', 'R']]);
      const everything: Permission[] = [{ resource: '*', actions: ['create', 'read', 'update', 'delete', 'list', 'invoke'] }];
      expect(canInvokeDefinition(caller(['Curator'], everything), definition)).to.equal(false);
      expect(canInvokeDefinition(caller(['registrar'], []), definition)).to.equal(true);
    });

    it('otherwise requires every action letter on every listed resource', () => {
      const definition = job([], [['collectionobjects', 'CRU'], ['batch/invoke', 'I']]);
      const held: Permission[] = [
        { resource: 'collectionobjects', actions: ['create', 'read', 'update'] },
        { resource: 'batch/invoke', actions: ['invoke'] },
      ];
      expect(canInvokeDefinition(caller([], held), definition)).to.equal(true);
      expect(canInvokeDefinition(caller([], held.slice(0, 1)), definition)).to.equal(false);
      const lacksUpdate: Permission[] = [{ resource: 'collectionobjects', actions: ['create', 'read'] }, held[1]!];
      expect(canInvokeDefinition(caller([], lacksUpdate), definition)).to.equal(false);
      expect(canInvokeDefinition(caller([], [{ resource: '*', actions: ['create', 'read', 'update', 'invoke'] }]), definition)).to.equal(true);
    });

    it('maps C, R, U, D, L, I to create, read, update, delete, list, invoke, and holds no unknown letter', () => {
      const letters: Array<[string, Permission['actions'][number]]> = [
        ['C', 'create'], ['R', 'read'], ['U', 'update'], ['D', 'delete'], ['L', 'list'], ['I', 'invoke'],
      ];
      for (const [letter, action] of letters) {
        const definition = job([], [['loansout', letter]]);
        expect(canInvokeDefinition(caller([], [{ resource: 'loansout', actions: [action] }]), definition), letter).to.equal(true);
        const others = letters.filter(([, other]) => other !== action).map(([, other]) => other);
        expect(canInvokeDefinition(caller([], [{ resource: 'loansout', actions: others }]), definition), letter).to.equal(false);
      }
      expect(canInvokeDefinition(caller([], [{ resource: '*', actions: ['read'] }]), job([], [['x', 'X']]))).to.equal(false);
    });
  });

  describe('invokeRefusal: the one rule of every path that makes a plugin run', () => {
    const invoker: Permission[] = [{ resource: 'invoke', actions: ['invoke'] }];

    it('needs the invoke permission before anything else, whatever the job allows', () => {
      expect(invokeRefusal(caller(['Curator'], []), job([]))).to.equal('invoke-permission');
      expect(invokeRefusal(caller(['Curator'], [{ resource: 'invoke', actions: ['read'] }]), job(['Curator']))).to.equal('invoke-permission');
      expect(invokeRefusal(caller([], [{ resource: '*', actions: ['invoke'] }]), job([]))).to.equal(undefined);
    });

    it("then the job's restrictions, then, for new work only, the active-run limit", () => {
      expect(invokeRefusal(caller(['Runner'], invoker), job(['Curator']))).to.equal('job-restriction');
      expect(invokeRefusal(caller(['Runner'], invoker), job(['Curator']), { count: 5, limit: 1 })).to.equal('job-restriction');
      expect(invokeRefusal(caller(['Curator'], invoker), job(['Curator']), { count: 1, limit: 1 })).to.equal('active-run-limit');
      expect(invokeRefusal(caller(['Curator'], invoker), job(['Curator']), { count: 0, limit: 1 })).to.equal(undefined);
      expect(invokeRefusal(caller(['Curator'], invoker), job(['Curator']), { count: 9, limit: 0 }), 'limit 0: none').to.equal(undefined);
      expect(invokeRefusal(caller(['Curator'], invoker), job(['Curator'])), 'no new work: no limit').to.equal(undefined);
    });
  });

  describe('action letters', () => {
    it('convert both ways in canonical order and refuse unknown letters', () => {
      expect(actionsFromLetters('LRC', 'p')).to.deep.equal(['create', 'read', 'list']);
      expect(lettersFromActions(['invoke', 'read', 'create'])).to.equal('CRI');
      expect(() => actionsFromLetters('RX', 'p')).to.throw(ValidationError);
      expect(() => actionsFromLetters('', 'p')).to.throw(ValidationError);
    });
  });
});
