// Scanner severities, lowest first: the gate ranks findings by their place here. Apart from the
// config schema so the workflows that gate on it do not bundle zod (see
// test/unit/workflow-bundle.test.ts).
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
