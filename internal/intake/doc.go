// Package intake reads the claims spreadsheets billing staff export from
// their practice-management systems (.xlsx or .csv, one row per service
// line) into claim.Claims, the way a clearinghouse's upload does: a file
// that cannot be used at all fails as a whole (*FileError, nothing is
// read), while a value that cannot be read is a RowError naming sheet,
// row, column and what was expected, and holds only the claim it belongs
// to.
//
// Files are recognised by content, not extension: a zip with
// xl/workbook.xml is a workbook, text is CSV (delimiter and encoding
// sniffed), and xls, encrypted workbooks, PDF, ODS and other binaries are
// refused with advice. Headers may sit in any of the first 20 rows and
// match the canonical claim.Field names or the synonyms exports use
// ("Claim #", "DOS", "CPT/HCPCS", "Dx 1", "Payor ID"...), compared without
// case, spaces or punctuation. Unknown columns are kept in the Layout and
// otherwise ignored.
//
// Values are normalised at the boundary: dates from Excel serials or text
// (US month/day order; two-digit years per DateKind), money in cents,
// codes upper case (ICD-10-CM without the dot), identifiers Excel turned
// into numbers restored as text (NPI, member ID; ZIP, TIN, POS, payer ID
// and anesthesia CPT codes get their leading zeros back).
//
// Large files stream: an xlsx sheet is read with excelize's row iterator
// and a CSV with encoding/csv, so memory holds one claim at a time plus
// the set of claim IDs seen. Reader.Next returns claims in chunks and
// Reader.Skip resumes after a retry. How rows group into claims is
// described at the top of assemble.go.
package intake
