// Package activities adapts rcmbot's domain packages to Temporal. Each bot
// has a struct whose methods are its activities; dependencies (stores,
// reference data, API clients) are injected when the worker starts, so the
// methods stay small: load what the workflow's IDs point at, call the
// domain package, save the result, report progress.
//
// Activities receive and return opaque identifiers and small summaries,
// never spreadsheets or patient details: the data lives in the store and
// the encrypted blob store (claim check).
package activities
