package callsync

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

// ResolveRules are the configured domain rules of company resolution.
type ResolveRules struct {
	InternalDomains []string // INTERNAL_DOMAINS: the customer's own email domains
	IgnoredDomains  []string // IGNORED_DOMAINS: shared domains added to the built-in free-mail list
}

// Resolution is the company a call belongs to, or why none was found.
type Resolution struct {
	CompanyID   string // Planhat company _id; "" when unmatched
	CompanyName string
	MatchedBy   string      // MatchedByCRMID or MatchedByEmailDomain; "" when unmatched
	Reason      string      // why unmatched, naming the candidates; "" when matched
	Candidates  []Candidate // the CRM match alone, else every company email domains voted for, most votes first
}

// Candidate is a company that resolution considered for a call: the company
// a CRM Account id named, or one that participants' email domains pointed at.
type Candidate struct {
	CompanyID    string
	Name         string
	MatchedBy    string // MatchedByCRMID or MatchedByEmailDomain
	Participants int    // distinct participants whose email domain voted for it; 0 for a CRM id
}

// Matched reports whether a company was found.
func (r Resolution) Matched() bool { return r.CompanyID != "" }

// CompanyIndex finds Planhat companies by CRM source id and by domain. It is
// read-only once built, so one index may serve many goroutines.
type CompanyIndex struct {
	companies []planhat.Company
	bySource  map[string]int   // salesforceKey(sourceId) → position in companies
	byDomain  map[string][]int // normalised domain → positions, in company order
}

// NewCompanyIndex indexes companies. When two companies share a source id
// (in either Salesforce form), the first one in the list wins.
func NewCompanyIndex(companies []planhat.Company) *CompanyIndex {
	ix := &CompanyIndex{
		companies: make([]planhat.Company, len(companies)),
		bySource:  make(map[string]int, len(companies)),
		byDomain:  make(map[string][]int, len(companies)),
	}
	for i, company := range companies {
		company.Domains = slices.Clone(company.Domains) // the index must not change under the caller's feet
		ix.companies[i] = company
		if key := salesforceKey(company.SourceID); key != "" {
			if _, taken := ix.bySource[key]; !taken {
				ix.bySource[key] = i
			}
		}
		for _, raw := range company.Domains {
			domain := normaliseDomain(raw)
			if domain == "" {
				continue
			}
			// "globex.com" and "www.globex.com" on one company count once.
			if positions := ix.byDomain[domain]; len(positions) == 0 || positions[len(positions)-1] != i {
				ix.byDomain[domain] = append(positions, i)
			}
		}
	}
	return ix
}

// Len is the number of companies in the index.
func (ix *CompanyIndex) Len() int {
	if ix == nil {
		return 0
	}
	return len(ix.companies)
}

// BySourceID returns the company whose sourceId is id, matching Salesforce's
// 15- and 18-character forms alike.
func (ix *CompanyIndex) BySourceID(id string) (planhat.Company, bool) {
	if ix == nil {
		return planhat.Company{}, false
	}
	position, ok := ix.bySource[salesforceKey(id)]
	if !ok {
		return planhat.Company{}, false
	}
	return ix.companies[position], true
}

// Resolve finds the call's company (DESIGN §6): first by the first CRM
// Account id equal to a company's sourceId, else by the external
// participants' email domains, where the company matched by the most
// distinct participants wins.
func (ix *CompanyIndex) Resolve(call gong.CallData, rules ResolveRules) Resolution {
	accountIDs := CRMAccountIDs(call)
	// Payload order decides when several Account ids match different companies.
	for _, id := range accountIDs {
		if company, ok := ix.BySourceID(id); ok {
			return crmMatch(company)
		}
	}
	return ix.resolveByDomain(call, rules, accountIDs)
}

// crmMatch is the resolution to a company found by a CRM Account id.
func crmMatch(company planhat.Company) Resolution {
	return Resolution{
		CompanyID:   company.ID,
		CompanyName: company.Name,
		MatchedBy:   MatchedByCRMID,
		Candidates:  []Candidate{{CompanyID: company.ID, Name: company.Name, MatchedBy: MatchedByCRMID}},
	}
}

