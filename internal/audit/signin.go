package audit

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// SignInKind is what happened at one of rcmbot's own sign-ins.
type SignInKind string

// The sign-in kinds the web app and API record.
const (
	SignInSuccess SignInKind = "success" // a password sign-in that succeeded
	SignInFailure SignInKind = "failure" // a wrong password, or an account that does not exist
	SignInLockout SignInKind = "lockout" // refused because the account is locked
	SignInToken   SignInKind = "token"   // a request authenticated by an API token
)

// SignInKinds lists every SignInKind.
var SignInKinds = []SignInKind{SignInSuccess, SignInFailure, SignInLockout, SignInToken}

// ParseSignInKind reads a sign-in kind.
func ParseSignInKind(s string) (SignInKind, error) { return oneOf(s, SignInKinds, "sign-in kind") }

// SignIn is one of rcmbot's own sign-in events, as the web app's sign-in
// log records it. Account must be the same identifier rcmbot's PHI access
// log uses as Event.UserID, so that sign-ins and accesses meet in one
// user's baseline.
type SignIn struct {
	Time time.Time
	// Account is the account signed in to, or the name that was tried
	// (which may not exist); for SignInToken, the token's owner.
	Account string
	Kind    SignInKind
	IP      string // the client's network address
	// Agent identifies the browser or client (a short name or a hash of
	// the User-Agent): a new one counts as a new workstation.
	Agent string
	// TokenID is the API token's ID for SignInToken (never the secret).
	TokenID string
}

// learnAccount accumulates an AccountBaseline.
type learnAccount struct {
	first  claim.Date
	ips    map[string]*seenStat
	agents map[string]*seenStat
}

func (a *learnAccount) see(d claim.Date, ip, agent string) {
	if a.first == 0 || d < a.first {
		a.first = d
	}
	if ip != "" {
		seeIn(&a.ips, ip, d)
	}
	if agent != "" {
		seeIn(&a.agents, agent, d)
	}
}

func learnAccountOf(m map[string]*learnAccount, k string) *learnAccount {
	a := m[k]
	if a == nil {
		a = &learnAccount{}
		m[k] = a
	}
	return a
}

// AddSignIn learns from one of rcmbot's sign-ins: the addresses and
// browsers an account signs in from, and the addresses a token is used
// from. Failures teach nothing (an attacker's address must not become usual).
func (l *Learner) AddSignIn(s SignIn) {
	if s.Account == "" || s.Time.IsZero() {
		return
	}
	d, _ := localDay(l.zone.local(s.Time.Unix()))
	switch s.Kind {
	case SignInSuccess:
		learnAccountOf(l.accounts, s.Account).see(d, s.IP, s.Agent)
	case SignInToken:
		if s.TokenID != "" {
			learnAccountOf(l.tokens, s.TokenID).see(d, s.IP, "")
		}
	}
}

func accountBaselines(m map[string]*learnAccount) map[string]*AccountBaseline {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*AccountBaseline, len(m))
	for k, a := range m {
		b := &AccountBaseline{FirstDay: a.first}
		b.IPs, b.Agents = seenOf(a.ips, identity), seenOf(a.agents, identity)
		out[k] = b
	}
	return out
}

func identity(s string) string { return s }

// The sign-in rules' parameters: failures are counted in five-minute
// buckets over a sliding window of signinWindowBuckets buckets.
const (
	signinBucket        = 300 // seconds
	signinWindowBuckets = 3   // 15 minutes
	bruteMinFailures    = 10
	manyAccountsMin     = 5
)

type signinAccount struct {
	fails     map[int64]*span
	successes map[int64]bool
	tokenNew  *userSignal
}

type signinAddress struct {
	accounts map[int64]map[string]struct{}
	fails    map[int64]*span
}

// signinJudge holds the sign-in rules' state.
type signinJudge struct {
	accounts map[string]*signinAccount
	addrs    map[string]*signinAddress
}

func (s *signinJudge) init() {
	s.accounts = make(map[string]*signinAccount)
	s.addrs = make(map[string]*signinAddress)
}

func (s *signinJudge) account(name string) *signinAccount {
	a := s.accounts[name]
	if a == nil {
		a = &signinAccount{fails: make(map[int64]*span), successes: make(map[int64]bool)}
		s.accounts[name] = a
	}
	return a
}

func bucketSpan(m map[int64]*span, b int64) *span {
	s := m[b]
	if s == nil {
		s = &span{}
		m[b] = s
	}
	return s
}

