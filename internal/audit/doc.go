// Package audit is the access-monitoring bot's domain: it reads who looked
// at which patient's record (EHR access logs and rcmbot's own PHI access
// log), explains the ordinary accesses from the care relationships the
// data already holds, and raises alerts, each with a score from 0 to 100
// and a plain-language reason, for the rest.
//
// # Explanation-based auditing
//
// Following Fabbri and LeFevre (VLDB 2011), an access is explained when the
// data shows why it happened: an encounter with the user (appointment,
// admission, order), an encounter, order or referral of the user's
// department in a time window around it, or a claim the user worked. These
// are the fixed Templates. Templates are also discovered from the data: a
// path from a department and role (Pharmacy pharmacists) to the
// encounters of another department (Intensive Care admissions) that many
// users of the group follow for many patients becomes a template too, so a
// hospital's routine cross-department work is explained without anyone
// writing a rule. One curious user cannot create a template: a path needs
// several users and many patients.
//
// # Rules and scores
//
// Everything that is not explained is weighed by the Rules (RuleID): the
// patient is the user, a relative (same surname and address, weighted by
// how rare the surname is), a co-worker, a neighbour or a VIP; the access
// is outside the user's own usual hours, to a department the user never
// works with, on a new workstation, in a volume spike against the user's
// own baseline and their peer group, a bulk export or print; the account
// is used outside employment; and, for rcmbot's own sign-ins, brute force,
// one address trying many accounts and a token used from a new address.
// Each rule contributes a score; an alert is one (user, patient, rule) —
// or (user, rule) for user-level rules — whose score, its own contribution
// plus half of what the other rules found on the same pair (or at the same
// time, for user-level rules), reaches the rule's threshold. Thresholds
// start at DefaultThresholds and are tuned by the privacy officer's
// dispositions (Tune), with the change explained.
//
// # Two passes
//
// A scan reads the access log twice and never holds it: the Learner builds
// Baselines (each user's usual hours, daily volume, the departments they
// work with, their workstations and addresses, their peer group's volume,
// and the discovered templates), then the Judge weighs every event against
// them. Memory grows with staff, patients, encounters and alerts, not with
// events. The access-monitoring workflows keep Baselines from the nightly
// scan and judge new events against them as they arrive.
//
// The package imports no Temporal, HTTP or SQL. Its error messages name
// files, rows and columns, never values: they may be logged.
package audit
