// Package decision signs the decisions staff make in rcmbot — a claims
// review, a purchase-order approval, an access case's disposition, a
// booking chosen for a patient — so that a bot acts on a decision only when
// rcmbot's web app or CLI vouches for who made it, when, and for which
// workflow.
//
// A workflow's Update handler is reachable by anyone who can reach the
// Temporal frontend. Without this, such a caller could send an Update
// naming any reviewer. With it, the front door signs each decision with a
// private key held by the web app and CLI (a signed note, see
// golang.org/x/mod/sumdb/note, ed25519), and the workflow's Update
// validator opens it with the public keys only: a forged signature, a
// decision for another workflow or of another kind, a stale one or a
// replayed one is refused before it reaches the history.
//
// What is signed is exactly what the workflow acts on: the decision's
// payload travels inside the signed text, and Open decodes it from there.
package decision

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Kind names what a decision decides; each bot declares its kinds as
// constants in its domain package (e.g. "claims.review").
type Kind string

// Decision is one person's decision, as signed.
type Decision struct {
	Kind Kind `json:"kind"`
	// Subject is the workflow ID the decision is for.
	Subject string `json:"subject"`
	// Actor is the username of the person who decided, Role their role
	// when they did.
	Actor string `json:"actor"`
	Role  string `json:"role"`
	// At is when the front door signed it.
	At time.Time `json:"at"`
	// Nonce makes every signed decision unique, so a replay is detectable.
	Nonce string `json:"nonce"`
	// Payload is the decision itself (review actions, approved quantities…).
	Payload json.RawMessage `json:"payload"`
}

// Signed is a decision as a signed note: what a front door sends as an
// Update's argument (or inside it).
type Signed struct {
	Note string `json:"note"`
}

// MaxAge is how long after signing a decision is accepted by default.
// It bounds how long a workflow must remember nonces.
const MaxAge = 10 * time.Minute

// Signer signs decisions for the web app and CLI.
type Signer struct {
	signer note.Signer
	now    func() time.Time
}

// NewSigner returns a Signer for a note private key (as made by
// GenerateKey). now is the clock; nil means time.Now.
func NewSigner(privateKey string, now func() time.Time) (*Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(privateKey))
	if err != nil {
		return nil, fmt.Errorf("decision signing key: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{signer: s, now: now}, nil
}

// GenerateKey makes a new signing key pair named name, as note key strings.
func GenerateKey(name string) (privateKey, publicKey string, err error) {
	return note.GenerateKey(rand.Reader, name)
}

// Pair is a fresh key pair as note key strings, with a Signer on the
// private key and a Verifier of the public one: what `rcmbot dev` and
// tests start from.
type Pair struct {
	PrivateKey, PublicKey string
	Signer                *Signer
	Verifier              *Verifier
}

// NewPair makes a Pair named name; now is the Signer's clock (nil:
// time.Now).
func NewPair(name string, now func() time.Time) (Pair, error) {
	priv, pub, err := GenerateKey(name)
	if err != nil {
		return Pair{}, err
	}
	p := Pair{PrivateKey: priv, PublicKey: pub}
	if p.Signer, err = NewSigner(priv, now); err != nil {
		return Pair{}, err
	}
	if p.Verifier, err = NewVerifier(0, pub); err != nil {
		return Pair{}, err
	}
	return p, nil
}

// Sign signs actor's decision of kind on the workflow subject.
func (s *Signer) Sign(kind Kind, subject, actor, role string, payload any) (Signed, error) {
	if kind == "" || subject == "" || actor == "" {
		return Signed{}, errors.New("decision: kind, subject and actor are required")
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return Signed{}, fmt.Errorf("decision: encode payload: %w", err)
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return Signed{}, fmt.Errorf("decision: nonce: %w", err)
	}
	d := Decision{Kind: kind, Subject: subject, Actor: actor, Role: role, At: s.now().UTC(),
		Nonce: hex.EncodeToString(nonce[:]), Payload: p}
	text, err := json.Marshal(d)
	if err != nil {
		return Signed{}, fmt.Errorf("decision: encode: %w", err)
	}
	msg, err := note.Sign(&note.Note{Text: string(text) + "\n"}, s.signer)
	if err != nil {
		return Signed{}, fmt.Errorf("decision: sign: %w", err)
	}
	return Signed{Note: string(msg)}, nil
}

// Verifier opens signed decisions with public keys. It holds no secret:
// workers need only the public keys.
type Verifier struct {
	known  note.Verifiers
	maxAge time.Duration
}

// NewVerifier returns a Verifier for the given note public keys (several
// while a key is being rotated). maxAge 0 means MaxAge.
func NewVerifier(maxAge time.Duration, publicKeys ...string) (*Verifier, error) {
	if len(publicKeys) == 0 {
		return nil, errors.New("decision: no public keys to verify with")
	}
	var vs []note.Verifier
	for _, k := range publicKeys {
		v, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return nil, fmt.Errorf("decision public key: %w", err)
		}
		vs = append(vs, v)
	}
	if maxAge <= 0 {
		maxAge = MaxAge
	}
	return &Verifier{known: note.VerifierList(vs...), maxAge: maxAge}, nil
}

