// Package claim holds rcmbot's central domain types for professional
// (CMS-1500 / 837P) claims: a Claim with its service Lines, the people and
// providers on it, and the Money and Date value types every other package
// shares.
//
// The package has no dependencies on Temporal, HTTP, SQL or spreadsheets:
// intake builds Claims from files, scrub scores them, x12 writes them as
// 837P, store persists them. Values are normalised at the boundary (codes
// upper-cased, ICD-10-CM codes without the dot, dates as calendar dates,
// money in integer cents) so the rest of the system compares them directly.
package claim
