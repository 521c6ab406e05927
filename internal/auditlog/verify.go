package auditlog

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// frontier is the right edge of a Merkle tree being built leaf by leaf:
// the roots of its perfect subtrees, largest first. It holds O(log n)
// hashes, so a log of any length is verified in constant memory.
type frontier struct {
	hashes []tlog.Hash
	sizes  []int64
	n      int64
}

func (f *frontier) add(h tlog.Hash) {
	f.hashes, f.sizes = append(f.hashes, h), append(f.sizes, 1)
	for k := len(f.sizes); k >= 2 && f.sizes[k-1] == f.sizes[k-2]; k = len(f.sizes) {
		f.hashes[k-2] = tlog.NodeHash(f.hashes[k-2], f.hashes[k-1])
		f.sizes[k-2] *= 2
		f.hashes, f.sizes = f.hashes[:k-1], f.sizes[:k-1]
	}
	f.n++
}

// emptyRoot is tlog's hash of the empty tree.
var emptyRoot, _ = tlog.TreeHash(0, nil)

// root is the tree hash of the leaves added so far (tlog.TreeHash's).
func (f *frontier) root() tlog.Hash {
	if len(f.hashes) == 0 {
		return emptyRoot
	}
	h := f.hashes[len(f.hashes)-1]
	for i := len(f.hashes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(f.hashes[i], h)
	}
	return h
}

// Trusted is a signed checkpoint kept outside the database, and where it
// came from (a file name, an email's date) for the report.
type Trusted struct {
	Source string
	Signed []byte
}

// CheckResult is what Verify found about one trusted checkpoint.
type CheckResult struct {
	Source string
	Size   int64
	Time   time.Time
	OK     bool
	Detail string
}

// Report is the outcome of Verify. Problems lists the evidence of
// tampering (empty when the export verifies); Checks what was checked.
type Report struct {
	Origin   string
	Size     int64 // the tree size the export describes
	Records  int64 // records read
	Complete bool
	Checks   []CheckResult
	Problems []string
}

// OK reports whether nothing was found wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

type trustedCP struct {
	Checkpoint
	source string
	result CheckResult
}

// Verify checks an export offline against checkpoints kept outside the
// database, all of which must be signed by the audit key v. For a
// complete export it rebuilds the tree record by record and compares its
// root with every checkpoint's (which proves both that each record is in
// the signed tree and that the log only ever grew), and with the export's
// own checkpoint. For a partial export it checks each record's inclusion
// proof against the export's checkpoint and the export's consistency
// proofs against the trusted ones. An error means the export could not
// be read; evidence of tampering goes into the report.
func Verify(r io.Reader, v note.Verifier, trusted []Trusted) (*Report, error) {
	x, err := NewExportReader(r)
	if err != nil {
		return nil, err
	}
	h := x.Header
	rep := &Report{Origin: h.Origin, Size: h.Size, Complete: h.Complete}
	cps, own := openAll(rep, v, trusted, h)
	if h.Complete {
		err = verifyComplete(x.Next, rep, cps, own, h.Consistency)
	} else {
		err = verifyPartial(x, rep, cps, own)
	}
	if err != nil {
		return nil, err
	}
	finish(rep, cps)
	return rep, nil
}

// VerifyRecords checks a log's records as read back from the database,
// in order (io.EOF after the last), against checkpoints kept outside it and
// the log's own latest checkpoint (own, which may be nil): what the daily
// verification runs.
func VerifyRecords(next func() (Record, error), v note.Verifier, trusted []Trusted, origin string, own []byte) (*Report, error) {
	h := ExportHeader{Origin: origin, Complete: true, Size: -1, Checkpoint: string(own)}
	rep := &Report{Origin: origin, Complete: true, Size: -1}
	cps, ownCP := openAll(rep, v, trusted, h)
	err := verifyComplete(func() (ExportRecord, error) {
		r, err := next()
		return ExportRecord{Record: r}, err
	}, rep, cps, ownCP, nil)
	if err != nil {
		return nil, err
	}
	finish(rep, cps)
	return rep, nil
}

// openAll opens the trusted checkpoints (sorted by size) and the export's own.
func openAll(rep *Report, v note.Verifier, trusted []Trusted, h ExportHeader) ([]*trustedCP, *Checkpoint) {
	var cps []*trustedCP
	for _, t := range trusted {
		c, err := OpenCheckpoint(t.Signed, v)
		if err != nil {
			rep.Checks = append(rep.Checks, CheckResult{Source: t.Source, Detail: err.Error()})
			rep.problem("%s: %v", t.Source, err)
			continue
		}
		if c.Origin != h.Origin {
			rep.Checks = append(rep.Checks, CheckResult{Source: t.Source, Size: c.Size, Time: c.Time,
				Detail: fmt.Sprintf("for log %q, not %q", c.Origin, h.Origin)})
			rep.problem("%s: the checkpoint is for log %q; the log checked is %q", t.Source, c.Origin, h.Origin)
			continue
		}
		cps = append(cps, &trustedCP{Checkpoint: c, source: t.Source, result: CheckResult{Source: t.Source, Size: c.Size, Time: c.Time}})
	}
	slices.SortStableFunc(cps, func(a, b *trustedCP) int { return int(a.Size - b.Size) })
	if h.Checkpoint == "" {
		return cps, nil
	}
	c, err := OpenCheckpoint([]byte(h.Checkpoint), v)
	switch {
	case err != nil:
		rep.problem("the log's own checkpoint: %v", err)
	case h.Size >= 0 && c.Size != h.Size:
		rep.problem("the log's own checkpoint covers %d records, the export says %d", c.Size, h.Size)
	default:
		return cps, &c
	}
	return cps, nil
}

