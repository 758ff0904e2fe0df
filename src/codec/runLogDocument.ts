/**
 * A run's log (`GET /runs/{id}/log`) as an `abstract-common-list` of lines, with `linesKept` and `linesDropped`
 * after `totalItems` (how many lines the run kept in all, and how many it logged past its limit), and one line as
 * an event stream carries it. `fields` is the plugin's structured fields as JSON text: a list item holds scalars.
 */
import type { Page } from '../domain/paging.js';
import type { RunLogLine, RunLogSummary } from '../domain/runLog.js';
import { COMMON_LIST_ELEMENT, encodeCommonList, type ListItem, type ListSpec } from './commonList.js';
import type { DocNode, DocTree } from './tree.js';

/** One line's fields, in output order: the item's key is its `csid`, as in the run's item list. */
export function runLogLineFields(line: RunLogLine): ListItem {
  return {
    line: line.line,
    csid: line.itemKey,
    attempt: line.attempt,
    level: line.level,
    message: line.message,
    fields: line.fields === undefined ? undefined : JSON.stringify(line.fields),
    at: line.at.toISOString(),
  };
}

export const RUN_LOG_LIST_SPEC: ListSpec<RunLogLine> = {
  fieldsReturned: ['line', 'csid', 'attempt', 'level', 'message', 'fields', 'at'],
  toItem: runLogLineFields,
};

export function encodeRunLog(page: Page<RunLogLine> & RunLogSummary): DocTree {
  const list = encodeCommonList(page, RUN_LOG_LIST_SPEC)[COMMON_LIST_ELEMENT] as DocNode;
  const { 'list-item': items, fieldsReturned, ...head } = list;
  return { [COMMON_LIST_ELEMENT]: { ...head, linesKept: page.kept, linesDropped: page.dropped, fieldsReturned, 'list-item': items } };
}
