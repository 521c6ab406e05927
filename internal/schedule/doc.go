// Package schedule is the scheduling bot's domain: providers and their
// weekly session templates with exceptions (holidays, blocked days and
// hours), visit types, the concrete sessions and slots a template gives
// over a horizon, appointment requests, booked appointments, attendance
// history, and the typed vocabularies (appointment status, attendance
// outcome, request status, waitlist offer state, urgency) every layer of
// the bot shares.
//
// It also defines the planner's instance and plan (the JSON that
// `rcmbot schedule plan` reads and writes, fixed by issue 11) and checks
// an instance before anything plans on it: every message names the field
// and the record (request, appointment, provider) and never a patient's
// data.
//
// The package imports no Temporal, HTTP or SQL. The no-show model lives in
// schedule/noshow, the expected-cost evaluation of one provider-session in
// schedule/cost, and the planner, its rule baselines and the exact
// enumerator in schedule/planner.
package schedule
