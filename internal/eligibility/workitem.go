package eligibility

import "fmt"

// WorkItemKind is the kind of the work items the eligibility bot opens.
const WorkItemKind = "eligibility"

// WorkItemReason says why staff must act on a check's stored result, and
// what to do, as a reason code and a message without patient data; ""
// when no one needs to. res is the stored model; unanswered is the last
// failure when the payer never gave a usable answer ("" when it did), and
// refusedStatus the HTTP status of a permanent refusal (0 if none).
func WorkItemReason(res *Result, unanswered string, refusedStatus int) (code, msg string) {
	switch {
	case res.Status == StatusActive || res.Status == StatusInactive:
		return "", ""
	case res.Status == StatusRetryLater:
		reason := res.Reason
		if unanswered != "" {
			reason = unanswered
		}
		return "unanswered", "The payer did not answer after repeated tries (" + reason + "). Check again later, or call the payer."
	case len(res.Errors) > 0:
		e := res.Errors[0]
		switch e.Code {
		case RejectInvalidMemberID:
			return e.Code, "The payer says the member ID is invalid (AAA 72). Check the insurance card, correct the member ID on file, then check again."
		case RejectMemberNotFound:
			return e.Code, "The payer cannot find this member (AAA 75). Check the payer, member ID, name and date of birth on file against the insurance card, then check again."
		}
		msg = fmt.Sprintf("The payer rejected the request (AAA %s", e.Code)
		if e.Description != "" {
			msg += ": " + e.Description
		}
		msg += ")."
		if e.FollowUpDescription != "" {
			msg += " Payer's follow-up: " + e.FollowUpDescription + "."
		}
		return e.Code, msg + " Correct the details on file, then check again."
	case refusedStatus >= 400:
		return fmt.Sprintf("http_%d", refusedStatus), fmt.Sprintf("The payer refused the request (HTTP %d). Check the payer and the member's details on file; if they are right, ask the payer why.", refusedStatus)
	}
	return "error", "The payer's answer could not be used (" + res.Reason + "). Check again later; if it happens again, call the payer."
}
