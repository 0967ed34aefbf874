package callsync

import (
	"slices"
	"strings"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

// untitledSubject stands in for a call Gong has no title for.
const untitledSubject = "Untitled Gong call"

// ConversationSettings name the conversation type and the custom fields
// (PLANHAT_CONVERSATION_TYPE, PLANHAT_FIELD_GONG_URL, PLANHAT_FIELD_CALL_DURATION).
type ConversationSettings struct {
	Type              string // default "Gong Call"
	FieldGongURL      string // default "Gong URL"
	FieldCallDuration string // default "Call Duration"
}

// BuildConversation maps a call to the Planhat conversation of companyID
// (DESIGN §6). users and endusers are candidates looked up by email; only
// those matching a party are referenced: users by an Internal party's email,
// endusers of companyID by another party's email. Description stays nil so
// that an update never touches a summary already written (see MergeDescription).
func BuildConversation(call gong.CallData, companyID string, users []planhat.User, endusers []planhat.Enduser, s ConversationSettings) planhat.Conversation {
	meta := call.MetaData
	subject := strings.TrimSpace(meta.Title)
	if subject == "" {
		subject = untitledSubject
	}
	date := meta.Started
	if date == "" {
		date = meta.Scheduled
	}
	return planhat.Conversation{
		Type:       s.Type,
		Subject:    subject,
		Date:       date,
		CompanyID:  companyID,
		ExternalID: meta.ID,
		Users:      matchUsers(InternalEmails(call), users),
		Endusers:   matchEndusers(ExternalEmails(call), companyID, endusers),
		Custom:     conversationCustom(meta, s),
	}
}

// InternalEmails returns the Internal parties' emails in normal form (lower
// case, domain in IDNA ASCII form; see parseEmail), de-duplicated, in party
// order: the ones to match against Planhat users.
func InternalEmails(call gong.CallData) []string {
	return partyEmails(call, true)
}

// ExternalEmails returns the emails of every party that is not Internal
// (free-mail included, since a contact may use one) in normal form,
// de-duplicated, in party order: the ones to look up as endusers.
func ExternalEmails(call gong.CallData) []string {
	return partyEmails(call, false)
}

func partyEmails(call gong.CallData, internal bool) []string {
	var emails []string
	for _, party := range call.Parties {
		if isInternal(party) != internal {
			continue
		}
		if email, _, ok := parseEmail(party.EmailAddress); ok && !slices.Contains(emails, email) {
			emails = append(emails, email)
		}
	}
	return emails
}

// matchUsers references, in the order of emails, the first Planhat user with
// each email. Inactive users are kept: they were on the call all the same.
func matchUsers(emails []string, users []planhat.User) []planhat.PersonRef {
	var refs []planhat.PersonRef
	for _, email := range emails {
		i := slices.IndexFunc(users, func(u planhat.User) bool { return sameEmail(u.Email, email) })
		if i < 0 || users[i].ID == "" || containsRef(refs, users[i].ID) {
			continue
		}
		refs = append(refs, planhat.PersonRef{ID: users[i].ID, Name: userName(users[i])})
	}
	return refs
}

// matchEndusers references, in the order of emails, the first enduser of
// companyID with each email (primary or other). Endusers of other companies
// are skipped: one email may exist on several companies in Planhat.
func matchEndusers(emails []string, companyID string, endusers []planhat.Enduser) []planhat.PersonRef {
	var refs []planhat.PersonRef
	for _, email := range emails {
		i := slices.IndexFunc(endusers, func(e planhat.Enduser) bool {
			return e.CompanyID == companyID && (sameEmail(e.Email, email) ||
				slices.ContainsFunc(e.OtherEmails, func(other string) bool { return sameEmail(other, email) }))
		})
		if i < 0 || endusers[i].ID == "" || containsRef(refs, endusers[i].ID) {
			continue
		}
		refs = append(refs, planhat.PersonRef{ID: endusers[i].ID, Name: enduserName(endusers[i])})
	}
	return refs
}

func containsRef(refs []planhat.PersonRef, id string) bool {
	return slices.ContainsFunc(refs, func(ref planhat.PersonRef) bool { return ref.ID == id })
}

// sameEmail compares a Planhat email with a party email already in normal
// form (see parseEmail), so case and the Unicode or ASCII spelling of an
// internationalised domain make no difference.
func sameEmail(planhatEmail, partyEmail string) bool {
	email, _, ok := parseEmail(planhatEmail)
	return ok && email == partyEmail
}

func userName(u planhat.User) string {
	if name := strings.TrimSpace(u.NickName); name != "" {
		return name
	}
	return personName("", u.FirstName, u.LastName, u.Email)
}

func enduserName(e planhat.Enduser) string {
	return personName(e.Name, e.FirstName, e.LastName, e.Email)
}

// personName is the full name if known, else "first last", else the email.
func personName(full, first, last, email string) string {
	if name := strings.TrimSpace(full); name != "" {
		return name
	}
	if name := strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last)); name != "" {
		return name
	}
	return strings.TrimSpace(email)
}

// conversationCustom fills the custom fields that have a value; nil when none.
func conversationCustom(meta gong.MetaData, s ConversationSettings) map[string]any {
	custom := make(map[string]any, 2)
	if s.FieldGongURL != "" && meta.URL != "" {
		custom[s.FieldGongURL] = meta.URL
	}
	// A zero duration is indistinguishable from an absent one in the payload
	// type, and writing 0 minutes for an unknown length would mislead.
	if s.FieldCallDuration != "" && meta.Duration > 0 {
		custom[s.FieldCallDuration] = durationMinutes(meta.Duration)
	}
	if len(custom) == 0 {
		return nil
	}
	return custom
}

// durationMinutes converts Gong's seconds to whole minutes, rounding half up
// (29 s → 0, 30 s → 1, 90 s → 2) so the figure reads like a call length a
// person would state. Negative input counts as 0.
func durationMinutes(seconds int64) int64 {
	if seconds <= 0 {
		return 0
	}
	minutes := seconds / 60
	if seconds%60 >= 30 {
		minutes++
	}
	return minutes
}
