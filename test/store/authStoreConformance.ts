/**
 * The behaviour every auth store engine must share (store.auth): tenants, users and memberships, roles and API
 * tokens, each scoped as src/store/authTypes.ts describes. Hashes here are opaque strings: hashing is the
 * service's business, the store only keeps them.
 */
import { expect } from 'chai';
import { DomainError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/types.js';
import { ADMINISTRATOR_ROLE, READER_ROLE, upgradeDefaultRoles } from '../../src/services/auth/defaultRoles.js';
import type { AuthStore } from '../../src/store/authTypes.js';
import type { RoleInput } from '../../src/domain/accounts.js';
import type { Store } from '../../src/store/types.js';
import { conflict, tickingClock, type StoreConformanceOptions } from './storeConformance.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const PAGE = { pageNum: 0, pageSize: 40 };

const editor: RoleInput = {
  name: 'editor',
  displayName: 'Editor',
  description: 'Edits records',
  permissions: [
    { resource: 'records', actions: ['read', 'update'] },
    { resource: 'invoke', actions: ['invoke'] },
  ],
};

export function describeAuthStoreConformance(options: StoreConformanceOptions): void {
  describe(`${options.name} auth store conformance`, () => {
    let store: Store;
    let testName = '';
    const auth = (): AuthStore => store.auth;

    beforeEach(async function () {
      testName = `auth ${this.currentTest?.fullTitle() ?? ''}`;
      store = await options.create(testName, { now: tickingClock() });
    });

    afterEach(async function () {
      await options.dispose(store, { testName, failed: this.currentTest?.state === 'failed' });
    });

    describe('tenants', () => {
      it('creates, reads, lists by id and refuses a duplicate id', async () => {
        const b = await auth().tenants.create({ id: B, name: 'Museum B' }, 'root');
        await auth().tenants.create({ id: A, name: 'Museum A' }, 'root');
        expect(b).to.deep.include({ id: B, name: 'Museum B', disabled: false, createdBy: 'root' });
        expect(b.createdAt).to.be.instanceOf(Date);
        expect(await auth().tenants.get(B)).to.deep.equal(b);
        expect(await auth().tenants.get('nope' as TenantId)).to.equal(undefined);
        await conflict(auth().tenants.create({ id: B, name: 'again' }, 'root'));
        const page = await auth().tenants.list({ pageNum: 0, pageSize: 1 });
        expect(page.totalItems).to.equal(2);
        expect(page.items.map((tenant) => tenant.id)).to.deep.equal([A]);
      });

      it('disables and re-enables a tenant', async () => {
        await auth().tenants.create({ id: A, name: 'A' }, 'root');
        expect((await auth().tenants.setDisabled(A, true))?.disabled).to.equal(true);
        expect((await auth().tenants.get(A))?.disabled).to.equal(true);
        expect((await auth().tenants.setDisabled(A, false))?.disabled).to.equal(false);
        expect(await auth().tenants.setDisabled(B, true)).to.equal(undefined);
      });
    });

    describe('users', () => {
      const alice = { username: 'alice', defaultTenant: A, passwordHash: 'hash-1', roles: ['editor'] };

      it('creates a user as a member of their default tenant, and refuses a taken username in any tenant', async () => {
        expect(await auth().users.any()).to.equal(false);
        const created = await auth().users.create(alice, 'root');
        expect(created).to.deep.include({ username: 'alice', defaultTenant: A, passwordHash: 'hash-1', disabled: false });
        expect(created.memberships).to.deep.equal([{ tenant: A, roles: ['editor'] }]);
        expect(created.createdBy).to.equal('root');
        expect(await auth().users.any()).to.equal(true);
        await conflict(auth().users.create({ ...alice, defaultTenant: B }, 'root'));
      });

      it('finds a user globally but gets and lists them only through tenants they belong to', async () => {
        await auth().users.create(alice, 'root');
        await auth().users.create({ username: 'bob', defaultTenant: B, passwordHash: 'h', roles: [] }, 'root');
        expect((await auth().users.find('alice'))?.username).to.equal('alice');
        expect(await auth().users.find('ALICE')).to.equal(undefined);
        expect((await auth().users.get(A, 'alice'))?.username).to.equal('alice');
        expect(await auth().users.get(B, 'alice')).to.equal(undefined);
        expect((await auth().users.list(A, PAGE)).items.map((user) => user.username)).to.deep.equal(['alice']);
        expect((await auth().users.list(B, PAGE)).items.map((user) => user.username)).to.deep.equal(['bob']);
      });

      it('changes password and disabled flag only through the default tenant', async () => {
        await auth().users.create(alice, 'root');
        await auth().users.addMembership(B, 'alice', [], 'root');
        expect(await auth().users.setPassword(B, 'alice', 'evil', 'mallory')).to.equal(undefined);
        expect(await auth().users.setDisabled(B, 'alice', true, 'mallory')).to.equal(undefined);
        const changed = await auth().users.setPassword(A, 'alice', 'hash-2', 'admin');
        expect(changed).to.deep.include({ passwordHash: 'hash-2', updatedBy: 'admin' });
        expect((await auth().users.setDisabled(A, 'alice', true, 'admin'))?.disabled).to.equal(true);
        expect((await auth().users.find('alice'))?.disabled).to.equal(true);
        expect(await auth().users.setPassword(A, 'nobody', 'x', 'admin')).to.equal(undefined);
      });

      it('adds, changes and removes memberships, and counts role holders per tenant', async () => {
        await auth().users.create(alice, 'root');
        expect(await auth().users.addMembership(B, 'nobody', ['x'], 'root')).to.equal(undefined);
        const added = await auth().users.addMembership(B, 'alice', ['viewer'], 'root');
        expect(added?.memberships).to.deep.equal([
          { tenant: A, roles: ['editor'] },
          { tenant: B, roles: ['viewer'] },
        ]);
        const again = await auth().users.addMembership(B, 'alice', ['editor', 'viewer'], 'root');
        expect(again?.memberships).to.have.length(2);
        expect(await auth().users.countWithRole(B, 'editor')).to.equal(1);
        expect(await auth().users.countWithRole(A, 'viewer')).to.equal(0);
        const roles = await auth().users.setRoles(A, 'alice', [], 'root');
        expect(roles?.memberships[0]).to.deep.equal({ tenant: A, roles: [] });
        expect(await auth().users.setRoles('c' as TenantId, 'alice', ['x'], 'root')).to.equal(undefined);
        expect(await auth().users.removeMembership(B, 'alice', 'root')).to.equal(true);
        expect(await auth().users.removeMembership(B, 'alice', 'root')).to.equal(false);
        expect(await auth().users.get(B, 'alice')).to.equal(undefined);
      });
    });

    describe('roles', () => {
      it('creates, reads and lists roles per tenant, refusing a duplicate name in one tenant only', async () => {
        const created = await auth().roles.create(A, editor, 'root');
        expect(created).to.deep.include({ ...editor, tenant: A, createdBy: 'root', updatedBy: 'root' });
        await auth().roles.create(B, editor, 'root');
        await conflict(auth().roles.create(A, { ...editor, displayName: 'Other' }, 'root'));
        await auth().roles.create(A, { name: 'admin', displayName: 'Admin', permissions: [{ resource: '*', actions: ['read'] }] }, 'root');
        expect(await auth().roles.get(A, 'editor')).to.deep.equal(created);
        expect(await auth().roles.get(A, 'nope')).to.equal(undefined);
        expect((await auth().roles.list(A, PAGE)).items.map((role) => role.name)).to.deep.equal(['admin', 'editor']);
        const many = await auth().roles.getMany(A, ['editor', 'admin', 'missing']);
        expect(many.map((role) => role.name).sort()).to.deep.equal(['admin', 'editor']);
        expect(await auth().roles.getMany(A, [])).to.deep.equal([]);
      });

      it('updates and deletes a role only in its tenant', async () => {
        await auth().roles.create(A, editor, 'root');
        const { description: _dropped, ...withoutDescription } = editor;
        const changed = { ...withoutDescription, displayName: 'Editors', permissions: [{ resource: 'records', actions: ['read' as const] }] };
        expect(await auth().roles.update(B, changed, 'admin')).to.equal(undefined);
        const updated = await auth().roles.update(A, changed, 'admin');
        expect(updated).to.deep.include({ displayName: 'Editors', updatedBy: 'admin' });
        expect(updated?.permissions).to.deep.equal([{ resource: 'records', actions: ['read'] }]);
        expect(updated).to.not.have.property('description');
        expect(await auth().roles.delete(B, 'editor')).to.equal(false);
        expect(await auth().roles.delete(A, 'editor')).to.equal(true);
        expect(await auth().roles.get(A, 'editor')).to.equal(undefined);
      });
    });

    describe('tokens', () => {
      const token = { id: 'tok-1', username: 'alice', label: 'CI', secretHash: 'secret-hash' };

      it('creates tokens, finds them globally, and reads and lists them only in their tenant', async () => {
        const expiresAt = new Date('2030-01-01T00:00:00.000Z');
        const created = await auth().tokens.create(A, { ...token, expiresAt }, 'admin');
        expect(created).to.deep.include({ ...token, tenant: A, createdBy: 'admin', expiresAt });
        expect(created).to.not.have.property('revokedAt');
        await auth().tokens.create(A, { ...token, id: 'tok-2', username: 'bob' }, 'admin');
        await auth().tokens.create(B, { ...token, id: 'tok-3' }, 'admin');
        await conflict(auth().tokens.create(B, token, 'admin'));
        expect(await auth().tokens.find('tok-1')).to.deep.equal(created);
        expect(await auth().tokens.get(B, 'tok-1')).to.equal(undefined);
        const all = await auth().tokens.list(A, { paging: PAGE });
        expect(all.items.map((item) => item.id)).to.deep.equal(['tok-2', 'tok-1']);
        const alices = await auth().tokens.list(A, { username: 'alice', paging: PAGE });
        expect(alices.totalItems).to.equal(1);
      });

      it('revokes once, only in the token tenant', async () => {
        await auth().tokens.create(A, token, 'admin');
        expect(await auth().tokens.revoke(B, 'tok-1', new Date())).to.equal(undefined);
        expect((await auth().tokens.find('tok-1'))?.revokedAt).to.equal(undefined);
        const first = new Date('2025-01-01T00:00:00.000Z');
        expect((await auth().tokens.revoke(A, 'tok-1', first))?.revokedAt).to.deep.equal(first);
        const second = await auth().tokens.revoke(A, 'tok-1', new Date('2026-01-01T00:00:00.000Z'));
        expect(second?.revokedAt).to.deep.equal(first);
        expect(await auth().tokens.revoke(A, 'nope', first)).to.equal(undefined);
      });
    });

    describe("default roles (CollectionSpace's names)", () => {
      /** The one default role of stores created before TENANT_ADMINISTRATOR. */
      const oldAdministrator: RoleInput = { ...ADMINISTRATOR_ROLE, name: 'administrator', displayName: 'ADMINISTRATOR' };
      const rolesIn = async (tenant: TenantId, username: string) =>
        (await auth().users.get(tenant, username))?.memberships.find((membership) => membership.tenant === tenant)?.roles;

      it("upgrades a store created with the old 'administrator' role: its holders move to TENANT_ADMINISTRATOR", async () => {
        await auth().tenants.create({ id: A, name: 'A' }, 'root');
        await auth().tenants.create({ id: B, name: 'B' }, 'root');
        await auth().roles.create(A, oldAdministrator, 'root');
        await auth().roles.create(A, editor, 'root');
        await auth().roles.create(B, oldAdministrator, 'root');
        await auth().users.create({ username: 'ann', defaultTenant: A, passwordHash: 'h', roles: ['administrator', 'editor'] }, 'root');
        await auth().users.create({ username: 'ed', defaultTenant: A, passwordHash: 'h', roles: ['editor'] }, 'root');
        await auth().users.addMembership(B, 'ann', ['administrator'], 'root');

        expect(await upgradeDefaultRoles(auth(), 'system')).to.deep.equal([
          { tenant: A, moved: 1 },
          { tenant: B, moved: 1 },
        ]);
        expect(await rolesIn(A, 'ann')).to.have.members(['TENANT_ADMINISTRATOR', 'editor']);
        expect(await rolesIn(B, 'ann')).to.deep.equal(['TENANT_ADMINISTRATOR']);
        expect(await rolesIn(A, 'ed')).to.deep.equal(['editor']);
        for (const tenant of [A, B]) {
          expect(await auth().roles.get(tenant, 'administrator')).to.equal(undefined);
          expect(await auth().roles.get(tenant, 'TENANT_ADMINISTRATOR')).to.deep.include(ADMINISTRATOR_ROLE);
          expect(await auth().roles.get(tenant, 'TENANT_READER')).to.deep.include(READER_ROLE);
        }
        // A second start finds nothing to upgrade and changes nothing.
        expect(await upgradeDefaultRoles(auth(), 'system')).to.deep.equal([]);
        expect(await rolesIn(A, 'ann')).to.have.members(['TENANT_ADMINISTRATOR', 'editor']);
      });

      it("leaves an operator's own role named 'administrator' alone, and gives every tenant the default roles", async () => {
        await auth().tenants.create({ id: A, name: 'A' }, 'root');
        const own = await auth().roles.create(A, { ...editor, name: 'administrator', displayName: 'Site admins' }, 'root');
        await auth().users.create({ username: 'ann', defaultTenant: A, passwordHash: 'h', roles: ['administrator'] }, 'root');
        expect(await upgradeDefaultRoles(auth(), 'system')).to.deep.equal([]);
        expect(await auth().roles.get(A, 'administrator')).to.deep.equal(own);
        expect(await rolesIn(A, 'ann')).to.deep.equal(['administrator']);
        const names = (await auth().roles.list(A, PAGE)).items.map((role) => role.name);
        expect(names).to.have.members(['TENANT_ADMINISTRATOR', 'TENANT_READER', 'administrator']);
      });
    });

    it('moves the generation on at every change to a tenant, user, membership or role, and at no read', async () => {
      const changes: Array<[string, () => Promise<unknown>]> = [
        ['tenant created', () => auth().tenants.create({ id: A, name: 'A' }, 'root')],
        ['tenant disabled', () => auth().tenants.setDisabled(A, true)],
        ['role created', () => auth().roles.create(A, editor, 'root')],
        ['role updated', () => auth().roles.update(A, { ...editor, displayName: 'Editor 2' }, 'root')],
        ['user created', () => auth().users.create({ username: 'alice', defaultTenant: A, passwordHash: 'h1', roles: [] }, 'root')],
        ['password changed', () => auth().users.setPassword(A, 'alice', 'h2', 'root')],
        ['user disabled', () => auth().users.setDisabled(A, 'alice', true, 'root')],
        ['roles changed', () => auth().users.setRoles(A, 'alice', ['editor'], 'root')],
        ['membership added', () => auth().users.addMembership(B, 'alice', ['editor'], 'root')],
        ['membership removed', () => auth().users.removeMembership(B, 'alice', 'root')],
        ['role deleted', () => auth().roles.delete(A, 'editor')],
      ];
      for (const [change, write] of changes) {
        const before = (await store.generations()).auth;
        await write();
        const after = (await store.generations()).auth;
        expect(after, change).to.not.equal(before);
        await auth().users.find('alice');
        await auth().tenants.get(A);
        await auth().roles.getMany(A, ['editor']);
        await auth().tokens.find('nope');
        expect((await store.generations()).auth, `reads after: ${change}`).to.equal(after);
      }
    });

    it('keeps an OAuth revocation until its end, moving the generation on when it is recorded', async () => {
      const at = new Date('2024-06-01T00:00:00Z');
      const until = new Date(at.getTime() + 60_000);
      expect(await auth().oauthRevocations.anyRevoked(['grant:g1', 'token:t1'], at)).to.equal(false);
      const before = (await store.generations()).auth;
      await auth().oauthRevocations.revoke('grant:g1', until);
      const after = (await store.generations()).auth;
      expect(after, 'a new revocation').to.not.equal(before);
      await auth().oauthRevocations.revoke('grant:g1', new Date(until.getTime() + 60_000));
      const again = (await store.generations()).auth;
      expect(await auth().oauthRevocations.anyRevoked(['token:t1', 'grant:g1'], at)).to.equal(true);
      expect(await auth().oauthRevocations.anyRevoked(['token:t1'], at), 'another id').to.equal(false);
      expect(await auth().oauthRevocations.anyRevoked([], at), 'no id').to.equal(false);
      expect(await auth().oauthRevocations.anyRevoked(['grant:g1'], until), 'at its end, the first `until` holds').to.equal(false);
      expect((await store.generations()).auth, 'reads').to.equal(again);
    });

    it('refuses operator objects where strings belong', async () => {
      const operator = { $ne: null } as unknown as string;
      for (const attempt of [
        auth().users.find(operator),
        auth().users.get(A, operator),
        auth().roles.get(A, operator),
        auth().tokens.find(operator),
        auth().tenants.get(operator as TenantId),
        auth().oauthRevocations.revoke(operator, new Date()),
        auth().oauthRevocations.anyRevoked([operator], new Date()),
      ]) {
        let error: unknown;
        await attempt.catch((caught: unknown) => {
          error = caught;
        });
        expect(error).to.be.instanceOf(DomainError);
      }
    });
  });
}
