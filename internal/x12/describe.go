package x12

import (
	"errors"
	"fmt"
)

// Description is the parsed form of an X12 file that `rcmbot x12 parse
// --format json` prints: the transaction set type and the document as
// the matching reader models it.
type Description struct {
	// Transaction is ST01 of the first transaction set: 270, 271, 277,
	// 837, 999, or another code (read generically).
	Transaction string `json:"transaction"`
	// Document is a *Document270, *Document271, *Document277CA,
	// *Document837, *Document999, or for other transaction sets (and 277
	// claim status responses) a *GenericDocument.
	Document any `json:"document"`
}

// GenericDocument is an interchange of a transaction set type this
// package does not model (835, 276 …): its header and segments.
type GenericDocument struct {
	Header       Header               `json:"header"`
	Transactions []GenericTransaction `json:"transactions"`
	Problems     []Problem            `json:"problems,omitempty"`
}

// GenericTransaction is one transaction set as segments.
type GenericTransaction struct {
	Code     string       `json:"code"`
	Control  string       `json:"control"`
	Segments []RawSegment `json:"segments"`
}

// Describe detects the transaction set type of data (ST01) and parses it
// with the matching reader. The result marshals to JSON. Like the readers,
// it returns an error only for data it cannot read at all.
func Describe(data []byte) (*Description, error) {
	code := DetectTransaction(data)
	var doc any
	var err error
	switch code {
	case "270":
		doc, err = Parse270(data)
	case "271":
		doc, err = Parse271(data)
	case "277":
		if doc, err = Parse277CA(data); errors.Is(err, ErrClaimStatus277) {
			doc, err = readGeneric(data) // a claim status response: segments only
		}
	case "837":
		doc, err = Read837P(data)
	case "999":
		doc, err = Parse999(data)
	default:
		doc, err = readGeneric(data)
	}
	if err != nil {
		return nil, fmt.Errorf("describe X12 (transaction set %q): %w", code, err)
	}
	return &Description{Transaction: code, Document: doc}, nil
}

func readGeneric(data []byte) (*GenericDocument, error) {
	ic, err := parseLenient(data)
	if err != nil {
		return nil, err
	}
	doc := &GenericDocument{Header: ic.Header, Problems: ic.Problems}
	for _, tx := range ic.Transactions() {
		g := GenericTransaction{Code: tx.Code(), Control: tx.Control()}
		for i := range tx.Segments {
			g.Segments = append(g.Segments, raw(&tx.Segments[i]))
		}
		doc.Transactions = append(doc.Transactions, g)
	}
	return doc, nil
}
