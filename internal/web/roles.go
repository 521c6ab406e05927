package web

import "github.com/rcmbot/rcmbot/internal/store"

// perm is one thing a route lets a user do. Each route requires exactly one.
type perm int

const (
	// permView reads batches, findings, claims, eligibility results,
	// schedules and reports, and downloads workbooks and files.
	permView perm = iota + 1
	// permUpload uploads claims files.
	permUpload
	// permReview approves, overrides, rejects and corrects flagged claims.
	permReview
	// permCheck runs an eligibility check (it contacts a payer).
	permCheck
	// permOperate triggers, pauses and resumes the bots' schedules and
	// deletes batches.
	permOperate
	// permUsers manages user accounts.
	permUsers
	// permAudit reads the PHI access log.
	permAudit
	// permAccount changes one's own password.
	permAccount
	// permPurchase approves and rejects purchase orders.
	permPurchase
	// permReceive records deliveries against purchase orders.
	permReceive
	// permBook books appointments, answers waitlist offers for patients
	// and marks attendance.
	permBook
	// permInvestigate decides access-monitoring cases (dispositions of
	// alerts about who looked at which patient's record).
	permInvestigate
)

// rolePerms is the role model of issue 6: biller uploads and views;
// reviewer also reviews; admin also manages users and schedules; auditor
// reads everything, including the access log, and changes nothing (not even
// by running eligibility checks, which reach out to payers). Issue 12
// adds the purchaser: views what billers view, approves and rejects
// purchase orders and receives deliveries, nothing else; billers and
// reviewers receive too, admins do both. Issue 11 adds the front desk:
// views, books appointments and marks attendance; admins book too and
// import the scheduling templates (permOperate).
var rolePerms = map[store.Role][]perm{
	store.RoleBiller:    {permView, permUpload, permCheck, permReceive, permAccount},
	store.RoleReviewer:  {permView, permUpload, permCheck, permReview, permReceive, permAccount},
	store.RoleAdmin:     {permView, permUpload, permCheck, permReview, permOperate, permUsers, permAudit, permPurchase, permReceive, permBook, permInvestigate, permAccount},
	store.RoleAuditor:   {permView, permAudit, permAccount},
	store.RolePurchaser: {permView, permPurchase, permReceive, permAccount},
	store.RoleFrontDesk: {permView, permBook, permAccount},
	// Issue 13: the privacy officer reads what auditors read and decides
	// the access-monitoring bot's cases.
	store.RolePrivacyOfficer: {permView, permAudit, permInvestigate, permAccount},
}

// codecRoles may decode Temporal payloads through the codec server (the
// Temporal UI's view of workflow inputs and results, which are PHI):
// reviewers, who follow a batch into the Temporal UI when it waits on them;
// admins, who operate the bots; auditors, who investigate. Billers work
// from rcmbot's own pages and do not need raw workflow payloads.
var codecRoles = []string{string(store.RoleReviewer), string(store.RoleAdmin), string(store.RoleAuditor)}

// can reports whether role has p.
func can(role store.Role, p perm) bool {
	for _, q := range rolePerms[role] {
		if q == p {
			return true
		}
	}
	return false
}

// permNames are the names templates use with .Can.
var permNames = map[string]perm{
	"view":        permView,
	"upload":      permUpload,
	"review":      permReview,
	"check":       permCheck,
	"operate":     permOperate,
	"users":       permUsers,
	"audit":       permAudit,
	"purchase":    permPurchase,
	"receive":     permReceive,
	"book":        permBook,
	"investigate": permInvestigate,
}
