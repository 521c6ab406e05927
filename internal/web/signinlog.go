package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
)

// tokenLogEvery is how often one API token's use from one address is
// logged as a sign-in: enough for the access-monitoring bot to see a token
// used from a new address, without a row per API request.
const tokenLogEvery = 10 * time.Minute

// tokenUses remembers when each (token, address) use was last logged.
type tokenUses struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether a use of token from addr at t should be logged.
func (u *tokenUses) due(token, addr string, t time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.last == nil {
		u.last = make(map[string]time.Time)
	}
	k := token + "\x00" + addr
	if prev, ok := u.last[k]; ok && t.Sub(prev) < tokenLogEvery {
		return false
	}
	u.last[k] = t
	return true
}

// agentOf names a request's browser or client by a short hash of its
// User-Agent (never the header itself).
func agentOf(r *http.Request) string {
	ua := r.Header.Get("User-Agent")
	if ua == "" {
		return ""
	}
	h := sha256.Sum256([]byte(ua))
	return hex.EncodeToString(h[:6])
}

// recordSignIn keeps a sign-in event for the access-monitoring bot. A
// failure to store it is logged and does not refuse the sign-in.
func (s *Server) recordSignIn(r *http.Request, account string, kind audit.SignInKind, tokenID string) {
	if account == "" {
		return
	}
	ev := audit.SignIn{Time: s.now(), Account: account, Kind: kind, IP: clientAddr(r), Agent: agentOf(r), TokenID: tokenID}
	if _, err := s.db.RecordSignIn(r.Context(), ev); err != nil {
		s.log.Error("web: record sign-in event", "kind", string(kind), "err", err)
	}
}
