package scrub

import (
	"fmt"
	"slices"

	"github.com/expr-lang/expr/vm"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/refdata"
)

// run is the working state of one Scrub or Rescrub call. Runs are pooled
// by their Scrubber, so their buffers outlive a call; nothing in a run is
// shared with another call.
type run struct {
	s     *Scrubber
	ref   *refdata.Data
	b     batch
	out   []Finding // findings of the claim being checked
	cross []crossFinding
	// own holds the claims' own findings, claim i's ending at ownEnd[i].
	own    []Finding
	ownEnd []int32
	// claimPayer is each claim's payer setup; infos each line's procedure
	// data, the lines of all claims one after the other from lineStart.
	claimPayer []*payerSetup
	infos      []*refdata.ProcInfo
	keys       []refdata.CodeKey
	kinds      []procKind
	lineStart  []int32
	// the claim being checked: its first and last dates of service (of
	// the lines that have one), the patient's age on the first, when known
	firstDOS, lastDOS claim.Date
	age               int
	ageKnown          bool
	npis              npiCache
	// caches in front of the big tables (kept with the pooled run)
	ptp *refdata.PTPCache
	icd *refdata.ICDCache
	// payer-rule evaluation: the expr environment (built when a rule
	// needs it) and the fast path's
	env       RuleEnv
	envBuilt  bool
	fast      fastEnv
	fastReady bool
	machine   vm.VM
	dxBuf     []string
	lines     []LineEnv
	linePtrs  []*LineEnv
	notices   noticeTally
}

// start readies the run for a batch.
func (r *run) start(claims []claim.Claim, ctx Context) {
	r.ref = r.s.ref
	r.b.claims = claims
	if r.ptp == nil {
		r.ptp, r.icd = refdata.NewPTPCache(r.ref.PTP), refdata.NewICDCache(r.ref.ICD10)
	}
	r.claimPayer = r.claimPayer[:0]
	r.infos, r.keys, r.kinds = r.infos[:0], r.keys[:0], r.kinds[:0]
	r.lineStart = r.lineStart[:0]
	r.notices.reset(r.ref, ctx.Today)
}

// resolve looks up claim i's payer and its lines' procedure data, once
// for the whole batch; claims are resolved in order.
func (r *run) resolve(i int, c *claim.Claim) {
	var p *payerSetup
	if n := len(r.claimPayer); n > 0 && r.claimPayer[n-1].id == c.PayerID && r.claimPayer[n-1].known {
		p = r.claimPayer[n-1] // claims of one payer often come together
	} else {
		p = r.s.payer(c.PayerID)
	}
	r.claimPayer = append(r.claimPayer, p)
	r.lineStart = append(r.lineStart, int32(len(r.infos)))
	r.firstDOS, r.lastDOS = 0, 0
	for li := range c.Lines {
		if d := c.Lines[li].From; d != 0 {
			if r.firstDOS == 0 || d < r.firstDOS {
				r.firstDOS = d
			}
			r.lastDOS = max(r.lastDOS, d)
		}
		k, kind := keyAndKind(c.Lines[li].Procedure)
		r.keys = append(r.keys, k)
		r.kinds = append(r.kinds, kind)
		r.infos = append(r.infos, r.ref.Proc.Lookup(k))
	}
}

// npiCache remembers the last NPIs found valid: the claims of a batch
// share a few billing and rendering providers.
type npiCache [4]string

// valid reports whether npi is a valid NPI.
func (c *npiCache) valid(npi string) bool {
	for _, v := range c {
		if v == npi && v != "" {
			return true
		}
	}
	if !ValidNPI(npi) {
		return false
	}
	copy(c[1:], c[:3])
	c[0] = npi
	return true
}

// NoticeCode names a batch notice.
type NoticeCode string

// The batch notices: reference data that did not cover some dates of service.
const (
	NoticeICDYear    NoticeCode = "icd10cm_year_not_loaded" // the DOS's ICD-10-CM fiscal year is not loaded
	NoticeHCPCSStale NoticeCode = "hcpcs_stale"             // the HCPCS list is older than the DOS
	NoticeNCCIStale  NoticeCode = "ncci_ptp_stale"          // the NCCI PTP edits are older than the DOS
	NoticeMUEStale   NoticeCode = "mue_stale"               // the MUE table is older than the DOS
	NoticeAOCStale   NoticeCode = "aoc_stale"               // the add-on code edits are older than the DOS
)

// Notice reports, once per batch, reference data that did not cover some
// claims' dates of service, and what was done instead.
type Notice struct {
	Code    NoticeCode `json:"code"`
	Message string     `json:"message"`
	Claims  int        `json:"claims"` // claims with a date of service affected
	// From and Through are the earliest and latest affected date of service.
	From    claim.Date `json:"dos_from"`
	Through claim.Date `json:"dos_through"`
}

