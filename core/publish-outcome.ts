// What a publish pipe reports for each file or package it sends. Pure, shared by the publish
// pipes, the release result and the retry decisions.

export type PublishOutcome = 'published' | 'already-published';