// resolveByDomain is resolution once no Account id (accountIDs, for the
// reason) named a known company.
//
// Voting: each participant votes once, for the companies listing the exact
// domain of their email if any company does, else for the companies listing
// its registrable domain. So for x@eu.globex.com a subsidiary listing
// eu.globex.com takes that vote and the parent listing globex.com gets none
// from it (no tie between them); a participant at us.globex.com, which no
// company lists, still votes for the parent. The company with the most votes
// wins; a tie at the top is unmatched.
func (ix *CompanyIndex) resolveByDomain(call gong.CallData, rules ResolveRules, accountIDs []string) Resolution {
	crmReason := "no CRM Account id on the call"
	if len(accountIDs) > 0 {
		crmReason = fmt.Sprintf("no company with sourceId %s", strings.Join(accountIDs, ", "))
	}
	unmatched := func(domainReason string, candidates []Candidate) Resolution {
		return Resolution{Reason: crmReason + "; " + domainReason, Candidates: candidates}
	}

	domains := CandidateDomains(call, rules)
	if len(domains) == 0 {
		if len(ExternalEmails(call)) == 0 {
			return unmatched("no external participant with an email address", nil)
		}
		return unmatched("only free-mail or internal participants", nil)
	}

	votes := make(map[int]int) // company position → distinct participants who voted for it
	sortedDomains := slices.Sorted(maps.Keys(domains))
	for _, domain := range sortedDomains {
		for _, position := range ix.companiesForDomain(domain) {
			votes[position] += len(domains[domain])
		}
	}
	if len(votes) == 0 {
		return unmatched("no company has the participant domain "+strings.Join(sortedDomains, ", "), nil)
	}

	// Most votes first; the index's company order breaks ties, for a stable listing.
	positions := slices.SortedFunc(maps.Keys(votes), func(a, b int) int {
		if votes[a] != votes[b] {
			return votes[b] - votes[a]
		}
		return a - b
	})
	candidates := make([]Candidate, len(positions))
	for i, position := range positions {
		company := ix.companies[position]
		candidates[i] = Candidate{CompanyID: company.ID, Name: company.Name, MatchedBy: MatchedByEmailDomain, Participants: votes[position]}
	}
	best := votes[positions[0]]
	top := slices.IndexFunc(positions, func(position int) bool { return votes[position] < best }) // how many have best
	if top < 0 {
		top = len(positions)
	}
	if top == 1 {
		winner := candidates[0]
		return Resolution{CompanyID: winner.CompanyID, CompanyName: winner.Name, MatchedBy: MatchedByEmailDomain, Candidates: candidates}
	}
	names := make([]string, top)
	for i, candidate := range candidates[:top] {
		names[i] = fmt.Sprintf("%q (%s)", candidate.Name, candidate.CompanyID)
	}
	return unmatched(fmt.Sprintf("tie between companies with %d participant(s) each: %s", best, strings.Join(names, ", ")), candidates)
}

// companiesForDomain returns the companies an email at domain votes for:
// those with exactly that domain, else those with its registrable domain
// (see resolveByDomain).
func (ix *CompanyIndex) companiesForDomain(domain string) []int {
	if ix == nil {
		return nil
	}
	if positions := ix.byDomain[domain]; len(positions) > 0 {
		return positions
	}
	if registrable := registrableDomain(domain); registrable != domain {
		return ix.byDomain[registrable]
	}
	return nil
}

// CRMAccountIDs returns the objectId of every Account object in the call's CRM
// context, de-duplicated, in payload order.
func CRMAccountIDs(call gong.CallData) []string {
	var ids []string
	for _, context := range call.Context {
		for _, object := range context.Objects {
			id := strings.TrimSpace(object.ObjectID)
			if id == "" || !strings.EqualFold(object.ObjectType, "Account") || slices.Contains(ids, id) {
				continue
			}
			ids = append(ids, id)
		}
	}
	return ids
}

