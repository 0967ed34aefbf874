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
	MatchedBy   string // MatchedByCRMID or MatchedByEmailDomain; "" when unmatched
	Reason      string // why unmatched, naming the candidates; "" when matched
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

// Resolve finds the call's company (DESIGN §6): first by a CRM Account id
// equal to a company's sourceId, else by the external participants' email
// domains, where the company matched by the most distinct participants wins.
func (ix *CompanyIndex) Resolve(call gong.CallData, rules ResolveRules) Resolution {
	accountIDs := CRMAccountIDs(call)
	// Payload order decides when several Account ids match different companies.
	for _, id := range accountIDs {
		if company, ok := ix.BySourceID(id); ok {
			return Resolution{CompanyID: company.ID, CompanyName: company.Name, MatchedBy: MatchedByCRMID}
		}
	}

	crmReason := "no CRM Account id on the call"
	if len(accountIDs) > 0 {
		crmReason = fmt.Sprintf("no company with sourceId %s", strings.Join(accountIDs, ", "))
	}
	unmatched := func(domainReason string) Resolution {
		return Resolution{Reason: crmReason + "; " + domainReason}
	}

	domains := CandidateDomains(call, rules)
	if len(domains) == 0 {
		if len(ExternalEmails(call)) == 0 {
			return unmatched("no external participant with an email address")
		}
		return unmatched("only free-mail or internal participants")
	}

	participants := make(map[int]int) // company position → distinct participants matched
	sortedDomains := slices.Sorted(maps.Keys(domains))
	for _, domain := range sortedDomains {
		for _, position := range ix.companiesForDomain(domain) {
			participants[position] += len(domains[domain])
		}
	}
	if len(participants) == 0 {
		return unmatched("no company has the participant domain " + strings.Join(sortedDomains, ", "))
	}

	best := slices.Max(slices.Collect(maps.Values(participants)))
	var leaders []int
	for position, count := range participants {
		if count == best {
			leaders = append(leaders, position)
		}
	}
	if len(leaders) == 1 {
		company := ix.companies[leaders[0]]
		return Resolution{CompanyID: company.ID, CompanyName: company.Name, MatchedBy: MatchedByEmailDomain}
	}
	slices.Sort(leaders)
	names := make([]string, len(leaders))
	for i, position := range leaders {
		names[i] = fmt.Sprintf("%q (%s)", ix.companies[position].Name, ix.companies[position].ID)
	}
	return unmatched(fmt.Sprintf("tie between companies with %d participant(s) each: %s", best, strings.Join(names, ", ")))
}

// companiesForDomain returns the companies an email at domain belongs to: those
// with exactly that domain, else those with its registrable domain. Preferring
// the exact domain lets a subsidiary listed as eu.globex.com win over the
// parent's globex.com instead of tying with it.
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
// srcid- lookup: id itself, then its 15-character form (when id is an
// 18-character id with a correct checksum) or its 18-character form (when id
// has 15 alphanumeric characters).
func SalesforceIDForms(id string) []string {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil
	}
	forms := []string{id}
	switch len(id) {
	case 18:
		if key := salesforceKey(id); key != id {
			forms = append(forms, key)
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

// salesforceKey is the form a source id is indexed and looked up by: an
// 18-character Salesforce id becomes its 15-character form, but only when its
// suffix is the correct checksum, so an unrelated 18-character id from another
// CRM is never cut. Everything else stays as given (case-sensitive).
func salesforceKey(id string) string {
	id = strings.TrimSpace(id)
	if len(id) == 18 {
		if suffix, ok := salesforceSuffix(id[:15]); ok && id[15:] == suffix {
			return id[:15]
		}
	}
	return id
}

// isInternal reports whether Gong counts the party as the customer's own team.
func isInternal(party gong.Party) bool {
	return strings.EqualFold(strings.TrimSpace(party.Affiliation), gong.AffiliationInternal)
}

// parseEmail returns a bare address lower-cased and its normalised domain;
// ok is false for anything that is not local@domain.with.dot.
func parseEmail(raw string) (email, domain string, ok bool) {
	email = strings.ToLower(strings.TrimSpace(raw))
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || strings.Count(email, "@") != 1 || strings.ContainsAny(email, " \t\r\n<>,;") {
		return "", "", false
	}
	domain = strings.TrimSuffix(email[at+1:], ".")
	if !validDomain(domain) {
		return "", "", false
	}
	return email[:at+1] + domain, normaliseDomain(domain), true
}

// validDomain accepts dot-separated, non-empty labels of letters, digits,
// hyphens and underscores (any non-ASCII rune passes, for IDNs).
func validDomain(domain string) bool {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, label := range labels {
		if label == "" {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r >= 0x80) {
				return false
			}
		}
	}
	return true
}

// normaliseDomain turns what people type into a domain field ("www.Globex.com",
// "https://globex.com/", "globex.com.") into a bare lower-case host.
func normaliseDomain(raw string) string {
	domain := strings.ToLower(strings.TrimSpace(raw))
	if i := strings.Index(domain, "://"); i >= 0 {
		domain = domain[i+3:]
	}
	domain = strings.TrimPrefix(domain, "//")
	if i := strings.IndexAny(domain, "/?#"); i >= 0 {
		domain = domain[:i]
	}
	if i := strings.LastIndexByte(domain, '@'); i >= 0 { // user@host in a URL
		domain = domain[i+1:]
	}
	if i := strings.LastIndexByte(domain, ':'); i >= 0 { // port
		domain = domain[:i]
	}
	domain = strings.Trim(domain, ".")
	domain = strings.TrimPrefix(domain, "*.")
	domain = strings.TrimPrefix(domain, "www.")
	return domain
}

// registrableDomain is the public-suffix-list domain one level below the
// public suffix (eu.globex.co.uk → globex.co.uk); a domain that has none
// (a bare suffix, a single label) is its own.
func registrableDomain(domain string) string {
	registrable, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		return domain
	}
	return registrable
}

// domainOrParentIn reports whether domain or any parent domain of it is in set.
func domainOrParentIn(domain string, set map[string]bool) bool {
	for domain != "" {
		if set[domain] {
			return true
		}
		_, parent, found := strings.Cut(domain, ".")
		if !found {
			return false
		}
		domain = parent
	}
	return false
}

// isFreemailBrand catches a free-mail brand under any public suffix
// (yahoo.com.ar, gmx.at, …).
func isFreemailBrand(domain string) bool {
	brand, _, _ := strings.Cut(registrableDomain(domain), ".")
	return slices.Contains(freemailBrands, brand)
}
