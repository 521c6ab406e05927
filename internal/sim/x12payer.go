package sim

import (
	"io"
	"net/http"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/eligibility"
	"github.com/rcmbot/rcmbot/internal/x12"
)

// read270 reads the inquiries of a 270 interchange from its segments:
// payer (NM1*PR), provider (NM1*1P), and per subscriber loop (HL..22) the
// trace (TRN), member (NM1*IL, or the dependent NM1*03), DMG, DTP*291
// and EQ segments.
func read270(ic *x12.Interchange) []eligibility.Request {
	var out []eligibility.Request
	for _, t := range ic.Transactions() {
		if t.Code() != "270" {
			continue
		}
		var payerID, npi, provider string
		var cur *eligibility.Request
		for i := range t.Segments {
			s := &t.Segments[i]
			switch s.ID {
			case "HL":
				if s.El(3) == "22" {
					out = append(out, eligibility.Request{PayerID: payerID, ProviderNPI: npi, ProviderName: provider})
					cur = &out[len(out)-1]
				}
			case "NM1":
				switch s.El(1) {
				case "PR":
					payerID = s.El(9)
				case "1P":
					npi, provider = s.El(9), s.El(3)
				case "IL", "03": // subscriber, or the dependent the inquiry is about
					if cur != nil {
						cur.LastName, cur.FirstName = s.El(3), s.El(4)
						if s.El(9) != "" {
							cur.MemberID = s.El(9)
						}
					}
				}
			case "TRN":
				if cur != nil {
					cur.ControlNumber = s.El(2)
				}
			case "DMG":
				if cur != nil {
					cur.DOB = d8(s.El(2))
				}
			case "DTP":
				if cur != nil && s.El(1) == "291" {
					cur.DateOfService = d8(s.El(3))
				}
			case "EQ":
				if cur != nil {
					cur.ServiceTypes = append(cur.ServiceTypes, s.El(1))
				}
			}
		}
	}
	return out
}

// d8 reads CCYYMMDD (the first date of an RD8 range); 0 when unreadable.
func d8(s string) claim.Date {
	if len(s) < 8 {
		return 0
	}
	d, err := claim.ParseDate(s[:4] + "-" + s[4:6] + "-" + s[6:8])
	if err != nil {
		return 0
	}
	return d
}

func (s *PayerSim) serveX12(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	ic, err := x12.Parse(body)
	if ic == nil {
		http.Error(w, "request body is not an X12 interchange: "+err.Error(), http.StatusBadRequest)
		return
	}
	reqs := read270(ic)
	if len(reqs) == 0 || reqs[0].PayerID == "" {
		http.Error(w, "the interchange holds no 270 inquiry with a payer (NM1*PR)", http.StatusBadRequest)
		return
	}
	payer := reqs[0].PayerID
	unavailable, ok := s.respond(w, r, payer, "x12")
	if !ok {
		return
	}
	_ = unavailable
	// TEMP: 271 writing waits for x12.Write271 (being written).
	http.Error(w, "the simulator cannot write 271s yet", http.StatusNotImplemented)
}
