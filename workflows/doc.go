// Package workflows holds rcmbot's bots as Temporal workflows. They only
// orchestrate: every decision about claims, codes or coverage is made by
// plain Go packages under internal/, called through activities. Workflow
// code is deterministic (workflow.Now, workflow.Go, no map ranges that
// schedule work) and passes opaque IDs, never patient data, in its inputs,
// IDs, search attributes and memos.
package workflows
