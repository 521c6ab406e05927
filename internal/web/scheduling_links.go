package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/schedule"
	"github.com/rcmbot/rcmbot/internal/schedule/planner"
	"github.com/rcmbot/rcmbot/internal/store"
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
	Choices []linkChoice // a request's times the patient may choose
}

// linkChoice is one time offered on an options link; Value names the
// slot in the form ("2026-12-07 10:30 P1").
type linkChoice struct {
	When  time.Time
	Value string
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

func (s *schedulingWeb) optionsLink(w http.ResponseWriter, r *http.Request) {
	if s.scheduling == nil {
		s.linkPage(w, r, linkPageData{}, errNoSchedulingBot)
		return
	}
	d := linkPageData{Action: r.URL.Path}
	req, err := s.scheduling.RequestLink(r.Context(), r.PathValue("token"))
	if err == nil {
		switch req.Status {
		case schedule.RequestProposed:
			for _, c := range planner.PatientChoices(req.Options) {
				d.Choices = append(d.Choices, linkChoice{When: s.slotTime(c.Slot), Value: c.Slot.Date.String() + " " + c.Slot.Start.String() + " " + c.Slot.ProviderID})
			}
			if d.Choices == nil {
				d.Done = "The clinic will call you to agree on a time."
			}
		case schedule.RequestBooked:
			d.Done = "Your appointment is booked: the confirmation and reminders come by email."
		default:
			d.Done = "These times are no longer offered. Please call the clinic."
		}
	}
	s.linkPage(w, r, d, err)
}

// choiceSlot reads the slot of an options link's button.
func choiceSlot(v string) (schedule.Slot, error) {
	bad := fault.Errorf(fault.Invalid, "Choose one of the times shown.")
	f := strings.Fields(v)
	if len(f) != 3 {
		return schedule.Slot{}, bad
	}
	d, err := claim.ParseDate(f[0])
	if err != nil {
		return schedule.Slot{}, bad
	}
	t, err := schedule.ParseClock(f[1])
	if err != nil {
		return schedule.Slot{}, bad
	}
	return schedule.Slot{ProviderID: f[2], Date: d, Start: t}, nil
}

func (s *schedulingWeb) optionsAnswer(w http.ResponseWriter, r *http.Request) {
	if s.scheduling == nil {
		s.linkPage(w, r, linkPageData{}, errNoSchedulingBot)
		return
	}
	slot, err := choiceSlot(r.PostFormValue("slot"))
	var ap store.SchedAppointment
	if err == nil {
		ap, err = s.scheduling.RespondToOptions(r.Context(), r.PathValue("token"), slot)
	}
	d := linkPageData{Action: r.URL.Path}
	if err == nil {
		d.When, d.Done = s.slotTime(ap.SlotOf()), "Thank you: your appointment is booked. You will be reminded by email."
	}
	s.linkPage(w, r, d, err)
}
