// The workflow's clock. Inside the workflow sandbox Date is replaced by the SDK with the time
// of the current workflow task, which replays identically; lint bans Date.now elsewhere in
// workflows so that every read of time goes through here and is visibly deliberate.
export function workflowNow(): number {
  // eslint-disable-next-line no-restricted-properties -- the SDK's deterministic clock, see above
  return Date.now();
}

export function workflowNowIso(): string {
  return new Date(workflowNow()).toISOString();
}
