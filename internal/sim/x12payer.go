package sim

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// serveX12 answers a 270 interchange with a 271: one transaction set per
// inquiry, in order. Throttling and faults go by the first inquiry's payer.
func (s *PayerSim) serveX12(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	doc, err := x12.Parse270(body)
	if doc == nil || len(doc.Inquiries) == 0 {
		msg := "the body holds no 270 inquiry"
		if err != nil {
			msg = "the body is not a readable 270: " + err.Error()
		}
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	payer := doc.Inquiries[0].PayerID
	unavailable, ok := s.respond(w, r, payer, "x12")
	if !ok {
		return
	}
	var answers []x12.Eligibility271
	for _, q := range doc.Inquiries {
		req := eligibility.Request{PayerID: q.PayerID, ProviderNPI: q.ProviderNPI, ProviderName: q.ProviderName,
			MemberID: q.MemberID, FirstName: q.FirstName, LastName: q.LastName, DOB: q.DOB,
			DateOfService: q.ServiceDate, ServiceTypes: q.ServiceTypes, ControlNumber: q.TraceNumber}
		answers = append(answers, eligibility.X12ResponseOf(s.answerFor(&req, unavailable)))
	}
	ctl, _ := strconv.Atoi(doc.Header.Control)
	env := x12.Envelope{SenderID: payer, ReceiverID: doc.Header.SenderID, InterchangeControl: max(ctl, 1),
		GroupControl: max(ctl, 1), TransactionControl: 1, Usage: doc.Header.Usage, Time: time.Now()}
	var buf bytes.Buffer
	if err := x12.Write271(&buf, env, answers); err != nil {
		http.Error(w, "write 271: "+err.Error(), http.StatusInternalServerError)
		return
	}
	s.count(payer, func(st *PayerStats) { st.Answered++ })
	w.Header().Set("Content-Type", "application/edi-x12")
	w.Write(buf.Bytes())
}