// noticeTally collects the batch notices while claims are checked.
type noticeTally struct {
	icd      *refdata.ICD10
	icdFiles bool
	latestFY int
	// quarterly tables: the day after which each is stale (0: never, a
	// starter table or an unknown vintage)
	staleAfter [4]claim.Date
	vintage    [4]string
	icdYears   map[int]*noticeCount
	quarterly  [4]noticeCount
}

type noticeCount struct {
	claims        int
	from, through claim.Date
	lastClaim     int // claim index last counted (+1)
}

func (n *noticeCount) add(ci int, dos claim.Date) {
	if n.lastClaim != ci+1 {
		n.lastClaim = ci + 1
		n.claims++
	}
	if n.from == 0 || dos < n.from {
		n.from = dos
	}
	n.through = max(n.through, dos)
}

// The quarterly tables a notice may name, in noticeTally's arrays.
const (
	qHCPCS = iota
	qNCCI
	qMUE
	qAOC
)

var quarterlyTables = [4]struct {
	table string
	code  NoticeCode
	what  string
	means string
}{
	{"hcpcs", NoticeHCPCSStale, "HCPCS Level II list", "codes missing from it were reported as warnings (PRC-005), not errors, since they may have been added since"},
	{"ncci_ptp", NoticeNCCIStale, "NCCI PTP edits", "edits added or deleted since were not applied"},
	{"mue", NoticeMUEStale, "MUE table", "MUE values changed since were not applied"},
	{"aoc", NoticeAOCStale, "NCCI add-on code edits", "add-on code edits changed since were not applied"},
}

func (t *noticeTally) reset(ref *refdata.Data, today claim.Date) {
	t.icd = ref.ICD10
	t.icdFiles = ref.ICD10.Complete()
	t.latestFY = 0
	if ys := ref.ICD10.Years(); len(ys) > 0 {
		t.latestFY = ys[len(ys)-1]
	}
	for i, q := range quarterlyTables {
		v := ref.Vintage(q.table)
		t.staleAfter[i], t.vintage[i] = v.Through, v.Label
		t.quarterly[i] = noticeCount{}
	}
	clear(t.icdYears)
}

// claim counts claim ci, whose lines' dates of service run from first to
// last, against the quarterly tables (the HCPCS list only when some line
// bills a Level II code).
func (t *noticeTally) claim(ci int, c *claim.Claim, first, last claim.Date, hcpcs bool) {
	for i := range t.staleAfter {
		after := t.staleAfter[i]
		if after == 0 || last <= after || (i == qHCPCS && !hcpcs) {
			continue
		}
		from := first
		if first <= after { // the claim straddles the table's end: its first line after it
			from = last
			for _, l := range c.Lines {
				if l.From > after && l.From < from {
					from = l.From
				}
			}
		}
		t.quarterly[i].add(ci, from)
		t.quarterly[i].add(ci, last)
	}
}

// icdYear counts a claim whose diagnoses were checked for a fiscal year
// that is not loaded.
func (t *noticeTally) icdYear(ci int, fy int, dos claim.Date) {
	if t.icdYears == nil {
		t.icdYears = map[int]*noticeCount{}
	}
	n := t.icdYears[fy]
	if n == nil {
		n = &noticeCount{}
		t.icdYears[fy] = n
	}
	n.add(ci, dos)
}

func (t *noticeTally) list() []Notice {
	var out []Notice
	fys := make([]int, 0, len(t.icdYears))
	for fy := range t.icdYears {
		fys = append(fys, fy)
	}
	slices.Sort(fys)
	for _, fy := range fys {
		n := t.icdYears[fy]
		used := t.icd.YearFor(n.from).Year
		out = append(out, Notice{Code: NoticeICDYear, Claims: n.claims, From: n.from, Through: n.through,
			Message: fmt.Sprintf("The ICD-10-CM code set of FY%d is not loaded: the diagnoses of %d claim(s) with dates of service %s to %s were checked against FY%d, and findings about them keep their severity. Add icd10cm_order_%d.txt to the reference data and scrub again.",
				fy, n.claims, n.from, n.through, used, fy)})
	}
	for i, q := range quarterlyTables {
		n := &t.quarterly[i]
		if n.claims == 0 {
			continue
		}
		out = append(out, Notice{Code: q.code, Claims: n.claims, From: n.from, Through: n.through,
			Message: fmt.Sprintf("The %s loaded is that of %s (through %s), older than the dates of service of %d claim(s) (%s to %s): %s. Load the current file.",
				q.what, t.vintage[i], t.staleAfter[i], n.claims, n.from, n.through, q.means)})
	}
	return out
}
