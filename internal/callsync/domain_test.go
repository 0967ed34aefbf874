package callsync

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormaliseDomain(t *testing.T) {
	for _, test := range []struct{ name, in, want string }{
		{"LowerCase", "Globex.com", "globex.com"},
		{"WWWAndSpaces", " www.Globex.com ", "globex.com"},
		{"URL", "https://www.globex.com/about?x=1", "globex.com"},
		{"URLWithPort", "http://globex.com:8080/", "globex.com"},
		{"TrailingDot", "globex.com.", "globex.com"},
		{"TrailingSlash", "globex.com/", "globex.com"},
		{"SchemeRelative", "//globex.com", "globex.com"},
		{"Wildcard", "*.globex.com", "globex.com"},
		{"BareWWWDomainKept", "www.com", "www.com"},
		{"Empty", "", ""},
		{"UnicodeToASCII", "Bücher.de", "xn--bcher-kva.de"},
		{"ASCIIFormLowerCased", "XN--BCHER-KVA.DE", "xn--bcher-kva.de"},
		{"UnicodeURL", "https://www.Müller.de/kontakt", "xn--mller-kva.de"},
		{"NonTransitionalSharpS", "faß.de", "xn--fa-hia.de"},
		{"FullWidthFolded", "ｇｌｏｂｅｘ．ｃｏｍ", "globex.com"},
		{"InvalidPunycode", "xn--zz.de", ""},
		{"ASCIIOnlyPunycode", "xn--abc-.com", ""},
		{"LeadingHyphen", "-globex.com", ""},
		{"EmptyLabel", "globex..com", ""},
		{"Underscore", "glo_bex.com", ""},
		{"LabelTooLong", strings.Repeat("x", 64) + ".com", ""},
		{"TwoDomainsInOneField", "globex.com, initech.io", ""},
		{"Space", "glo bex.com", ""},
		{"IPAddress", "10.0.0.1", ""},
		{"SingleLabel", "localhost", ""},
		{"DisallowedRune", "globex\u0000.com", ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			assert.Equal(t, test.want, normaliseDomain(test.in))
		})
	}
}

func TestParseEmail(t *testing.T) {
	for _, test := range []struct {
		name, in, email, domain string
	}{
		{"Bare", "ann@globex.com", "ann@globex.com", "globex.com"},
		{"CaseAndSpaces", "  Ann@Globex.COM ", "ann@globex.com", "globex.com"},
		{"DisplayName", "Ann Lee <Ann@Globex.com>", "ann@globex.com", "globex.com"},
		{"QuotedDisplayName", `"Lee, Ann" <ann@globex.com>`, "ann@globex.com", "globex.com"},
		{"CommentName", "ann@globex.com (Ann Lee)", "ann@globex.com", "globex.com"},
		{"EncodedDisplayName", "=?utf-8?q?J=C3=BCrgen?= <j@globex.com>", "j@globex.com", "globex.com"},
		{"QuotedLocalPartWithAt", `"a@b"@globex.com`, "a@b@globex.com", "globex.com"},
		{"WWWDomainKeptInEmailNotInDomain", "ann@www.globex.com", "ann@www.globex.com", "globex.com"},
		{"UnicodeDomain", "Anna@Bücher.de", "anna@xn--bcher-kva.de", "xn--bcher-kva.de"},
		{"ASCIIFormOfUnicodeDomain", "anna@XN--BCHER-KVA.de", "anna@xn--bcher-kva.de", "xn--bcher-kva.de"},
	} {
		t.Run(test.name, func(t *testing.T) {
			email, domain, ok := parseEmail(test.in)
			assert.True(t, ok)
			assert.Equal(t, test.email, email)
			assert.Equal(t, test.domain, domain)
		})
	}

	for _, test := range []struct{ name, in string }{
		{"Empty", ""},
		{"NoAt", "no-at-sign"},
		{"NoLocalPart", "@globex.com"},
		{"TwoAts", "a@b@globex.com"},
		{"SpaceInLocalPart", "a b@globex.com"},
		{"EmptyLabel", "a@globex..com"},
		{"TrailingDot", "a@globex.com."},
		{"SingleLabel", "a@localhost"},
		{"IPAddress", "a@10.0.0.1"},
		{"DomainLiteral", "a@[10.0.0.1]"},
		{"InvalidPunycode", "a@xn--zz.de"},
		{"LeadingHyphen", "a@-globex.com"},
		{"Underscore", "a@glo_bex.com"},
		{"UnclosedAngle", "Ann <ann@globex.com"},
		{"TwoAddresses", "a@globex.com, b@globex.com"},
		{"EmptyAngle", "<>"},
		{"InvalidUTF8", "\x00\xff@globex.com"},
		{"LabelTooLong", "a@" + strings.Repeat("x", 64) + ".com"},
		{"OnlyDisplayName", "Phone Caller #4"},
	} {
		t.Run(test.name, func(t *testing.T) {
			email, domain, ok := parseEmail(test.in)
			assert.False(t, ok)
			assert.Empty(t, email)
			assert.Empty(t, domain)
		})
	}
}

// FuzzParseEmail: garbage never panics, and what is accepted is in normal form.
func FuzzParseEmail(f *testing.F) {
	for _, seed := range []string{"ann@globex.com", "Ann <ann@bücher.de>", "a@xn--zz.de", "<>", "\x00@\xff", `"a@b"@c.de`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		email, domain, ok := parseEmail(raw)
		if !ok {
			return
		}
		if email != strings.ToLower(email) || !strings.Contains(email, "@") || !strings.HasSuffix(email, domain) {
			t.Errorf("parseEmail(%q) = %q, %q", raw, email, domain)
		}
		for _, r := range domain {
			if r >= 0x80 {
				t.Errorf("parseEmail(%q): domain %q not in ASCII form", raw, domain)
			}
		}
	})
}
