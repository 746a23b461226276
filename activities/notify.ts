// Tells a chat channel how a release ended: a POST of Slack/Mattermost-compatible JSON
// (`text`, plus tagship's own fields) to the worker's TAGSHIP_NOTIFY_URL — on a failed or
// cancelled release, and on success too with TAGSHIP_NOTIFY_ON=all. The URL holds the
// channel's token: it stays in the worker's settings, never in a workflow. A notification that
// cannot be sent never changes how the release ended (the workflow swallows the failure).
export interface NotifyInput {
  workflowId: string;
  runId: string;
  project: string;
  tag: string;
  outcome: 'completed' | 'failed' | 'cancelled';
  /** The stage it ended in, and for a failure its first line. */
  stage: string;
  cause?: string;
}

export interface NotifyDeps {
  url?: string;
  on: 'failure' | 'all';
  /** The Web UI, for a link to the run. */
  uiUrl?: string;
  namespace: string;
}

/** What the message says, and the link to the run. Pure. */
export function notification(input: NotifyInput, deps: Pick<NotifyDeps, 'uiUrl' | 'namespace'>): { text: string; tagship: NotifyInput & { link?: string } } {
  const link = deps.uiUrl ? `${deps.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(input.workflowId)}/${encodeURIComponent(input.runId)}/history` : undefined;
  const head = { completed: 'released', failed: 'FAILED', cancelled: 'was cancelled' }[input.outcome];
  const text = `${input.project} ${input.tag} ${head}${input.outcome === 'completed' ? '' : ` (stage ${input.stage})`}${input.cause ? `: ${input.cause}` : ''}${link ? `\n${link}` : ''}`;
  return { text, tagship: { ...input, ...(link ? { link } : {}) } };
}

export function createNotifyActivities(deps: NotifyDeps) {
  return {
    async notifyRelease(input: NotifyInput): Promise<'sent' | 'off'> {
      if (!deps.url || (input.outcome === 'completed' && deps.on !== 'all')) return 'off';
      const res = await fetch(deps.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(notification(input, deps)), signal: AbortSignal.timeout(10_000) });
      // The URL is a secret: the error names the status only.
      if (!res.ok) throw new Error(`the notification webhook answered HTTP ${res.status}`);
      return 'sent';
    },
  };
}
