/**
 * The pure parts of the shipped CollectionSpace jobs: refName parsing, which Movement decides an object's
 * location, and inventory status comparison. Their effects on records are tested over HTTP
 * (test/http/shippedPlugins.test.ts).
 */
import { expect } from 'chai';
import type { Csid, StoredRecord, TenantId } from '../../src/domain/types.js';
import {
  inventoryStatusField,
  inventoryStatusUserNote,
  inventoryStatusValues,
  sameInventoryStatus,
  wantedInventoryStatus,
} from '../../plugins/update-inventory-status/inventoryStatus.js';
import { parseLocationDate, selectLatestMovement } from '../../plugins/update-object-location/latestMovement.js';
import { isItemRefName, parseRefName } from '../../plugins/shared/refName.js';

const LOCATION = (short: string, display = short) =>
  `urn:cspace:core.collectionspace.org:locationauthorities:name(location):item:name(${short})'${display}'`;

function movement(
  csid: string,
  fields: Record<string, string>,
  core: { updatedAt?: string; workflowState?: 'project' | 'deleted' } = {},
): StoredRecord {
  const updatedAt = new Date(core.updatedAt ?? '2024-01-01T00:00:00.000Z');
  return {
    csid: csid as Csid,
    docType: 'Movement',
    fields,
    core: {
      tenantId: 'default' as TenantId,
      createdAt: updatedAt,
      createdBy: 'test',
      updatedAt,
      updatedBy: 'test',
      workflowState: core.workflowState ?? 'project',
      revision: 1,
    },
  };
}

