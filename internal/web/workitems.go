package web

import (
	"net/http"
	"time"

	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// workItemJSON is a claims work item as the REST API shows it.
type workItemJSON struct {
	ID         string               `json:"id"`
	ClaimID    string               `json:"claim_id"`
	ReasonCode string               `json:"reason_code"`
	Message    string               `json:"message"`
	Status     store.WorkItemStatus `json:"status"`
	CreatedAt  time.Time            `json:"created_at"`
	ResolvedAt *time.Time           `json:"resolved_at,omitempty"`
	ResolvedBy string               `json:"resolved_by,omitempty"`
}

func workItemOut(w store.WorkItem) workItemJSON {
	out := workItemJSON{ID: w.ID, ClaimID: w.ResultID, ReasonCode: w.ReasonCode, Message: w.Message, Status: w.Status,
		CreatedAt: w.CreatedAt, ResolvedBy: w.ResolvedBy}
	if !w.ResolvedAt.IsZero() {
		out.ResolvedAt = &w.ResolvedAt
	}
	return out
}

func (s *claimsWeb) resolveWorkItem(r *http.Request, id auth.Identity) (store.WorkItem, error) {
	if s.claims == nil {
		return store.WorkItem{}, errNoClaimsBot
	}
	return s.claims.ResolveWorkItem(r.Context(), r.PathValue("id"), r.PathValue("item"), id.User.Username)
}

func (s *claimsWeb) resolveWorkItemForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if _, err := s.resolveWorkItem(r, id); err != nil {
		s.failErr(w, r, "resolving work item "+r.PathValue("item"), err)
		return
	}
	http.Redirect(w, r, "/batches/"+r.PathValue("id")+"#work-items", http.StatusSeeOther)
}

// apiWorkItems lists a batch's work items, open and resolved (with who
// resolved them and when).
func (s *claimsWeb) apiWorkItems(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	b, err := s.liveBatch(r)
	if err != nil {
		s.failErr(w, r, "batch "+r.PathValue("id"), err)
		return
	}
	items, err := s.db.WorkItems(r.Context(), "", b.ID, store.Page{Limit: 200})
	if err != nil {
		s.failErr(w, r, "work items of batch "+b.ID, err)
		return
	}
	out := make([]workItemJSON, 0, len(items))
	for _, wi := range items {
		out = append(out, workItemOut(wi))
	}
	writeJSON(w, http.StatusOK, map[string]any{"work_items": out})
}

func (s *claimsWeb) apiResolveWorkItem(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	wi, err := s.resolveWorkItem(r, id)
	if err != nil {
		s.failErr(w, r, "resolving work item "+r.PathValue("item"), err)
		return
	}
	writeJSON(w, http.StatusOK, workItemOut(wi))
}
