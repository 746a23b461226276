// A release's timeline: one row per step and per machine, from the workflow histories (the
// release and its children), drawn as an SVG an operator opens in a browser to see where the
// time went. Pure: the histories come in as plain events, the picture goes out as text.

/** The few facts of a history event a timeline needs (see client/timeline.ts). */
export interface TimelineEvent {
  id: number;
  /** Milliseconds since the epoch, by the server's clock. */
  time: number;
  kind: 'scheduled' | 'started' | 'completed' | 'failed' | 'timed-out' | 'canceled';
  /** For `scheduled`: the activity type; for the others, the scheduled event they close. */
  activity?: string;
  scheduledId?: number;
  /** For `started`: which attempt this is (earlier attempts are not in a history). */
  attempt?: number;
}

export interface TimelineWorkflow {
  /** Row prefix: "release", "target amd64-deb", "deploy". */
  label: string;
  events: TimelineEvent[];
  /** A build target's workflow: its machine's life gets a row of its own. */
  machine?: boolean;
}

export interface Span {
  row: string;
  start: number;
  end: number;
  kind: 'step' | 'machine' | 'failed' | 'queued';
  note?: string;
}

/** Activities that make and remove a machine: a target's machine row spans them. */
const MACHINE_FIRST = 'createMachine';
const MACHINE_LAST = ['verifyMachineGone', 'deleteMachine'];

export function timelineSpans(workflows: TimelineWorkflow[]): Span[] {
  const spans: Span[] = [];
  for (const wf of workflows) {
    const scheduled = new Map<number, { activity: string; time: number }>();
    const started = new Map<number, { time: number; attempt: number }>();
    let machineStart = Infinity;
    let machineEnd = -Infinity;
    for (const e of wf.events) {
      if (e.kind === 'scheduled' && e.activity) scheduled.set(e.id, { activity: e.activity, time: e.time });
      else if (e.kind === 'started' && e.scheduledId !== undefined) started.set(e.scheduledId, { time: e.time, attempt: e.attempt ?? 1 });
      else if (e.scheduledId !== undefined) {
        const s = scheduled.get(e.scheduledId);
        if (!s) continue;
        const st = started.get(e.scheduledId);
        const row = `${wf.label}: ${s.activity}`;
        // Waiting for a worker or machine to pick the step up, drawn apart from the work.
        if (st && st.time - s.time >= 200) spans.push({ row, start: s.time, end: st.time, kind: 'queued' });
        const attempts = st && st.attempt > 1 ? `${st.attempt} attempts` : undefined;
        spans.push({ row, start: st?.time ?? s.time, end: e.time, kind: e.kind === 'completed' ? 'step' : 'failed', ...(attempts ? { note: attempts } : {}) });
        if (wf.machine && s.activity === MACHINE_FIRST) machineStart = Math.min(machineStart, st?.time ?? s.time);
        if (wf.machine && MACHINE_LAST.includes(s.activity)) machineEnd = Math.max(machineEnd, e.time);
      }
    }
    if (wf.machine && Number.isFinite(machineStart) && machineEnd > machineStart) spans.push({ row: `${wf.label}: machine`, start: machineStart, end: machineEnd, kind: 'machine' });
  }
  return spans;
}

const COLORS: Record<Span['kind'], string> = { step: '#3b82f6', machine: '#f59e0b', failed: '#dc2626', queued: '#cbd5e1' };

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The spans as an SVG: rows in order of their first start, a time axis in seconds. */
export function renderTimelineSvg(spans: Span[], title: string): string {
  const rows = [...new Map(spans.slice().sort((a, b) => a.start - b.start).map((s) => [s.row, s.start])).keys()];
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => s.end));
  const total = Math.max(1, t1 - t0);
  const labelW = 300;
  const plotW = 900;
  const rowH = 20;
  const top = 44;
  const height = top + rows.length * rowH + 30;
  const x = (t: number) => labelW + ((t - t0) / total) * plotW;
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((s) => (total / 1000) / s <= 12) ?? 7200;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 20}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="8" y="34" fill="#555">${(total / 1000).toFixed(1)} s wall · blue: a step · grey: waiting to be picked up · amber: a machine alive · red: a failed attempt</text>`,
  ];
  for (let s = 0; s * 1000 <= total; s += step) {
    const gx = x(t0 + s * 1000).toFixed(1);
    out.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${height - 24}" stroke="#eee"/>`, `<text x="${gx}" y="${height - 10}" text-anchor="middle" fill="#555">${s} s</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    out.push(`<text x="8" y="${y + 14}">${escapeXml(row)}</text>`);
    for (const s of spans.filter((sp) => sp.row === row)) {
      const w = Math.max(1, x(s.end) - x(s.start));
      out.push(`<rect x="${x(s.start).toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${COLORS[s.kind]}"><title>${escapeXml(`${row}: ${((s.end - s.start) / 1000).toFixed(2)} s${s.note ? ` (${s.note})` : ''}`)}</title></rect>`);
      if (s.note) out.push(`<text x="${(x(s.end) + 4).toFixed(1)}" y="${y + 14}" fill="#555">${escapeXml(s.note)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