describe('shipped plugin behaviour', () => {
  describe('parseRefName', () => {
    it('parses an authority item refName with its display name', () => {
      expect(parseRefName(LOCATION('xyz', 'Display Name'))).to.deep.equal({
        tenantDomain: 'core.collectionspace.org',
        service: 'locationauthorities',
        authority: { kind: 'name', value: 'location' },
        item: { kind: 'name', value: 'xyz' },
        displayName: 'Display Name',
      });
    });

    it('parses authority refNames, id() identifiers and missing or quoted display names', () => {
      expect(parseRefName('urn:cspace:core.collectionspace.org:locationauthorities:name(location)')).to.deep.equal({
        tenantDomain: 'core.collectionspace.org',
        service: 'locationauthorities',
        authority: { kind: 'name', value: 'location' },
      });
      const byId = parseRefName('urn:cspace:museum.org:orgauthorities:id(1f0e2c44-7a2b):item:id(88aa0d1c-3b55)');
      expect(byId?.authority).to.deep.equal({ kind: 'id', value: '1f0e2c44-7a2b' });
      expect(byId?.item).to.deep.equal({ kind: 'id', value: '88aa0d1c-3b55' });
      expect(byId?.displayName).to.equal(undefined);
      expect(parseRefName(LOCATION('shelf', "O'Brien's shelf"))?.displayName).to.equal("O'Brien's shelf");
      expect(parseRefName(LOCATION('empty', ''))?.displayName).to.equal('');
      expect(parseRefName(`  ${LOCATION('padded')}\n`)?.item?.value).to.equal('padded');
    });

    it('refuses anything else', () => {
      const refused: unknown[] = [
        undefined,
        null,
        42,
        { refName: LOCATION('x') },
        '',
        '   ',
        'Gallery 1',
        'urn:cspace:core.collectionspace.org:locationauthorities',
        'urn:cspace:core.collectionspace.org:locationauthorities:location',
        'urn:cspace:core.collectionspace.org:locationauthorities:name()',
        'urn:cspace:core.collectionspace.org:locationauthorities:shortid(location)',
        'urn:cspace:core.collectionspace.org:locationauthorities:name(location):item:name(xyz',
        'urn:cspace:core.collectionspace.org:locationauthorities:name(location):item:name(xyz)Display',
        "urn:cspace:core.collectionspace.org:locationauthorities:name(location):item:name(xyz)'unterminated",
        "urn:cspace:core.collectionspace.org:locationauthorities:name(location):term:name(xyz)'X'",
        "urn:other:core.collectionspace.org:locationauthorities:name(location):item:name(xyz)'X'",
        `x${LOCATION('x')}`,
      ];
      for (const value of refused) expect(parseRefName(value), String(value)).to.equal(undefined);
    });

    it('tells item refNames from authority refNames', () => {
      expect(isItemRefName(LOCATION('xyz'))).to.equal(true);
      expect(isItemRefName('urn:cspace:core.collectionspace.org:locationauthorities:name(location)')).to.equal(false);
      expect(isItemRefName('Gallery 1')).to.equal(false);
    });
  });

  describe('selectLatestMovement', () => {
    it('picks the latest locationDate, whatever the order given', () => {
      const movements = [
        movement('m1', { currentLocation: LOCATION('a'), locationDate: '2023-05-01' }),
        movement('m2', { currentLocation: LOCATION('b'), locationDate: '2024-02-01T10:00:00.000Z' }),
        movement('m3', { currentLocation: LOCATION('c'), locationDate: '2024-01-31' }),
      ];
      for (const order of [movements, [...movements].reverse()]) {
        const latest = selectLatestMovement(order);
        expect(latest?.movement.csid).to.equal('m2');
        expect(latest?.location).to.equal(LOCATION('b'));
      }
    });

    it('breaks locationDate ties by the latest update time', () => {
      const movements = [
        movement('old', { currentLocation: LOCATION('a'), locationDate: '2024-03-01' }, { updatedAt: '2024-03-02T00:00:00Z' }),
        movement('new', { currentLocation: LOCATION('b'), locationDate: '2024-03-01' }, { updatedAt: '2024-03-05T00:00:00Z' }),
      ];
      expect(selectLatestMovement(movements)?.movement.csid).to.equal('new');
      expect(selectLatestMovement([...movements].reverse())?.movement.csid).to.equal('new');
    });

    it('ignores deleted movements and those without a refName location or an ISO locationDate', () => {
      const qualifying = movement('ok', { currentLocation: LOCATION('ok'), locationDate: '2020-01-01' });
      const later = '2025-01-01';
      const movements = [
        movement('deleted', { currentLocation: LOCATION('d'), locationDate: later }, { workflowState: 'deleted' }),
        movement('plain', { currentLocation: 'Gallery 1', locationDate: later }),
        movement('authority', { currentLocation: 'urn:cspace:core.collectionspace.org:locationauthorities:name(location)', locationDate: later }),
        movement('blank', { currentLocation: '', locationDate: later }),
        movement('missing', { locationDate: later }),
        movement('undated', { currentLocation: LOCATION('u') }),
        movement('badDate', { currentLocation: LOCATION('b'), locationDate: 'January 2025' }),
        movement('notADate', { currentLocation: LOCATION('n'), locationDate: '2025-13-45' }),
        qualifying,
      ];
      expect(selectLatestMovement(movements)?.movement.csid).to.equal('ok');
      expect(selectLatestMovement(movements.slice(0, -1))).to.equal(undefined);
      expect(selectLatestMovement([])).to.equal(undefined);
    });

    it('answers the trimmed refName', () => {
      const latest = selectLatestMovement([movement('m', { currentLocation: ` ${LOCATION('a')} `, locationDate: '2024-01-01' })]);
      expect(latest?.location).to.equal(LOCATION('a'));
    });

    it('reads ISO dates and date-times only', () => {
      expect(parseLocationDate('2024-01-02')).to.equal(Date.UTC(2024, 0, 2));
      expect(parseLocationDate('2024-01-02T03:04:05.000Z')).to.equal(Date.UTC(2024, 0, 2, 3, 4, 5));
      expect(parseLocationDate('2024-02-29')).to.equal(Date.UTC(2024, 1, 29));
      for (const value of [undefined, 20240102, '', '02/01/2024', 'March 7, 2024', '2024-02-30x', '2024-02-30', '2023-02-29', '2024-00-10', '2024-01-02T25:00']) {
        expect(parseLocationDate(value), String(value)).to.equal(undefined);
      }
    });
  });

  describe('inventory status', () => {
    const A = "urn:cspace:core.collectionspace.org:vocabularies:name(inventorystatus):item:name(missing)'missing'";
    const B = "urn:cspace:core.collectionspace.org:vocabularies:name(inventorystatus):item:name(unknown)'unknown'";

    it('reads the stored field in every shape documents give it', () => {
      expect(inventoryStatusValues(undefined)).to.deep.equal([]);
      expect(inventoryStatusValues(null)).to.deep.equal([]);
      expect(inventoryStatusValues('')).to.deep.equal([]);
      expect(inventoryStatusValues({})).to.deep.equal([]);
      expect(inventoryStatusValues({ inventoryStatus: '' })).to.deep.equal([]);
      expect(inventoryStatusValues({ inventoryStatus: [] })).to.deep.equal([]);
      expect(inventoryStatusValues({ inventoryStatus: A })).to.deep.equal([A]);
      expect(inventoryStatusValues({ inventoryStatus: [A, '', B] })).to.deep.equal([A, B]);
      expect(inventoryStatusValues('missing')).to.equal(undefined);
      expect(inventoryStatusValues([A])).to.equal(undefined);
      expect(inventoryStatusValues({ inventoryStatus: [{ value: A }] })).to.equal(undefined);
      expect(inventoryStatusValues({ inventoryStatus: A, note: 'x' })).to.equal(undefined);
    });

    it('is equal only for the same values in the same order', () => {
      expect(sameInventoryStatus({ inventoryStatus: [A, B] }, [A, B])).to.equal(true);
      expect(sameInventoryStatus({ inventoryStatus: A }, [A])).to.equal(true);
      expect(sameInventoryStatus(undefined, [])).to.equal(true);
      expect(sameInventoryStatus('', [])).to.equal(true);
      expect(sameInventoryStatus({ inventoryStatus: [B, A] }, [A, B])).to.equal(false);
      expect(sameInventoryStatus({ inventoryStatus: [A] }, [A, A])).to.equal(false);
      expect(sameInventoryStatus({ inventoryStatus: [A] }, [])).to.equal(false);
      expect(sameInventoryStatus(undefined, [A])).to.equal(false);
      expect(sameInventoryStatus('missing', [])).to.equal(false);
    });

    it('drops blank param values and writes CollectionSpace shape and note', () => {
      expect(wantedInventoryStatus(undefined)).to.deep.equal([]);
      expect(wantedInventoryStatus([A, ' ', '', B])).to.deep.equal([A, B]);
      const wanted = [A, B];
      const field = inventoryStatusField(wanted);
      expect(field).to.deep.equal({ inventoryStatus: [A, B] });
      expect(field.inventoryStatus).to.not.equal(wanted);
      expect(inventoryStatusUserNote([])).to.equal('Inventory status values removed.');
    });

    it("names each value by its refName's display name, as CollectionSpace does", () => {
      const status = (short: string, display: string) =>
        `urn:cspace:core.collectionspace.org:vocabularies:name(inventorystatus):item:name(${short})'${display}'`;
      expect(inventoryStatusUserNote([status('missing', 'missing'), status('onloan', 'on loan')])).to.equal(
        'Inventory status changed to missing, on loan.',
      );
      // No display name, or no refName at all: the value itself (the Java job writes "null" or fails).
      const bare = 'urn:cspace:core.collectionspace.org:vocabularies:name(inventorystatus):item:name(lost)';
      expect(inventoryStatusUserNote([bare, 'unknown'])).to.equal(`Inventory status changed to ${bare}, unknown.`);
    });
  });
});
