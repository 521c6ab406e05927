// Package intake reads the claims spreadsheets billing staff export from
// their practice-management systems (.xlsx or .csv, one row per service
// line) into claim.Claims, the way a clearinghouse's upload does: a file
// that cannot be used at all fails as a whole (*FileError, nothing is
// read), while a value that cannot be read is a RowError naming sheet,
// row, column and what was expected, and holds only the claim it belongs
// to. Row errors about the whole file (no units column, dates that could
// be read either way) name the header row or a cell and hold nothing.
//
// Files are recognised by content, not extension: a zip with
// xl/workbook.xml is a workbook, text is CSV (delimiter and encoding
// sniffed), and xls, encrypted workbooks, PDF, ODS and other binaries are
// refused with advice. Workbooks are streamed by intake's own reader
// within Limits (xlsx.go): a damaged sheet, an unterminated CSV quote or
// a file with no claims fails as a whole, never as a short batch. Headers may sit in any of the first 20 rows and
// match the canonical claim.Field names or the synonyms exports use
// ("Claim #", "DOS", "Svc Dt", "CPT/HCPCS", "CPT Code 1", "Dx 1", "ICD1",
// "Diagnosis Pointer 1", "Payor ID", "Subscriber Member ID"...), compared
// without case, spaces or punctuation. One "Patient Name" column in "LAST,
// FIRST MIDDLE" form (Tebra/Kareo, AdvancedMD, eClinicalWorks) stands for
// the last- and first-name columns (composites in columns.go, where the
// insured's name can be added the same way). Unknown columns are kept in
// the Layout and otherwise ignored.
//
// Values are normalised at the boundary: dates from Excel serials or text
// (month first unless the file's dates show it writes them day first;
// two-digit years per DateKind), money in cents (also "135.00 USD" and
// decimal commas, "1.234,50"), codes upper case (ICD-10-CM without the
// dot), identifiers Excel turned into numbers restored as text (NPI,
// member ID; ZIP, TIN, POS, payer ID and anesthesia CPT codes 00100–01999
// get their leading zeros back). Rendering NPI and place of service may
// differ per line.
//
// A claim's rows may be anywhere in the file (exports sorted by date or
// provider interleave claims), so a Reader reads the file through once,
// keeping the cells of the columns it knows, then assembles claims in the
// order they first appear; Reader.Next returns them in chunks and
// Reader.Skip resumes after a retry. How rows group into claims is
// described at the top of assemble.go.
package intake
