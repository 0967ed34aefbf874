package callsync

import (
	"net/mail"
	"slices"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// domainProfile turns a domain into the one form domains are compared in
// (DESIGN §6): lower case, internationalised labels in their IDNA ASCII form.
// It is the lookup profile (UTS #46 case and width folding, hostname
// characters only, label and Bidi checks) made explicit: non-transitional,
// so faß.de stays itself rather than becoming fass.de, as registries and
// browsers now treat it, and with DNS lengths checked, so an empty or
// over-long label is an error rather than a domain.
var domainProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
)

// asciiDomain returns host in normal form, or ok false when it is not a
// domain of at least two labels (an IP address is not one either).
func asciiDomain(host string) (domain string, ok bool) {
	domain, err := domainProfile.ToASCII(host)
	if err != nil {
		return "", false
	}
	domain = strings.TrimSuffix(domain, ".") // a fully qualified name is the same domain
	lastDot := strings.LastIndexByte(domain, '.')
	if lastDot <= 0 || strings.Trim(domain[lastDot+1:], "0123456789") == "" {
		return "", false
	}
	return domain, true
}

// normaliseDomain turns what people type into a domain field ("www.Globex.com",
// "https://globex.com/", "globex.com.", "Bücher.de") into a bare host in
// normal form without "www."; "" when it is not a valid domain, so it
// matches nothing.
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
	domain, ok := asciiDomain(domain)
	if !ok {
		return ""
	}
	return withoutWWW(domain)
}

// withoutWWW drops a leading "www." label: a company's web address names the
// same company as its bare domain. "www.com" stays itself.
func withoutWWW(domain string) string {
	if rest, ok := strings.CutPrefix(domain, "www."); ok && strings.Contains(rest, ".") {
		return rest
	}
	return domain
}

// parseEmail reads one address with net/mail, so a display-name form
// ("Ann <ann@globex.com>") is understood, and returns it in normal form
// (lower case, domain in IDNA ASCII form) with its normalised domain (as
// normaliseDomain gives it). ok is false for anything else: no address,
// several, or a domain that is not valid.
func parseEmail(raw string) (email, domain string, ok bool) {
	address, err := mail.ParseAddress(raw)
	if err != nil {
		return "", "", false
	}
	// A quoted local part may hold an '@': the domain follows the last one.
	at := strings.LastIndexByte(address.Address, '@')
	if at <= 0 {
		return "", "", false
	}
	host, ok := asciiDomain(address.Address[at+1:])
	if !ok {
		return "", "", false
	}
	return strings.ToLower(address.Address[:at]) + "@" + host, withoutWWW(host), true
}

// registrableDomain is the public-suffix-list domain one level below the
// public suffix (eu.globex.co.uk → globex.co.uk); a domain that has none
// (a bare suffix, a single label) is its own. domain must be in normal form:
// the list holds internationalised suffixes in their ASCII form.
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