// AddSignIn judges one of rcmbot's own sign-ins.
func (j *Judge) AddSignIn(s SignIn) {
	if s.Account == "" || s.Time.IsZero() {
		return
	}
	sec := s.Time.Unix()
	d, _ := localDay(j.zone.local(sec))
	b := floorDiv(sec, signinBucket)
	u := j.dir.userIndex(s.Account)
	ju := j.user(u)
	acc := j.signins.account(s.Account)
	switch s.Kind {
	case SignInFailure, SignInLockout:
		bucketSpan(acc.fails, b).add(sec)
		if s.IP != "" {
			ad := j.signins.addrs[s.IP]
			if ad == nil {
				ad = &signinAddress{accounts: make(map[int64]map[string]struct{}), fails: make(map[int64]*span)}
				j.signins.addrs[s.IP] = ad
			}
			if ad.accounts[b] == nil {
				ad.accounts[b] = make(map[string]struct{})
			}
			ad.accounts[b][s.Account] = struct{}{}
			bucketSpan(ad.fails, b).add(sec)
		}
	case SignInSuccess:
		acc.successes[b] = true
		base := j.base.Accounts[s.Account]
		if s.IP != "" && newFor(base, base.ipsOrNil(), s.IP, d, j.opts.LearningDays) {
			signal(&ju.newIP).addAt(sec, d)
			ju.newIP.note(s.IP)
			signal(&ju.newAny).addAt(sec, d)
		}
		if s.Agent != "" && newFor(base, base.agentsOrNil(), s.Agent, d, j.opts.LearningDays) {
			signal(&ju.newDevice).addAt(sec, d)
			ju.newDevice.note("browser " + s.Agent)
			signal(&ju.newAny).addAt(sec, d)
		}
	case SignInToken:
		base := j.base.Tokens[s.TokenID]
		if s.IP != "" && s.TokenID != "" && newFor(base, base.ipsOrNil(), s.IP, d, j.opts.LearningDays) {
			signal(&acc.tokenNew).addAt(sec, d)
			acc.tokenNew.note(s.IP)
		}
	}
}

func (b *AccountBaseline) ipsOrNil() map[string]Seen {
	if b == nil {
		return nil
	}
	return b.IPs
}

func (b *AccountBaseline) agentsOrNil() map[string]Seen {
	if b == nil {
		return nil
	}
	return b.Agents
}

// newFor reports whether key is new for an account or token with baseline
// b on day d (the same test as for workstations).
func newFor(b *AccountBaseline, known map[string]Seen, key string, d claim.Date, learning int) bool {
	if b == nil || d < b.FirstDay+claim.Date(learning) {
		return false
	}
	s, ok := known[key]
	return !ok || s.First >= b.FirstDay+claim.Date(learning) && s.Days <= newMaxDays
}

// window sums buckets b .. b+signinWindowBuckets-1.
func window(m map[int64]*span, b int64) int {
	n := 0
	for k := range int64(signinWindowBuckets) {
		if s := m[b+k]; s != nil {
			n += s.events
		}
	}
	return n
}

// flaggedSpan is the span and days of the buckets in every window that
// reached need, with the largest window's count.
func flaggedSpan(m map[int64]*span, count func(int64) int, need int, dayOf func(int64) claim.Date) (span, map[claim.Date]struct{}, int) {
	var sp span
	days := make(map[claim.Date]struct{})
	flagged := make(map[int64]bool)
	peak := 0
	for b := range m {
		n := count(b)
		if n < need {
			continue
		}
		peak = max(peak, n)
		for k := range int64(signinWindowBuckets) {
			if m[b+k] != nil {
				flagged[b+k] = true
			}
		}
	}
	for b := range flagged {
		s := m[b]
		if sp.events == 0 || s.first < sp.first {
			sp.first = s.first
		}
		sp.last = max(sp.last, s.last)
		sp.events += s.events
		days[dayOf(s.first)] = struct{}{}
	}
	return sp, days, peak
}

// userFindings returns the brute-force and token findings for an account.
func (s *signinJudge) userFindings(j *Judge, account string) []finding {
	acc := s.accounts[account]
	if acc == nil {
		return nil
	}
	var out []finding
	sp, days, peak := flaggedSpan(acc.fails, func(b int64) int { return window(acc.fails, b) }, bruteMinFailures, j.dayOf)
	if peak > 0 {
		score := math.Min(scoreBruteForceMax, scoreBruteForce+2*float64(peak-bruteMinFailures))
		text := fmt.Sprintf("%d failed sign-ins within 15 minutes (%s in all)", peak, times(sp.events, "failure"))
		for b := floorDiv(sp.first, signinBucket); b <= floorDiv(sp.last, signinBucket)+signinWindowBuckets; b++ {
			if acc.successes[b] {
				score += scoreBruteSuccess
				text += ", followed by a successful sign-in"
				break
			}
		}
		out = append(out, finding{reason{RuleBruteForce, score, text, days}, sp})
	}
	if t := acc.tokenNew; t != nil {
		out = append(out, finding{reason{RuleTokenNewAddress, scoreTokenAddress,
			fmt.Sprintf("An API token was used %s from a network address it had not been used from (%s)", times(t.events, "time"), strings.Join(t.notes, ", ")),
			t.days}, t.span})
	}
	return out
}

// addressAlerts returns the alerts about network addresses trying many accounts.
func (s *signinJudge) addressAlerts(j *Judge) []Alert {
	var out []Alert
	for ip, ad := range s.addrs {
		count := func(b int64) int {
			seen := make(map[string]struct{})
			for k := range int64(signinWindowBuckets) {
				for a := range ad.accounts[b+k] {
					seen[a] = struct{}{}
				}
			}
			return len(seen)
		}
		sp, _, peak := flaggedSpan(ad.fails, count, manyAccountsMin, j.dayOf)
		if peak == 0 {
			continue
		}
		score := int(math.Round(math.Min(scoreBruteForceMax, scoreManyAccounts+5*float64(peak-manyAccountsMin))))
		if score < j.thresholds.For(RuleAddressManyAccounts) {
			continue
		}
		out = append(out, Alert{Rule: RuleAddressManyAccounts, Address: ip, Score: score, FirstTime: j.time(sp.first),
			LastTime: j.time(sp.last), Events: sp.events,
			Explanation: fmt.Sprintf("One network address failed to sign in to %d accounts within 15 minutes (%s in all). Score %d.", peak, times(sp.events, "failure"), score)})
	}
	return out
}
