package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
)

// statusOf is the HTTP status of each fault code: the one place the web
// app maps them. Invalid is 422 (the request was read, and what it asks
// is wrong: the message says what to fix); malformed requests the
// handlers cannot even read (bad JSON, not multipart) answer 400, 413 or
// 415 through fail directly, as HTTP-level refusals no code describes.
func statusOf(c fault.Code) int {
	switch c {
	case fault.Invalid:
		return http.StatusUnprocessableEntity
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// staffFacing reports whether err carries a message for staff (a
// fault.Error with a code other than Internal).
func staffFacing(err error) bool {
	c := fault.CodeOf(err)
	return c != "" && c != fault.Internal
}

// failErr answers with the status of err's fault code and its message;
// an internal error is logged and a generic message naming what (the
// thing that failed) is shown instead.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, what string, err error) {
	if staffFacing(err) {
		s.fail(w, r, statusOf(fault.CodeOf(err)), fault.MessageOf(err))
		return
	}
	s.log.Error("web: "+what, "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, fmt.Sprintf("Something went wrong with %s. Try again; if it keeps happening, tell your rcmbot administrator (time %s).",
		what, s.now().Format("2006-01-02 15:04:05")))
}

// lookup turns a store lookup's ErrNotFound into what staff see: a
// fault.NotFound naming what they asked for (what, e.g. "batch b-1").
// The store's sentinels are facts about rows, not messages; only the
// handler knows the ID came from the address staff opened. Other errors
// pass unchanged.
func lookup(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fault.Wrap(err, fault.NotFound, "%s was not found: it may have been deleted, or the address is mistyped.", upperFirst(what))
	}
	return err
}
