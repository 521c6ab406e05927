package web

import (
	"net/http"
	"time"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
)

// linkPageData is what a patient's link page shows: when, and what they
// may answer (nothing else about them or the clinic's calendar).
type linkPageData struct {
	Action  string // the form's address
	When    time.Time
	Asked   schedule.LinkAnswer // the answer the email's link carried
	Answers []schedule.LinkAnswer
	Done    string // what was done, after a POST
	Expires time.Time
}

// linkPage renders the patient's page, or the error (fault errors are
// shown, others logged).
func (s *schedulingWeb) linkPage(w http.ResponseWriter, r *http.Request, d linkPageData, err error) {
	v := view{Title: "Your appointment", Data: d}
	status := http.StatusOK
	if err != nil {
		if !staffFacing(err) {
			s.log.Error("web: patient link", "err", err)
			err = fault.Errorf(fault.Unavailable, "Something went wrong. Please call the clinic.")
		}
		v.Error, status = fault.MessageOf(err), statusOf(fault.CodeOf(err))
	}
	s.pages.render(w, status, "scheduling_link", v)
}

func (s *schedulingWeb) slotTime(slot schedule.Slot) time.Time { return slot.At(s.cfg.Location()) }

func (s *schedulingWeb) reminderLink(w http.ResponseWriter, r *http.Request) {
	if s.scheduling == nil {
		s.linkPage(w, r, linkPageData{}, errNoSchedulingBot)
		return
	}
	d := linkPageData{Action: r.URL.Path, Asked: schedule.LinkAnswer(r.URL.Query().Get("answer")),
		Answers: []schedule.LinkAnswer{schedule.AnswerConfirm, schedule.AnswerCancel}}
	ap, err := s.scheduling.LinkAppointment(r.Context(), r.PathValue("token"))
	if err == nil {
		d.When = s.slotTime(ap.SlotOf())
		if !ap.Holds() {
			d.Answers, d.Done = nil, "This appointment is "+string(ap.Status)+"."
		}
	}
	s.linkPage(w, r, d, err)
}

func (s *schedulingWeb) reminderAnswer(w http.ResponseWriter, r *http.Request) {
	if s.scheduling == nil {
		s.linkPage(w, r, linkPageData{}, errNoSchedulingBot)
		return
	}
	ap, err := s.scheduling.RespondToReminder(r.Context(), r.PathValue("token"), schedule.LinkAnswer(r.PostFormValue("answer")))
	d := linkPageData{Action: r.URL.Path, When: s.slotTime(ap.SlotOf())}
	if err == nil {
		d.Done = "Thank you: your appointment is " + string(ap.Status) + "."
	}
	s.linkPage(w, r, d, err)
}

func (s *schedulingWeb) offerLink(w http.ResponseWriter, r *http.Request) {
	if s.scheduling == nil {
		s.linkPage(w, r, linkPageData{}, errNoSchedulingBot)
		return
	}
	d := linkPageData{Action: r.URL.Path, Asked: schedule.LinkAnswer(r.URL.Query().Get("answer")),
		Answers: []schedule.LinkAnswer{schedule.AnswerAccept, schedule.AnswerDecline}}
	o, err := s.scheduling.Offer(r.Context(), r.PathValue("oid"))
	if err == nil {
		d.When, d.Expires = s.slotTime(o.Slot), o.Expires
		if o.State != schedule.OfferPending {
			d.Answers, d.Done = nil, "This offer is "+string(o.State)+"."
		}
	}
	s.linkPage(w, r, d, err)
}

func (s *schedulingWeb) offerAnswer(w http.ResponseWriter, r *http.Request) {
	if s.scheduling == nil {
		s.linkPage(w, r, linkPageData{}, errNoSchedulingBot)
		return
	}
	o, err := s.scheduling.RespondToOffer(r.Context(), r.PathValue("oid"), schedule.LinkAnswer(r.PostFormValue("answer")))
	d := linkPageData{Action: r.URL.Path, When: s.slotTime(o.Slot)}
	if err == nil {
		d.Done = "Thank you: the offer is " + string(o.State) + "."
	}
	s.linkPage(w, r, d, err)
}
