package decision

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type actions struct {
	Claims []string `json:"claims"`
	Action string   `json:"action"`
}

func keys(t *testing.T, name string) (*Signer, *Verifier, time.Time) {
	t.Helper()
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	p, err := NewPair(name, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return p.Signer, p.Verifier, now
}

func TestOpenReturnsWhatWasSigned(t *testing.T) {
	s, v, now := keys(t, "rcmbot-decisions")
	signed, err := s.Sign("claims.review", "claims-batch-b-1", "alice", "reviewer", actions{Claims: []string{"C1"}, Action: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	var got actions
	d, err := v.Open(signed, "claims.review", "claims-batch-b-1", now.Add(time.Minute), &got)
	if err != nil {
		t.Fatal(err)
	}
	if d.Actor != "alice" || d.Role != "reviewer" || !d.At.Equal(now) || got.Action != "approve" || len(got.Claims) != 1 {
		t.Fatalf("opened %+v, payload %+v", d, got)
	}
}

func TestOpenRefuses(t *testing.T) {
	s, v, now := keys(t, "rcmbot-decisions")
	other, _, _ := keys(t, "rcmbot-decisions") // same name, different key
	good, err := s.Sign("claims.review", "wf-1", "alice", "reviewer", actions{Action: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Sign("claims.review", "wf-1", "admin", "admin", actions{Action: "override"})
	if err != nil {
		t.Fatal(err)
	}
	edited := Signed{Note: strings.Replace(good.Note, `"alice"`, `"admin"`, 1)}
	cases := []struct {
		name    string
		s       Signed
		kind    Kind
		subject string
		now     time.Time
		want    string
	}{
		{"plain JSON", Signed{Note: `{"kind":"claims.review","subject":"wf-1","actor":"admin"}` + "\n"}, "claims.review", "wf-1", now, "not signed"},
		{"another key", forged, "claims.review", "wf-1", now, "not signed"},
		{"edited text", edited, "claims.review", "wf-1", now, "not signed"},
		{"another workflow", good, "claims.review", "wf-2", now, "signed for workflow wf-1"},
		{"another kind", good, "inventory.approve", "wf-1", now, "not \"inventory.approve\""},
		{"stale", good, "claims.review", "wf-1", now.Add(MaxAge + time.Second), "ago"},
		{"future", good, "claims.review", "wf-1", now.Add(-2 * time.Minute), "in the future"},
	}
	for _, c := range cases {
		_, err := v.Open(c.s, c.kind, c.subject, c.now, nil)
		if err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Open = %v, want a refusal containing %q", c.name, err, c.want)
		}
	}
}

func TestSeenRefusesReplaysAndForgetsOldNonces(t *testing.T) {
	s, v, now := keys(t, "rcmbot-decisions")
	signed, _ := s.Sign("claims.review", "wf-1", "alice", "reviewer", actions{})
	d, err := v.Open(signed, "claims.review", "wf-1", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seen Seen
	if err := seen.Check(d); err != nil {
		t.Fatal(err)
	}
	seen.Add(d, now, v.MaxAge())
	if err := seen.Check(d); err == nil || !errors.Is(err, ErrRefused) {
		t.Fatalf("replay accepted: %v", err)
	}
	later := Decision{Nonce: "n2", At: now.Add(v.MaxAge() + time.Minute)}
	seen.Add(later, later.At, v.MaxAge())
	if _, ok := seen.Nonces[d.Nonce]; ok {
		t.Fatal("a nonce older than MaxAge is still kept")
	}
}

func TestPayloadMustMatchItsType(t *testing.T) {
	s, v, now := keys(t, "rcmbot-decisions")
	signed, _ := s.Sign("claims.review", "wf-1", "alice", "reviewer", map[string]any{"claims": []string{"C1"}, "extra": true})
	var got actions
	if _, err := v.Open(signed, "claims.review", "wf-1", now, &got); err == nil || !strings.Contains(err.Error(), "unreadable payload") {
		t.Fatalf("Open with an unknown payload field = %v", err)
	}
}

func TestReadSkipsOnlyTheSignatureCheck(t *testing.T) {
	s, _, _ := keys(t, "rcmbot-decisions")
	signed, err := s.Sign("claims.review", "wf-1", "alice", "reviewer", actions{Action: "reject"})
	if err != nil {
		t.Fatal(err)
	}
	var got actions
	d, err := Read(signed, &got)
	if err != nil || d.Actor != "alice" || d.Subject != "wf-1" || got.Action != "reject" {
		t.Fatalf("Read = %+v %+v, %v", d, got, err)
	}
	for _, bad := range []Signed{{}, {Note: `{"kind":"claims.review","actor":"admin"}`}, {Note: "not a note\n\n— k x\n"}} {
		if _, err := Read(bad, nil); !errors.Is(err, ErrRefused) {
			t.Errorf("Read(%q) = %v, want a refusal", bad.Note, err)
		}
	}
}

func TestPublicKeyMatchesGenerateKey(t *testing.T) {
	priv, pub, err := GenerateKey("rcmbot-decisions")
	if err != nil {
		t.Fatal(err)
	}
	got, err := PublicKey(priv)
	if err != nil || got != pub {
		t.Fatalf("PublicKey = %q, %v; want %q", got, err, pub)
	}
	if _, err := PublicKey(pub); err == nil {
		t.Error("PublicKey accepted a public key as a private one")
	}
}

func TestRotationAcceptsEveryListedKey(t *testing.T) {
	oldPriv, oldPub, _ := GenerateKey("rcmbot-decisions")
	newPriv, newPub, _ := GenerateKey("rcmbot-decisions")
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	v, err := NewVerifier(0, ParseKeys("# rotated 2026-12-01\n"+oldPub+"\n\n"+newPub+";")...)
	if err != nil {
		t.Fatal(err)
	}
	for _, priv := range []string{oldPriv, newPriv} {
		s, _ := NewSigner(priv, func() time.Time { return now })
		signed, _ := s.Sign("claims.review", "wf-1", "alice", "reviewer", nil)
		if _, err := v.Open(signed, "claims.review", "wf-1", now, nil); err != nil {
			t.Errorf("a listed key is refused: %v", err)
		}
	}
	if got := ParseKeys(" a ; b\n#c\n\nd"); strings.Join(got, ",") != "a,b,d" {
		t.Errorf("ParseKeys = %q", got)
	}
}
