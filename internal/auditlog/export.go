package auditlog

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/tlog"
)

// ExportFormat names the export format (the header's "format").
const ExportFormat = "rcmbot-auditlog-export/v1"

// ExportHeader is the first line of an export.
type ExportHeader struct {
	Format string `json:"format"`
	Origin string `json:"origin"`
	// Size is the tree size the export describes.
	Size int64 `json:"size"`
	// Checkpoint is the log's own signed checkpoint at Size, as stored
	// with the log. It proves nothing alone (whoever owns the database
	// holds it), but it is what a partial export's proofs are checked
	// against, and it must agree with the records and with the trusted
	// checkpoints.
	Checkpoint string `json:"checkpoint,omitempty"`
	// Complete is true when records 0 .. Size-1 all follow, in order;
	// otherwise the records that follow each carry an inclusion proof.
	Complete bool `json:"complete"`
	// Consistency proves that the tree at Size extends earlier trees:
	// one proof per earlier size (those of checkpoints kept elsewhere).
	Consistency []ConsistencyProof `json:"consistency,omitempty"`
}

// ConsistencyProof proves the tree at the export's size extends the tree
// of OldSize.
type ConsistencyProof struct {
	OldSize int64          `json:"old_size"`
	Proof   tlog.TreeProof `json:"proof"`
}

// ExportRecord is one record of an export, with its inclusion proof in the
// tree of the header's size when the export is not complete.
type ExportRecord struct {
	Record
	Proof tlog.RecordProof `json:"proof,omitempty"`
}

// ExportWriter writes an export: the header, then one record per line.
type ExportWriter struct {
	w    *bufio.Writer
	enc  *json.Encoder
	next int64
	h    ExportHeader
}

// NewExportWriter writes the header. h.Format is filled in.
func NewExportWriter(w io.Writer, h ExportHeader) (*ExportWriter, error) {
	h.Format = ExportFormat
	bw := bufio.NewWriter(w)
	e := &ExportWriter{w: bw, enc: json.NewEncoder(bw), h: h}
	if err := e.enc.Encode(h); err != nil {
		return nil, err
	}
	return e, nil
}

// Write writes a record. A complete export takes records in order.
func (e *ExportWriter) Write(r ExportRecord) error {
	if e.h.Complete && r.Index != e.next {
		return fmt.Errorf("complete export: record %d written after %d records", r.Index, e.next)
	}
	e.next++
	return e.enc.Encode(r)
}

// Close flushes the export.
func (e *ExportWriter) Close() error { return e.w.Flush() }

// ExportReader reads an export.
type ExportReader struct {
	dec    *json.Decoder
	Header ExportHeader
	line   int
}

// NewExportReader reads the header.
func NewExportReader(r io.Reader) (*ExportReader, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	dec.DisallowUnknownFields()
	x := &ExportReader{dec: dec, line: 1}
	if err := dec.Decode(&x.Header); err != nil {
		return nil, fmt.Errorf("export line 1: not an audit-log export header: %w", err)
	}
	if x.Header.Format != ExportFormat {
		return nil, fmt.Errorf("export line 1: format %q, want %q", x.Header.Format, ExportFormat)
	}
	return x, nil
}

// Next returns the next record, or io.EOF.
func (x *ExportReader) Next() (ExportRecord, error) {
	var r ExportRecord
	x.line++
	if !x.dec.More() {
		return r, io.EOF
	}
	if err := x.dec.Decode(&r); err != nil {
		if errors.Is(err, io.EOF) {
			return r, io.EOF
		}
		return r, fmt.Errorf("export line %d: %w", x.line, err)
	}
	return r, nil
}

// ExportLog writes a complete export of l: every record, in order, as
// next yields them (io.EOF after the last), headed by the log's signed
// checkpoint at l.Size() and consistency proofs from each of oldSizes
// (the sizes of checkpoints kept elsewhere, so a verifier holding only
// those can check the export without rebuilding the tree).
func ExportLog(ctx context.Context, w io.Writer, l *Log, origin string, checkpoint []byte, oldSizes []int64, next func() (Record, error)) error {
	h, err := exportHeader(ctx, l, origin, checkpoint, oldSizes)
	if err != nil {
		return err
	}
	h.Complete = true
	ew, err := NewExportWriter(w, h)
	if err != nil {
		return err
	}
	for n := int64(0); n < l.Size(); n++ {
		r, err := next()
		if err != nil {
			return fmt.Errorf("export record %d: %w", n, err)
		}
		if err := ew.Write(ExportRecord{Record: r}); err != nil {
			return err
		}
	}
	return ew.Close()
}

// ExportRecords writes a partial export: the given records (those of one
// patient, say), each with its inclusion proof in the tree at l.Size().
func ExportRecords(ctx context.Context, w io.Writer, l *Log, origin string, checkpoint []byte, oldSizes []int64, recs []Record) error {
	h, err := exportHeader(ctx, l, origin, checkpoint, oldSizes)
	if err != nil {
		return err
	}
	ew, err := NewExportWriter(w, h)
	if err != nil {
		return err
	}
	for _, r := range recs {
		p, err := l.ProveRecord(ctx, r.Index, l.Size())
		if err != nil {
			return fmt.Errorf("prove record %d: %w", r.Index, err)
		}
		if err := ew.Write(ExportRecord{Record: r, Proof: p}); err != nil {
			return err
		}
	}
	return ew.Close()
}

func exportHeader(ctx context.Context, l *Log, origin string, checkpoint []byte, oldSizes []int64) (ExportHeader, error) {
	h := ExportHeader{Origin: origin, Size: l.Size(), Checkpoint: string(checkpoint)}
	for _, old := range oldSizes {
		if old > l.Size() {
			continue
		}
		p, err := l.ProveTree(ctx, old, l.Size())
		if err != nil {
			return h, fmt.Errorf("prove consistency from %d: %w", old, err)
		}
		h.Consistency = append(h.Consistency, ConsistencyProof{OldSize: old, Proof: p})
	}
	return h, nil
}
