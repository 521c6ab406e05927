// Package x12 reads and writes the ASC X12 5010 documents rcmbot exchanges
// with payers and clearinghouses: 837P claims (005010X222A1), 270/271
// eligibility (005010X279A1), 999 acknowledgements (005010X231A1) and 277CA
// claim acknowledgements (005010X214).
//
// Reading starts with Parse, a tokenizer that takes the delimiters from the
// ISA segment and checks the envelope (ISA/IEA, GS/GE, ST/SE control numbers
// and counts). Problems with the envelope do not stop parsing: they are
// collected as Problems, so a 999 can report them and a response with a
// harmless defect (a wrong SE02, say) is still read. The transaction readers
// (Parse271, Parse999, Parse277CA, Read837P) build on Parse and return
// X12-level models; mapping them to rcmbot's own result types is the job of
// the packages that use them.
//
// Writing goes through one envelope writer (Envelope) shared by Write837P,
// Write270, Write271, Write999 and Write277CA. Output is deterministic for a
// given input and Envelope (control numbers and the timestamp are the
// caller's), text is upper-cased where the implementation guides expect it,
// and characters that would collide with the delimiters are removed from
// data.
//
// Nothing here logs, and error strings carry control numbers, claim IDs,
// codes and segment positions, never patient names, dates of birth or
// member IDs.
package x12