// MaxAge is how long after signing this Verifier accepts a decision.
func (v *Verifier) MaxAge() time.Duration { return v.maxAge }

// ErrRefused is wrapped by every error Open returns: the decision must not
// be acted on.
var ErrRefused = errors.New("decision refused")

// Open checks that s is signed by a known key, is of kind, is for the
// workflow subject and was signed within MaxAge of now (and not in the
// future beyond a minute of clock skew), then decodes its payload into
// payload (a pointer) and returns the decision. now is the workflow's
// clock in an Update validator. Replays are caught with a Seen set.
func (v *Verifier) Open(s Signed, kind Kind, subject string, now time.Time, payload any) (Decision, error) {
	n, err := note.Open([]byte(s.Note), v.known)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: not signed by rcmbot (%v)", ErrRefused, err)
	}
	d, err := decode(n.Text)
	if err != nil {
		return Decision{}, err
	}
	switch {
	case d.Kind != kind:
		return Decision{}, fmt.Errorf("%w: a %q decision, not %q", ErrRefused, d.Kind, kind)
	case d.Subject != subject:
		return Decision{}, fmt.Errorf("%w: signed for workflow %s, not %s", ErrRefused, d.Subject, subject)
	case d.Actor == "" || d.Nonce == "":
		return Decision{}, fmt.Errorf("%w: no actor or nonce", ErrRefused)
	case now.Sub(d.At) > v.maxAge:
		return Decision{}, fmt.Errorf("%w: signed at %s, more than %s ago", ErrRefused, d.At.Format(time.RFC3339), v.maxAge)
	case d.At.Sub(now) > time.Minute:
		return Decision{}, fmt.Errorf("%w: signed at %s, in the future", ErrRefused, d.At.Format(time.RFC3339))
	}
	if err := d.decodePayload(payload); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// Read returns the decision inside s and decodes its payload into payload
// (a pointer, or nil) without checking the signature, the kind, the
// subject or the age. It is for an Update handler only: Temporal runs the
// validator, which calls Open, before the handler of every new Update, and
// skips validators when it replays history, where the key that signed an
// old decision may have been retired since. Nothing else may act on a
// decision that was only Read.
func Read(s Signed, payload any) (Decision, error) {
	_, err := note.Open([]byte(s.Note), note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return Decision{}, fmt.Errorf("%w: not a signed decision (%v)", ErrRefused, err)
	}
	d, err := decode(unverified.Note.Text)
	if err != nil {
		return Decision{}, err
	}
	if err := d.decodePayload(payload); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// decode reads a note's text as a Decision.
func decode(text string) (Decision, error) {
	var d Decision
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Decision{}, fmt.Errorf("%w: unreadable decision: %v", ErrRefused, err)
	}
	return d, nil
}

// decodePayload decodes d's payload into payload (nil: skipped).
func (d Decision) decodePayload(payload any) error {
	if payload == nil {
		return nil
	}
	pd := json.NewDecoder(bytes.NewReader(d.Payload))
	pd.DisallowUnknownFields()
	if err := pd.Decode(payload); err != nil {
		return fmt.Errorf("%w: unreadable payload: %v", ErrRefused, err)
	}
	return nil
}

// ParseKeys splits a list of note keys as settings and key files hold
// them: separated by ';' or newlines, blank entries and lines starting
// with '#' ignored.
func ParseKeys(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, k := range strings.Split(line, ";") {
			if k = strings.TrimSpace(k); k != "" {
				out = append(out, k)
			}
		}
	}
	return out
}

// PublicKey returns the note public key of a private key made by
// GenerateKey: what workers must list to accept its decisions.
func PublicKey(privateKey string) (string, error) {
	privateKey = strings.TrimSpace(privateKey)
	if _, err := note.NewSigner(privateKey); err != nil {
		return "", fmt.Errorf("decision signing key: %w", err)
	}
	// NewSigner accepted "PRIVATE+KEY+<name>+<hash>+<base64 of 0x01 and the ed25519 seed>".
	parts := strings.SplitN(privateKey, "+", 5)
	name, raw := parts[2], parts[4]
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(b) != 1+ed25519.SeedSize {
		return "", errors.New("decision signing key: not an ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(b[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(name, pub)
}

// Seen remembers the nonces of decisions a workflow accepted, for as long
// as they could still be replayed (the Verifier's MaxAge). It is workflow
// state: deterministic, and small enough to keep in memory.
type Seen struct {
	// Nonces maps an accepted decision's nonce to when it was signed.
	Nonces map[string]time.Time `json:"nonces,omitempty"`
}

// Check refuses a decision whose nonce was accepted before.
func (s *Seen) Check(d Decision) error {
	if _, ok := s.Nonces[d.Nonce]; ok {
		return fmt.Errorf("%w: already acted on (replayed)", ErrRefused)
	}
	return nil
}

// Add records an accepted decision and forgets nonces older than maxAge
// before now, which Open would refuse anyway.
func (s *Seen) Add(d Decision, now time.Time, maxAge time.Duration) {
	if s.Nonces == nil {
		s.Nonces = map[string]time.Time{}
	}
	for n, at := range s.Nonces {
		if now.Sub(at) > maxAge {
			delete(s.Nonces, n)
		}
	}
	s.Nonces[d.Nonce] = d.At
}
