// How a workflow says which stage it is in: its progress query's answer, the current details
// the Web UI shows, and the TagshipStage search attribute operators filter on — together, so
// they never disagree. Workflow code.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from '../core/search-attributes.ts';

export function stageEntry<S extends string>(progress: { stage: S }): (stage: S, details: string) => void {
  return (stage, details) => {
    progress.stage = stage;
    setCurrentDetails(`**${stage}** — ${details}`);
    upsertSearchAttributes([{ key: SA.stage, value: stage }]);
  };
}
