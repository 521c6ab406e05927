package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/audit"
	"github.com/rcmbot/rcmbot/internal/fault"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// importLabelField is the multipart field naming the import in lists.
const importLabelField = "label"

// importFile is one file of an access-log import: its multipart field and
// the name it is read under (the domain's readers go by path and name bad
// rows by the file's base name, so the uploaded name is never used).
type importFile struct {
	field string
	name  string
	dst   func(*audit.Sources) *string
}

// importFiles are the four files of an import, as the CLI's flags.
var importFiles = []importFile{
	{"access_log", "access", func(s *audit.Sources) *string { return &s.AccessLog }},
	{"staff", "staff", func(s *audit.Sources) *string { return &s.Staff }},
	{"patients", "patients", func(s *audit.Sources) *string { return &s.Patients }},
	{"encounters", "encounters", func(s *audit.Sources) *string { return &s.Encounters }},
}

// importsPageData is the import page: the form and the recent imports.
type importsPageData struct {
	Available bool
	MaxLabel  string
	Imports   []store.AuditImport
	Result    *audit.ImportResult // after an import on this page
}

func (s *auditWeb) importsPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	s.renderImports(w, r, id, http.StatusOK, "", nil)
}

func (s *auditWeb) renderImports(w http.ResponseWriter, r *http.Request, id auth.Identity, status int, errMsg string, res *audit.ImportResult) {
	d := importsPageData{Available: s.audit != nil, MaxLabel: humanBytes(s.cfg.UploadMaxBytes), Result: res}
	if s.audit != nil {
		var err error
		if d.Imports, err = s.audit.Imports(r.Context(), store.Page{Limit: 50}); err != nil {
			s.failErr(w, r, "the access-log imports", err)
			return
		}
	}
	v := newView(id, "Access-log imports", "audit", d)
	v.Error = errMsg
	if res != nil {
		v.Flash = "Imported " + strconv.FormatInt(res.Events, 10) + " accesses; " + strconv.Itoa(len(res.Errors)) + " bad rows skipped. The scan has started."
	}
	s.page(w, status, "audit_imports", v)
}

// importForm is the upload form's import: the page again with the result
// or what was wrong.
func (s *auditWeb) importForm(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	res, err := s.receiveImport(r, id, true)
	var ue *uploadError
	switch {
	case errors.As(err, &ue):
		s.renderImports(w, r, id, ue.status, ue.msg, nil)
	case staffFacing(err):
		s.renderImports(w, r, id, statusOf(fault.CodeOf(err)), fault.MessageOf(err), nil)
	case err != nil:
		s.failErr(w, r, "the import", err)
	default:
		s.renderImports(w, r, id, http.StatusOK, "", &res)
	}
}

// apiImport is POST /api/v1/audit/imports: the import's result as JSON.
func (s *auditWeb) apiImport(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	res, err := s.receiveImport(r, id, false)
	var ue *uploadError
	if errors.As(err, &ue) {
		s.fail(w, r, ue.status, ue.msg)
		return
	}
	if err != nil {
		s.failErr(w, r, "the import", err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

// receiveImport saves the multipart request's files (each at most the
// upload limit, the whole request bounded by guard) in a private
// directory removed afterwards, and imports them as the CLI does. With
// formCSRF, the form's csrf_token must come before the files.
func (s *auditWeb) receiveImport(r *http.Request, id auth.Identity, formCSRF bool) (audit.ImportResult, error) {
	var none audit.ImportResult
	if s.audit == nil {
		return none, errNoAuditBot
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return none, &uploadError{http.StatusUnsupportedMediaType, "Send the files as multipart/form-data in fields access_log, staff, patients and encounters."}
	}
	if r.ContentLength > s.cfg.UploadMaxBytes+multipartOverhead {
		return none, &uploadError{http.StatusRequestEntityTooLarge, s.uploadTooLargeMessage()}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return none, &uploadError{http.StatusBadRequest, "The upload could not be read. Choose the files again and retry."}
	}
	dir, err := os.MkdirTemp("", "rcmbot-audit-import-")
	if err != nil {
		return none, err
	}
	defer os.RemoveAll(dir)
	var src audit.Sources
	var label string
	csrfChecked := !formCSRF || id.ViaToken()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return none, s.multipartError(err)
		}
		switch f := fileField(part.FormName()); {
		case part.FormName() == csrfField:
			tok, err := readPart(part, 256)
			if err != nil {
				return none, s.multipartError(err)
			}
			csrfChecked = tokenEqual(string(tok), id.Session.CSRFToken)
		case part.FormName() == importLabelField:
			b, err := readPart(part, maxPartBytes)
			if err != nil {
				return none, s.multipartError(err)
			}
			label = strings.TrimSpace(string(b))
		case f != nil && part.FileName() != "":
			if !csrfChecked {
				return none, &uploadError{http.StatusForbidden, "This form has expired or did not come from rcmbot. Reload the page and try again."}
			}
			if *f.dst(&src) != "" {
				return none, &uploadError{http.StatusBadRequest, "The field " + f.field + " was sent twice. Send one file per field."}
			}
			path, err := s.saveImportFile(dir, *f, part)
			if err != nil {
				return none, err
			}
			*f.dst(&src) = path
		default: // other fields, and file inputs left empty
			if _, err := readPart(part, maxPartBytes); err != nil {
				return none, s.multipartError(err)
			}
		}
	}
	if !csrfChecked {
		return none, &uploadError{http.StatusForbidden, "This form has expired or did not come from rcmbot. Reload the page and try again."}
	}
	return s.audit.Import(r.Context(), src, label, id.User.Username)
}

// fileField is the import file sent in the multipart field name, or nil.
func fileField(name string) *importFile {
	for i := range importFiles {
		if importFiles[i].field == name {
			return &importFiles[i]
		}
	}
	return nil
}

// saveImportFile writes one uploaded file into dir under f's name, with
// the uploaded file's kind (.xlsx or .csv), at most the upload limit.
func (s *auditWeb) saveImportFile(dir string, f importFile, part *multipart.Part) (string, error) {
	ext := ".csv"
	if strings.EqualFold(filepath.Ext(cleanFileName(part.FileName())), ".xlsx") {
		ext = ".xlsx"
	}
	path := filepath.Join(dir, f.name+ext)
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	lim := &sizeLimit{r: part, left: s.cfg.UploadMaxBytes}
	_, err = io.Copy(out, lim)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case lim.exceeded:
		return "", &uploadError{http.StatusRequestEntityTooLarge, s.uploadTooLargeMessage()}
	case err != nil:
		return "", s.multipartError(err)
	}
	return path, nil
}