// CandidateDomains returns the email domains that may name the call's company,
// each with its distinct participant emails (lower-cased, in party order):
// the domains of parties that are not Internal, minus INTERNAL_DOMAINS and
// the Internal parties' domains (by registrable domain, so subdomains go too),
// minus free-mail and ignored domains (and their subdomains).
func CandidateDomains(call gong.CallData, rules ResolveRules) map[string][]string {
	internal := make(map[string]bool)
	addInternal := func(domain string) {
		// A bare public suffix ("co.uk") would make every domain under it internal.
		if suffix, _ := publicsuffix.PublicSuffix(domain); domain == "" || suffix == domain {
			return
		}
		internal[domain] = true
		internal[registrableDomain(domain)] = true
	}
	for _, raw := range rules.InternalDomains {
		addInternal(normaliseDomain(raw))
	}
	for _, party := range call.Parties {
		if isInternal(party) {
			if _, domain, ok := parseEmail(party.EmailAddress); ok {
				addInternal(domain)
			}
		}
	}

	ignored := make(map[string]bool, len(freemailDomains)+len(rules.IgnoredDomains))
	for _, domain := range freemailDomains {
		ignored[domain] = true
	}
	for _, raw := range rules.IgnoredDomains {
		if domain := normaliseDomain(raw); domain != "" {
			ignored[domain] = true
		}
	}

	domains := make(map[string][]string)
	for _, party := range call.Parties {
		if isInternal(party) {
			continue
		}
		email, domain, ok := parseEmail(party.EmailAddress)
		if !ok || domainOrParentIn(domain, internal) || domainOrParentIn(domain, ignored) || isFreemailBrand(domain) {
			continue
		}
		if !slices.Contains(domains[domain], email) {
			domains[domain] = append(domains[domain], email)
		}
	}
	return domains
}

// SalesforceIDForms returns the forms of id worth trying in a direct
// srcid- lookup: id itself, then, for an 18-character Salesforce id in any
// case, its correctly cased 18-character form (when that differs) and its
// 15-character form, or, for 15 alphanumeric characters, their
// 18-character form.
func SalesforceIDForms(id string) []string {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil
	}
	forms := []string{id}
	switch len(id) {
	case 18:
		if id15, ok := salesforceID15(id); ok {
			if suffix, _ := salesforceSuffix(id15); id15+suffix != id {
				forms = append(forms, id15+suffix)
			}
			forms = append(forms, id15)
		}
	case 15:
		if suffix, ok := salesforceSuffix(id); ok {
			forms = append(forms, id+suffix)
		}
	}
	return forms
}

// salesforceSuffixAlphabet maps a 5-bit case mask to a checksum character.
const salesforceSuffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// salesforceSuffix computes the 3-character checksum that turns a
// case-sensitive 15-character Salesforce id into its 18-character form: for
// each 5-character chunk, bit i is set when character i is an uppercase
// letter. ok is false when id is not 15 ASCII letters and digits.
func salesforceSuffix(id string) (suffix string, ok bool) {
	if len(id) != 15 {
		return "", false
	}
	var out [3]byte
	for chunk := range 3 {
		mask := 0
		for i := range 5 {
			switch c := id[chunk*5+i]; {
			case 'A' <= c && c <= 'Z':
				mask |= 1 << i
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			default:
				return "", false
			}
		}
		out[chunk] = salesforceSuffixAlphabet[mask]
	}
	return string(out[:]), true
}

// salesforceID15 returns the case-sensitive 15-character form of an
// 18-character Salesforce id written in any case: its suffix says which of
// the first 15 characters are upper case, which is why Salesforce treats the
// 18-character form as case-insensitive. ok is false when id is not such an
// id: not 18 ASCII letters and digits, a suffix character outside the
// checksum alphabet, or a digit the suffix calls upper case.
func salesforceID15(id string) (id15 string, ok bool) {
	if len(id) != 18 {
		return "", false
	}
	var out [15]byte
	for chunk := range 3 {
		mask := strings.IndexByte(salesforceSuffixAlphabet, toUpperASCII(id[15+chunk]))
		if mask < 0 {
			return "", false
		}
		for i := range 5 {
			c, upper := id[chunk*5+i], mask&(1<<i) != 0
			switch {
			case '0' <= c && c <= '9':
				if upper {
					return "", false
				}
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
				if upper {
					c = toUpperASCII(c)
				} else {
					c = toLowerASCII(c)
				}
			default:
				return "", false
			}
			out[chunk*5+i] = c
		}
	}
	return string(out[:]), true
}

func toUpperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func toLowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c - 'A' + 'a'
	}
	return c
}

// salesforceKey is the form a source id is indexed and looked up by: an
// 18-character Salesforce id, whatever its case, becomes its correctly cased
// 15-character form, so it matches that form and every casing of its
// 18-character form. An 18-character id that is not a Salesforce id (its
// suffix does not fit) is never cut. Everything else, 15-character ids
// included, stays as given: case-sensitive.
func salesforceKey(id string) string {
	id = strings.TrimSpace(id)
	if id15, ok := salesforceID15(id); ok {
		return id15
	}
	return id
}

// isInternal reports whether Gong counts the party as the customer's own team.
func isInternal(party gong.Party) bool {
	return strings.EqualFold(strings.TrimSpace(party.Affiliation), gong.AffiliationInternal)
}