// finish adds the checks' results and where a change lies.
func finish(rep *Report, cps []*trustedCP) {
	for _, c := range cps {
		rep.Checks = append(rep.Checks, c.result)
	}
	localise(rep, cps)
}

func verifyComplete(next func() (ExportRecord, error), rep *Report, cps []*trustedCP, own *Checkpoint, consistency []ConsistencyProof) error {
	var f frontier
	k := 0
	check := func() {
		for ; k < len(cps) && cps[k].Size <= f.n; k++ {
			c := cps[k]
			if c.Size < f.n {
				continue
			}
			c.result.OK = f.root() == c.Root
			if c.result.OK {
				c.result.Detail = fmt.Sprintf("the first %d records have the root it signed", c.Size)
			} else {
				c.result.Detail = fmt.Sprintf("the first %d records do not have the root it signed", c.Size)
				rep.problem("%s (%s, %d records): the records up to %d were changed, removed, reordered or renumbered since it was signed",
					c.source, c.when(), c.Size, c.Size)
			}
		}
	}
	check()
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if r.Index != f.n {
			rep.problem("record %d follows %d records: records are missing or numbered out of order", r.Index, f.n)
			return nil
		}
		if err := r.check(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		f.add(r.Hash())
		rep.Records = f.n
		check()
	}
	if rep.Size < 0 {
		rep.Size = f.n
	} else if f.n != rep.Size {
		rep.problem("the export says it holds %d records but has %d", rep.Size, f.n)
	}
	if own != nil && own.Size != f.n {
		rep.problem("the log's own checkpoint covers %d records but there are %d", own.Size, f.n)
	}
	for ; k < len(cps); k++ {
		c := cps[k]
		c.result.Detail = fmt.Sprintf("covers %d records; the export has only %d", c.Size, f.n)
		rep.problem("%s (%s): it covers %d records but the export has only %d: records at the end were cut off", c.source, c.when(), c.Size, f.n)
	}
	if own != nil && own.Size == f.n && own.Root != f.root() {
		rep.problem("the log's own checkpoint does not match its records")
	}
	for _, p := range consistency {
		c := findSize(cps, p.OldSize)
		if c == nil || p.OldSize > f.n {
			continue
		}
		if err := tlog.CheckTree(p.Proof, f.n, f.root(), c.Size, c.Root); err != nil {
			rep.problem("the consistency proof from %d records does not hold", p.OldSize)
		}
	}
	return nil
}

func findSize(cps []*trustedCP, size int64) *trustedCP {
	for _, c := range cps {
		if c.Size == size {
			return c
		}
	}
	return nil
}

func verifyPartial(x *ExportReader, rep *Report, cps []*trustedCP, own *Checkpoint) error {
	if own == nil {
		rep.problem("a partial export needs its own signed checkpoint to check records against")
		return nil
	}
	for {
		r, err := x.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		rep.Records++
		if err := r.check(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if r.Index >= own.Size || tlog.CheckRecord(r.Proof, own.Size, own.Root, r.Index, r.Hash()) != nil {
			rep.problem("record %d is not in the signed tree of %d records as exported: it was changed or its proof is wrong", r.Index, own.Size)
		}
	}
	for _, c := range cps {
		if c.Size == own.Size {
			c.result.OK = c.Root == own.Root
			c.result.Detail = "the export's checkpoint has the same root"
			if !c.result.OK {
				c.result.Detail = "the export's checkpoint has a different root"
				rep.problem("%s (%s): the export's tree of %d records has a different root: records were changed", c.source, c.when(), c.Size)
			}
			continue
		}
		if c.Size > own.Size {
			c.result.Detail = fmt.Sprintf("covers %d records, more than the export's %d", c.Size, own.Size)
			rep.problem("%s (%s): it covers %d records but the export's tree has only %d: records at the end were cut off", c.source, c.when(), c.Size, own.Size)
			continue
		}
		var proof *ConsistencyProof
		for i := range x.Header.Consistency {
			if x.Header.Consistency[i].OldSize == c.Size {
				proof = &x.Header.Consistency[i]
			}
		}
		if proof == nil {
			c.result.Detail = "the export has no consistency proof from its size"
			rep.problem("%s (%s): the export has no consistency proof from %d records", c.source, c.when(), c.Size)
			continue
		}
		if err := tlog.CheckTree(proof.Proof, own.Size, own.Root, c.Size, c.Root); err != nil {
			c.result.Detail = "the export's tree does not extend it"
			rep.problem("%s (%s): the export's tree of %d records does not extend the signed tree of %d: records were changed or removed",
				c.source, c.when(), own.Size, c.Size)
			continue
		}
		c.result.OK = true
		c.result.Detail = fmt.Sprintf("the export's tree of %d records extends it", own.Size)
	}
	return nil
}

// localise narrows down where a change lies, from the largest checkpoint
// that verified and the smallest that did not.
func localise(rep *Report, cps []*trustedCP) {
	var good, bad *trustedCP
	for _, c := range cps {
		if c.result.OK {
			good = c
		} else if bad == nil && (good == nil || c.Size > good.Size) {
			bad = c
		}
	}
	if bad == nil || good == nil || good.Size >= bad.Size || !rep.Complete {
		return
	}
	rep.problem("the first %d records are intact (checkpoint %s); the change lies in records %d to %d", good.Size, good.source, good.Size, bad.Size-1)
}
