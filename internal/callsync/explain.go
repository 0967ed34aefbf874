package callsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

// DomainRule says that calls with people from Domain belong to a company
// ("calls with people from acme.io belong to Acme"). Resolution applies
// rules after the CRM id and before the domain vote.
type DomainRule struct {
	Domain      string // normalised: lower case, IDNA ASCII
	CompanyID   string
	CompanyName string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NormaliseDomain is the form domain rules are stored and compared in; ""
// for something that is not a domain.
func NormaliseDomain(raw string) string {
	raw = strings.TrimSpace(raw)
	if _, domain, ok := strings.Cut(raw, "@"); ok {
		raw = domain
	}
	return normaliseDomain(raw)
}

// ErrBadPayload is an explain request whose payload is not a Gong webhook.
var ErrBadPayload = errors.New("not a Gong webhook payload")

// TitleOf is the title people see for a call.
func TitleOf(data gong.CallData) string {
	if title := strings.TrimSpace(data.MetaData.Title); title != "" {
		return title
	}
	return untitledCall
}

const untitledCall = "Untitled Gong call"

// skipped reports whether the sync rules skip the call, and why.
func (s *Service) skipped(data gong.CallData) (bool, string) {
	if data.MetaData.IsPrivate && !s.settings.SyncPrivateCalls {
		return true, "private call (SYNC_PRIVATE_CALLS is false)"
	}
	return false, ""
}

// resolveCall is the one way a call's company is decided, for the sync
// worker and for Explain alike, so the two can never disagree: a manual
// assignment, else the CRM id, the saved domain rules and the domain vote
// (directory.resolve). stored is the call's ledger row (zero for a payload
// that is not stored).
func (s *Service) resolveCall(ctx context.Context, data gong.CallData, stored Call) (Resolution, error) {
	if stored.MatchedBy == MatchedByManual && stored.CompanyID != "" {
		return Resolution{
			CompanyID: stored.CompanyID, CompanyName: stored.CompanyName, MatchedBy: MatchedByManual,
			Reason:     "assigned by hand; kept on every resync",
			Candidates: []Candidate{{CompanyID: stored.CompanyID, Name: stored.CompanyName, MatchedBy: MatchedByManual}},
		}, nil
	}
	rules, err := s.store.DomainRules(ctx)
	if err != nil {
		return Resolution{}, fmt.Errorf("reading the domain rules: %w", err)
	}
	return s.directory.resolve(ctx, data, s.settings.Resolve, rules, stored.Status == StatusUnmatched)
}

func matchMessage(r Resolution) string {
	name := r.CompanyName
	if name == "" {
		name = r.CompanyID
	}
	message := fmt.Sprintf("matched %s (%s) by %s", name, r.CompanyID, r.MatchedBy)
	if r.Reason != "" {
		message += ": " + r.Reason
	}
	return message
}

// Explanation is how a call would be matched, and why (DESIGN §5).
type Explanation struct {
	CallID     string
	Title      string
	Skipped    bool // the sync rules skip it (a private call)
	Resolution Resolution
}

// Explain answers how a payload, or the stored call callID when payload is
// nil, would be matched. It writes nothing anywhere: no ledger row, no
// event, no Planhat write; it reads Planhat through the same cached
// directory as the workers.
func (s *Service) Explain(ctx context.Context, payload []byte, callID string) (Explanation, error) {
	var stored Call
	if payload == nil {
		call, err := s.store.GetCall(ctx, callID)
		if err != nil {
			return Explanation{}, err
		}
		stored, payload = call, call.Payload
	}
	parsed, err := gong.ParseWebhook(payload)
	if err != nil {
		return Explanation{}, fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	data := parsed.CallData
	explanation := Explanation{CallID: data.MetaData.ID, Title: TitleOf(data)}
	if skip, reason := s.skipped(data); skip {
		explanation.Skipped = true
		explanation.Resolution = Resolution{Reason: reason + "; it would be skipped", Candidates: nil}
		return explanation, nil
	}
	explanation.Resolution, err = s.resolveCall(ctx, data, stored)
	if err != nil {
		return Explanation{}, err
	}
	return explanation, nil
}

// SearchCompanies returns up to limit Planhat companies whose name contains
// query (ignoring case), or whose id is query, from the cached directory.
func (s *Service) SearchCompanies(ctx context.Context, query string, limit int) ([]planhat.Company, error) {
	index, err := s.directory.companyIndex(ctx, s.settings.CompanyCacheTTL)
	if err != nil {
		return nil, err
	}
	query = strings.ToLower(strings.TrimSpace(query))
	if query == "" {
		return nil, nil
	}
	var found []planhat.Company
	for _, company := range index.companies {
		if company.ID == query || strings.Contains(strings.ToLower(company.Name), query) {
			found = append(found, company)
			if len(found) == limit {
				break
			}
		}
	}
	return found, nil
}

// Suggestion is a company a person may assign an unmatched call to; never
// applied on its own.
type Suggestion struct {
	CompanyID   string
	Name        string
	Why         string
	Participant int // participants that pointed at it, when a candidate
}

// Suggest returns the companies an unmatched call might belong to: the
// resolution's candidates, then a company whose name is the CRM Account
// name in the payload. Domains are the call's external email domains, for
// "always for this domain" rules.
func (s *Service) Suggest(ctx context.Context, call Call) (suggestions []Suggestion, domains []string, err error) {
	explanation, err := s.Explain(ctx, call.Payload, call.ID)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, c := range explanation.Resolution.Candidates {
		if seen[c.CompanyID] {
			continue
		}
		seen[c.CompanyID] = true
		why := "CRM Account id"
		if c.MatchedBy == MatchedByEmailDomain {
			why = fmt.Sprintf("%d participant(s) by email domain", c.Participants)
		}
		suggestions = append(suggestions, Suggestion{CompanyID: c.CompanyID, Name: c.Name, Why: why, Participant: c.Participants})
	}
	parsed, err := gong.ParseWebhook(call.Payload)
	if err != nil {
		return suggestions, nil, nil
	}
	names := CRMAccountNames(parsed.CallData)
	if len(names) > 0 {
		index, err := s.directory.companyIndex(ctx, s.settings.CompanyCacheTTL)
		if err == nil {
			for _, company := range index.companies {
				for _, name := range names {
					if !seen[company.ID] && strings.EqualFold(strings.TrimSpace(company.Name), name) {
						seen[company.ID] = true
						suggestions = append(suggestions, Suggestion{CompanyID: company.ID, Name: company.Name, Why: "named like the CRM Account " + fmt.Sprintf("%q", name)})
					}
				}
			}
		}
	}
	domains = slices.Sorted(maps.Keys(CandidateDomains(parsed.CallData, s.settings.Resolve)))
	return suggestions, domains, nil
}

// CRMAccountNames returns the Name field of each Account object in the
// call's CRM context.
func CRMAccountNames(call gong.CallData) []string {
	var names []string
	for _, context := range call.Context {
		for _, object := range context.Objects {
			if !strings.EqualFold(object.ObjectType, "Account") {
				continue
			}
			for _, field := range object.Fields {
				if !strings.EqualFold(field.Name, "Name") {
					continue
				}
				var name string
				if json.Unmarshal(field.Value, &name) == nil && strings.TrimSpace(name) != "" && !slices.Contains(names, strings.TrimSpace(name)) {
					names = append(names, strings.TrimSpace(name))
				}
			}
		}
	}
	return names
}

// resolveByRule applies the saved domain rules: each external participant
// votes, through the rule for their email's domain (else its registrable
// domain), for that rule's company. One company with the most votes wins;
// a tie is unmatched. ok is false when no rule applies.
func (ix *CompanyIndex) resolveByRule(call gong.CallData, rules ResolveRules, domainRules []DomainRule) (Resolution, bool) {
	if len(domainRules) == 0 {
		return Resolution{}, false
	}
	byDomain := make(map[string]DomainRule, len(domainRules))
	for _, rule := range domainRules {
		byDomain[rule.Domain] = rule
	}
	votes := map[string]int{}
	var order []string
	named := map[string]DomainRule{}
	var applied []string
	domains := CandidateDomains(call, rules)
	for _, domain := range slices.Sorted(maps.Keys(domains)) {
		rule, ok := byDomain[domain]
		if !ok {
			rule, ok = byDomain[registrableDomain(domain)]
		}
		if !ok {
			continue
		}
		if _, seen := votes[rule.CompanyID]; !seen {
			order = append(order, rule.CompanyID)
		}
		votes[rule.CompanyID] += len(domains[domain])
		named[rule.CompanyID] = rule
		applied = append(applied, rule.Domain+" → "+ruleName(rule))
	}
	if len(votes) == 0 {
		return Resolution{}, false
	}
	slices.SortStableFunc(order, func(a, b string) int { return votes[b] - votes[a] })
	candidates := make([]Candidate, len(order))
	for i, id := range order {
		candidates[i] = Candidate{CompanyID: id, Name: ruleName(named[id]), MatchedBy: MatchedByEmailDomain, Participants: votes[id]}
	}
	reason := "domain rule " + strings.Join(slices.Compact(applied), ", ")
	if len(order) > 1 && votes[order[0]] == votes[order[1]] {
		return Resolution{Reason: "domain rules disagree with the same number of participants: " + strings.Join(slices.Compact(applied), ", "), Candidates: candidates}, true
	}
	winner := candidates[0]
	return Resolution{CompanyID: winner.CompanyID, CompanyName: winner.Name, MatchedBy: MatchedByEmailDomain, Reason: reason, Candidates: candidates}, true
}

func ruleName(rule DomainRule) string {
	if rule.CompanyName != "" {
		return rule.CompanyName
	}
	return rule.CompanyID
}
