// Package eligibility is rcmbot's model of a payer's answer to "is this
// patient covered on this date, and what will they owe?": one Result for
// both wire formats payers speak (the clearinghouse JSON API and X12
// 270/271), the mapping from each, the classification the bots act on
// (active, inactive, unknown member, retry later, error), the discrepancy
// checks against what the practice has on file, and the appointment roster
// the nightly sweep reads.
//
// The package does no I/O beyond reading a roster file: package payer sends
// requests and hands the response bytes here. It imports no HTTP, Temporal
// or SQL.
//
// A Result holds protected health information (names, dates of birth,
// member IDs) and the raw response bytes: callers store it encrypted and
// never log it. Error strings from this package carry no patient identity.
package eligibility
