package callsync

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
)

func internalParty(email string) gong.Party {
	return gong.Party{EmailAddress: email, Affiliation: gong.AffiliationInternal}
}

func externalParty(email string) gong.Party {
	return gong.Party{EmailAddress: email, Affiliation: gong.AffiliationExternal}
}

func accountContext(ids ...string) []gong.CRMContext {
	objects := []gong.CRMObject{{ObjectType: "Opportunity", ObjectID: "0061Q00000mkU1fQAE"}}
	for _, id := range ids {
		objects = append(objects, gong.CRMObject{ObjectType: "Account", ObjectID: id})
	}
	return []gong.CRMContext{{System: "Salesforce", Objects: objects}}
}

func TestSalesforceIDs(t *testing.T) {
	// Suffixes worked out by hand from the algorithm (bit i of each 5-char
	// chunk set when char i is A–Z, mapped through A–Z0–5), and real pairs
	// from reference/samples (Planhat lean companies, Gong's Opportunity id).
	for _, test := range []struct {
		name, id15, id18 string
	}{
		{"UppercaseInFirstAndThirdChunk", "001A000001Bcdef", "001A000001BcdefIAB"},
		{"AllDigitsAndLowercase", "001000000000abc", "001000000000abcAAA"},
		{"AllUppercase", "ABCDEABCDEABCDE", "ABCDEABCDEABCDE555"},
		{"RealLeanCompanyU", "0012000001Uchds", "0012000001UchdsAAB"},
		{"RealLeanCompanyVKEiV", "0012000001VKEiV", "0012000001VKEiVAAX"},
		{"RealLeanCompanyTwtO7", "0012000001TwtO7", "0012000001TwtO7AAJ"},
		{"RealGongOpportunity", "0061Q00000mkU1f", "0061Q00000mkU1fQAE"},
		{"SamplesAccountWithCorrectSuffix", "0011630000vmLBa", "0011630000vmLBaAAM"},
	} {
		t.Run(test.name, func(t *testing.T) {
			assert.Equal(t, []string{test.id15, test.id18}, SalesforceIDForms(test.id15), "15 → 18")
			assert.Equal(t, []string{test.id18, test.id15}, SalesforceIDForms(test.id18), "18 → 15")

			for _, pair := range [][2]string{{test.id15, test.id18}, {test.id18, test.id15}} {
				stored, called := pair[0], pair[1]
				ix := NewCompanyIndex([]planhat.Company{{ID: "c1", Name: "Acme", SourceID: stored}})
				company, ok := ix.BySourceID(called)
				require.True(t, ok, "sourceId %s looked up as %s", stored, called)
				assert.Equal(t, "c1", company.ID)
			}
		})
	}

	for _, test := range []struct {
		name, stored, called string
	}{
		// The Account id in Gong's published sample has suffix EEN, but the
		// checksum of its first 15 chars is AAM: it was anonymised, so it is
		// not a Salesforce id and must not be cut to 15 chars.
		{"WrongChecksumIsNotCut", "0011630000vmLBa", "0011630000vmLBaEEN"},
		{"FifteenCharIDsAreCaseSensitive", "0012000001Uchds", "0012000001uchds"},
		{"OtherFifteenCharID", "0012000001Uchds", "0012000001UchdX"},
		{"EighteenDigitsAreNotSalesforce", "123456789012345", "123456789012345678"},
		{"FifteenCharIDIsNotAnEighteenCharInOtherCase", "0012000001UchdsAAB", "0012000001UCHDS"},
		{"SuffixOutsideChecksumAlphabet", "0012000001Uchds", "0012000001Uchds6AB"},
		// Not a Salesforce id (its suffix marks digits as upper case), so it
		// stays case-sensitive.
		{"OtherEighteenCharIDsStayCaseSensitive", "0011630000vmLBaEEN", "0011630000VMLBAEEN"},
	} {
		t.Run(test.name, func(t *testing.T) {
			ix := NewCompanyIndex([]planhat.Company{{ID: "c1", SourceID: test.stored}})
			_, ok := ix.BySourceID(test.called)
			assert.False(t, ok)
		})
	}

	// An 18-character id names the same record whatever its case: its
	// suffix restores the case of the first 15 characters (DESIGN §6).
	for _, test := range []struct {
		name, stored, called string
	}{
		{"EighteenUpperCaseFindsFifteen", "0012000001Uchds", "0012000001UCHDSAAB"},
		{"EighteenLowerCaseFindsFifteen", "0012000001Uchds", "0012000001uchdsaab"},
		{"EighteenMixedCaseFindsEighteen", "0012000001UchdsAAB", "0012000001uCHDSaAb"},
		{"StoredEighteenInOtherCaseFoundByFifteen", "0012000001UCHDSAAB", "0012000001Uchds"},
		{"StoredEighteenInOtherCaseFoundByEighteen", "0012000001uchdsaab", "0012000001UchdsAAB"},
		{"RealGongOpportunityUpperCase", "0061Q00000mkU1f", "0061Q00000MKU1FQAE"},
	} {
		t.Run(test.name, func(t *testing.T) {
			ix := NewCompanyIndex([]planhat.Company{{ID: "c1", SourceID: test.stored}})
			company, ok := ix.BySourceID(test.called)
			require.True(t, ok, "sourceId %s looked up as %s", test.stored, test.called)
			assert.Equal(t, "c1", company.ID)
		})
	}

	t.Run("FormsOfEighteenCharIDInOtherCase", func(t *testing.T) {
		assert.Equal(t, []string{"0012000001UCHDSAAB", "0012000001UchdsAAB", "0012000001Uchds"}, SalesforceIDForms("0012000001UCHDSAAB"))
		assert.Equal(t, []string{"0012000001uchdsaab", "0012000001UchdsAAB", "0012000001Uchds"}, SalesforceIDForms("0012000001uchdsaab"))
	})

	t.Run("FormsOfOtherIDs", func(t *testing.T) {
		assert.Nil(t, SalesforceIDForms("  "))
		assert.Equal(t, []string{"12345"}, SalesforceIDForms(" 12345 "), "HubSpot ids have one form")
		assert.Equal(t, []string{"0011630000vmLBaEEN"}, SalesforceIDForms("0011630000vmLBaEEN"), "bad checksum")
		assert.Equal(t, []string{"0011630000-mLBa"}, SalesforceIDForms("0011630000-mLBa"), "not alphanumeric")
	})

	t.Run("IndexSizeAndMiss", func(t *testing.T) {
		ix := NewCompanyIndex([]planhat.Company{{ID: "c1", SourceID: "1"}, {ID: "c2"}})
		assert.Equal(t, 2, ix.Len())
		_, ok := ix.BySourceID("")
		assert.False(t, ok, "a company without sourceId is not found by an empty id")
		var nilIndex *CompanyIndex
		assert.Equal(t, 0, nilIndex.Len())
		_, ok = nilIndex.BySourceID("1")
		assert.False(t, ok)
	})
}

func TestCRMAccountIDs(t *testing.T) {
	call := gong.CallData{Context: []gong.CRMContext{
		{System: "Salesforce", Objects: []gong.CRMObject{
			{ObjectType: "Opportunity", ObjectID: "0061Q00000mkU1fQAE"},
			{ObjectType: "Account", ObjectID: "A1"},
			{ObjectType: "account", ObjectID: " A2 "},
			{ObjectType: "Account", ObjectID: ""},
		}},
		{System: "HubSpot", Objects: []gong.CRMObject{
			{ObjectType: "ACCOUNT", ObjectID: "A1"},
			{ObjectType: "Account", ObjectID: "A3"},
		}},
	}}
	assert.Equal(t, []string{"A1", "A2", "A3"}, CRMAccountIDs(call))
	assert.Empty(t, CRMAccountIDs(gong.CallData{}))
}

func TestCandidateDomains(t *testing.T) {
	for _, test := range []struct {
		name    string
		parties []gong.Party
		rules   ResolveRules
		want    map[string][]string
	}{
		{
			name: "DistinctEmailsPerDomainCaseInsensitive",
			parties: []gong.Party{
				externalParty("Ann@Globex.com"), externalParty("ann@globex.com "), externalParty("bob@globex.com"),
				{EmailAddress: "cy@eu.globex.com", Affiliation: gong.AffiliationUnknown},
				{EmailAddress: "dee@initech.io"}, // no affiliation counts as not Internal
			},
			want: map[string][]string{
				"globex.com":    {"ann@globex.com", "bob@globex.com"},
				"eu.globex.com": {"cy@eu.globex.com"},
				"initech.io":    {"dee@initech.io"},
			},
		},
		{
			name: "InternalDomainsAndTheirSubdomains",
			parties: []gong.Party{
				externalParty("x@fasttrail.com"), externalParty("y@eu.fasttrail.com"),
				externalParty("z@Sales.Example.co.uk"), externalParty("w@globex.com"),
			},
			rules: ResolveRules{InternalDomains: []string{" FastTrail.com ", "example.co.uk"}},
			want:  map[string][]string{"globex.com": {"w@globex.com"}},
		},
		{
			name: "InternalPartyDomainsByRegistrableDomain",
			parties: []gong.Party{
				internalParty("jen@mail.fasttrail.com"),
				externalParty("colleague@fasttrail.com"), externalParty("other@us.fasttrail.com"),
				externalParty("w@globex.com"),
			},
			want: map[string][]string{"globex.com": {"w@globex.com"}},
		},
		{
			name: "FreemailAndIgnored",
			parties: []gong.Party{
				externalParty("a@gmail.com"), externalParty("b@yahoo.com.ar"), externalParty("c@gmx.at"),
				externalParty("d@mail.yahoo.co.uk"), externalParty("e@hotmail.es"), externalParty("f@proton.me"),
				externalParty("g@partner-mail.net"), externalParty("h@eu.partner-mail.net"),
				externalParty("i@globex.com"),
			},
			rules: ResolveRules{IgnoredDomains: []string{"Partner-Mail.net"}},
			want:  map[string][]string{"globex.com": {"i@globex.com"}},
		},
		{
			name: "MissingAndMalformedEmailsHaveNoDomain",
			parties: []gong.Party{
				{Name: "Phone Caller #4", Affiliation: gong.AffiliationUnknown},
				externalParty("no-at-sign"), externalParty("@globex.com"), externalParty("a@localhost"),
				externalParty("a@b@globex.com"), externalParty("a b@globex.com"), externalParty("a@globex..com"),
				externalParty("trailing-dot@initech.io."), externalParty("Ann <ann@initech.io"),
				externalParty("a@initech.io, b@initech.io"), externalParty("<>"), externalParty("\x00\xff@initech.io"),
				externalParty("a@1.2.3.4"), externalParty("a@[10.0.0.1]"), externalParty("a@-initech.io"),
				externalParty("a@xn--zz.de"), externalParty("a@under_score.io"),
				externalParty("a@" + strings.Repeat("x", 64) + ".io"),
				externalParty("ok@globex.com"),
			},
			want: map[string][]string{"globex.com": {"ok@globex.com"}},
		},
		{
			name: "DisplayNameForms",
			parties: []gong.Party{
				externalParty("Ann Lee <Ann@Globex.com>"), externalParty(`"Lee, Ann" <ann@globex.com>`),
				externalParty("ann@globex.com (Ann)"), externalParty("=?utf-8?q?J=C3=BCrgen?= <j@initech.io>"),
			},
			want: map[string][]string{"globex.com": {"ann@globex.com"}, "initech.io": {"j@initech.io"}},
		},
		{
			name: "IDNADomainsInASCIIFormCountOnce",
			parties: []gong.Party{
				externalParty("anna@Bücher.de"), externalParty("anna@xn--bcher-kva.de"), externalParty("ben@XN--BCHER-KVA.DE"),
			},
			want: map[string][]string{"xn--bcher-kva.de": {"anna@xn--bcher-kva.de", "ben@xn--bcher-kva.de"}},
		},
		{
			name: "IDNAInternalAndIgnoredDomainsInEitherForm",
			parties: []gong.Party{
				internalParty("jen@straße.de"),
				externalParty("a@xn--strae-oqa.de"), externalParty("b@müller.de"), externalParty("c@eu.xn--mller-kva.de"),
				externalParty("d@bücher.ch"), externalParty("e@globex.com"),
			},
			rules: ResolveRules{InternalDomains: []string{"xn--bcher-kva.ch"}, IgnoredDomains: []string{"Müller.de"}},
			want:  map[string][]string{"globex.com": {"e@globex.com"}},
		},
		{
			name:    "PublicSuffixAsInternalDomainIsIgnored",
			parties: []gong.Party{externalParty("a@globex.co.uk")},
			rules:   ResolveRules{InternalDomains: []string{"co.uk"}},
			want:    map[string][]string{"globex.co.uk": {"a@globex.co.uk"}},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := CandidateDomains(gong.CallData{Parties: test.parties}, test.rules)
			assert.Equal(t, test.want, got)
		})
	}
}

func TestResolve(t *testing.T) {
	companies := []planhat.Company{
		{ID: "c-acme", Name: "Acme", SourceID: "0012000001UchdsAAB", Domains: []string{"acme.com"}},
		{ID: "c-globex", Name: "Globex", SourceID: "0012000001VKEiV", Domains: []string{"www.Globex.com"}},
		{ID: "c-initech", Name: "Initech", Domains: []string{"https://initech.io/", "initech.io."}},
		{ID: "c-hooli", Name: "Hooli", Domains: []string{"hooli.com"}},
		{ID: "c-hooli-xyz", Name: "Hooli XYZ", Domains: []string{"hooli.com"}},
		{ID: "c-umbrella-eu", Name: "Umbrella Europe", Domains: []string{"eu.umbrella.com"}},
		{ID: "c-umbrella", Name: "Umbrella", Domains: []string{"umbrella.com"}},
		{ID: "c-buecher", Name: "Bücher", Domains: []string{"xn--bcher-kva.de"}},
		{ID: "c-mueller", Name: "Müller", Domains: []string{"https://www.Müller.de/"}},
		{ID: "c-mueller-eu", Name: "Müller Europe", Domains: []string{"eu.müller.de"}},
		{ID: "c-broken", Name: "Broken", Domains: []string{"xn--zz.de", "-broken.io", "a..b.io", "not a domain"}},
	}
	ix := NewCompanyIndex(companies)
	rules := ResolveRules{InternalDomains: []string{"fasttrail.com"}}

	for _, test := range []struct {
		name       string
		call       gong.CallData
		want       Resolution  // Candidates aside
		reasons    []string    // parts the Reason must contain when unmatched
		candidates []Candidate // when set, the Candidates wanted
	}{
		{
			name: "CRMIDWinsOverDomains",
			call: gong.CallData{
				Context: accountContext("0012000001Uchds"), // 15-char form of Acme's sourceId
				Parties: []gong.Party{externalParty("a@globex.com"), externalParty("b@globex.com")},
			},
			want:       Resolution{CompanyID: "c-acme", CompanyName: "Acme", MatchedBy: MatchedByCRMID},
			candidates: []Candidate{{CompanyID: "c-acme", Name: "Acme", MatchedBy: MatchedByCRMID}},
		},
		{
			name: "EighteenCharAccountIDInOtherCase",
			call: gong.CallData{Context: accountContext("0012000001VKEIVAAX")}, // Globex's 0012000001VKEiV
			want: Resolution{CompanyID: "c-globex", CompanyName: "Globex", MatchedBy: MatchedByCRMID},
		},
		{
			name: "FirstMatchingAccountInPayloadOrder",
			call: gong.CallData{Context: accountContext("unknown", "0012000001VKEiVAAX", "0012000001UchdsAAB")},
			want: Resolution{CompanyID: "c-globex", CompanyName: "Globex", MatchedBy: MatchedByCRMID},
		},
		{
			name: "UnknownAccountFallsBackToDomain",
			call: gong.CallData{
				Context: accountContext("0019999999ZZZZZ"),
				Parties: []gong.Party{externalParty("a@initech.io")},
			},
			want: Resolution{CompanyID: "c-initech", CompanyName: "Initech", MatchedBy: MatchedByEmailDomain},
		},
		{
			name: "SubdomainMatchesRegistrableDomain",
			call: gong.CallData{Parties: []gong.Party{internalParty("jen@fasttrail.com"), externalParty("hans@eu.globex.com")}},
			want: Resolution{CompanyID: "c-globex", CompanyName: "Globex", MatchedBy: MatchedByEmailDomain},
		},
		{
			name: "ExactDomainBeatsRegistrableDomain",
			call: gong.CallData{Parties: []gong.Party{externalParty("a@eu.umbrella.com"), externalParty("b@eu.umbrella.com")}},
			want: Resolution{CompanyID: "c-umbrella-eu", CompanyName: "Umbrella Europe", MatchedBy: MatchedByEmailDomain},
			// The parent gets no vote from a participant its subsidiary lists exactly.
			candidates: []Candidate{{CompanyID: "c-umbrella-eu", Name: "Umbrella Europe", MatchedBy: MatchedByEmailDomain, Participants: 2}},
		},
		{
			name: "ExactIDNADomainBeatsRegistrableDomain",
			call: gong.CallData{Parties: []gong.Party{externalParty("a@EU.xn--mller-kva.de")}},
			want: Resolution{CompanyID: "c-mueller-eu", CompanyName: "Müller Europe", MatchedBy: MatchedByEmailDomain},
		},
		{
			name: "ParentTakesVotesOfSubdomainsNoCompanyLists",
			call: gong.CallData{Parties: []gong.Party{
				externalParty("a@eu.umbrella.com"), externalParty("b@us.umbrella.com"), externalParty("c@umbrella.com"),
			}},
			want: Resolution{CompanyID: "c-umbrella", CompanyName: "Umbrella", MatchedBy: MatchedByEmailDomain},
			candidates: []Candidate{
				{CompanyID: "c-umbrella", Name: "Umbrella", MatchedBy: MatchedByEmailDomain, Participants: 2},
				{CompanyID: "c-umbrella-eu", Name: "Umbrella Europe", MatchedBy: MatchedByEmailDomain, Participants: 1},
			},
		},
		{
			name:    "SubsidiaryAndParentParticipantsTie",
			call:    gong.CallData{Parties: []gong.Party{externalParty("a@eu.umbrella.com"), externalParty("b@umbrella.com")}},
			reasons: []string{"tie", `"Umbrella Europe" (c-umbrella-eu)`, `"Umbrella" (c-umbrella)`},
			candidates: []Candidate{
				{CompanyID: "c-umbrella-eu", Name: "Umbrella Europe", MatchedBy: MatchedByEmailDomain, Participants: 1},
				{CompanyID: "c-umbrella", Name: "Umbrella", MatchedBy: MatchedByEmailDomain, Participants: 1},
			},
		},
		{
			name: "UnicodeEmailFindsASCIICompanyDomain",
			call: gong.CallData{Parties: []gong.Party{externalParty("anna@Bücher.de")}},
			want: Resolution{CompanyID: "c-buecher", CompanyName: "Bücher", MatchedBy: MatchedByEmailDomain},
		},
		{
			name: "ASCIIEmailFindsUnicodeCompanyDomain",
			call: gong.CallData{Parties: []gong.Party{externalParty("hans@XN--MLLER-KVA.de")}},
			want: Resolution{CompanyID: "c-mueller", CompanyName: "Müller", MatchedBy: MatchedByEmailDomain},
		},
		{
			name: "UnicodeAndASCIIFormsAreOneParticipant",
			call: gong.CallData{Parties: []gong.Party{
				externalParty("anna@bücher.de"), externalParty("anna@xn--bcher-kva.de"), externalParty("ben@BÜCHER.de"),
				externalParty("a@initech.io"),
			}},
			want: Resolution{CompanyID: "c-buecher", CompanyName: "Bücher", MatchedBy: MatchedByEmailDomain},
			candidates: []Candidate{
				{CompanyID: "c-buecher", Name: "Bücher", MatchedBy: MatchedByEmailDomain, Participants: 2},
				{CompanyID: "c-initech", Name: "Initech", MatchedBy: MatchedByEmailDomain, Participants: 1},
			},
		},
		{
			name: "DisplayNameEmail",
			call: gong.CallData{Parties: []gong.Party{externalParty(`"Doe, Jane" <Jane@Initech.io>`)}},
			want: Resolution{CompanyID: "c-initech", CompanyName: "Initech", MatchedBy: MatchedByEmailDomain},
		},
		{
			name:    "InvalidDomainsMatchNothing",
			call:    gong.CallData{Parties: []gong.Party{externalParty("a@xn--zz.de"), externalParty("b@-broken.io"), externalParty("c@a..b.io")}},
			reasons: []string{"no external participant with an email address"},
		},
		{
			name: "MajorityWins",
			call: gong.CallData{Parties: []gong.Party{
				externalParty("a@initech.io"),
				externalParty("a@globex.com"), externalParty("b@globex.com"), externalParty("B@Globex.com"),
			}},
			want: Resolution{CompanyID: "c-globex", CompanyName: "Globex", MatchedBy: MatchedByEmailDomain},
		},
		{
			name: "DuplicateEmailsCountOnce",
			call: gong.CallData{Parties: []gong.Party{
				externalParty("a@initech.io"), externalParty("b@initech.io"),
				externalParty("a@globex.com"), externalParty("A@GLOBEX.COM"), externalParty("a@globex.com"),
			}},
			want: Resolution{CompanyID: "c-initech", CompanyName: "Initech", MatchedBy: MatchedByEmailDomain},
		},
		{
			name: "TieBetweenDomainsIsUnmatched",
			call: gong.CallData{Parties: []gong.Party{externalParty("a@initech.io"), externalParty("a@globex.com")}},
			reasons: []string{
				"no CRM Account id on the call", "tie", `"Globex" (c-globex)`, `"Initech" (c-initech)`,
			},
			candidates: []Candidate{
				{CompanyID: "c-globex", Name: "Globex", MatchedBy: MatchedByEmailDomain, Participants: 1},
				{CompanyID: "c-initech", Name: "Initech", MatchedBy: MatchedByEmailDomain, Participants: 1},
			},
		},
		{
			name:    "TieBetweenCompaniesSharingADomain",
			call:    gong.CallData{Parties: []gong.Party{externalParty("a@hooli.com")}},
			reasons: []string{`"Hooli" (c-hooli)`, `"Hooli XYZ" (c-hooli-xyz)`},
		},
		{
			name: "OnlyFreemail",
			call: gong.CallData{
				Context: accountContext("0019999999ZZZZZ"),
				Parties: []gong.Party{internalParty("jen@fasttrail.com"), externalParty("a@gmail.com"), externalParty("b@outlook.com")},
			},
			reasons: []string{"0019999999ZZZZZ", "only free-mail or internal participants"},
		},
		{
			name: "OnlyInternalDomainsIncludingSubdomain",
			call: gong.CallData{Parties: []gong.Party{
				internalParty("jen@fasttrail.com"),
				{EmailAddress: "guest@eu.fasttrail.com", Affiliation: gong.AffiliationUnknown},
			}},
			reasons: []string{"only free-mail or internal participants"},
		},
		{
			name: "PartiesWithoutEmails",
			call: gong.CallData{Parties: []gong.Party{
				internalParty("jen@fasttrail.com"),
				{Name: "Phone Caller #4", Affiliation: gong.AffiliationUnknown},
			}},
			reasons: []string{"no external participant with an email address"},
		},
		{
			name:    "NoCompanyForTheDomains",
			call:    gong.CallData{Parties: []gong.Party{externalParty("a@zeta.io"), externalParty("b@acme.io")}},
			reasons: []string{"no company has the participant domain acme.io, zeta.io"},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := ix.Resolve(test.call, rules)
			if test.candidates != nil {
				assert.Equal(t, test.candidates, got.Candidates)
			}
			if got.Matched() {
				require.NotEmpty(t, got.Candidates)
				assert.Equal(t, got.CompanyID, got.Candidates[0].CompanyID, "the winner is the first candidate")
			}
			got.Candidates = nil
			if test.reasons == nil {
				assert.Equal(t, test.want, got)
				assert.True(t, got.Matched())
				return
			}
			assert.False(t, got.Matched())
			assert.Empty(t, got.MatchedBy)
			assert.Empty(t, got.CompanyName)
			for _, part := range test.reasons {
				assert.Contains(t, got.Reason, part)
			}
		})
	}

	t.Run("NilIndex", func(t *testing.T) {
		var nilIndex *CompanyIndex
		got := nilIndex.Resolve(gong.CallData{Parties: []gong.Party{externalParty("a@globex.com")}}, rules)
		assert.Contains(t, got.Reason, "globex.com")
	})

	t.Run("IndexDoesNotShareCallerSlices", func(t *testing.T) {
		input := []planhat.Company{{ID: "c1", Domains: []string{"globex.com"}}}
		own := NewCompanyIndex(input)
		input[0].Domains[0] = "changed.com"
		got := own.Resolve(gong.CallData{Parties: []gong.Party{externalParty("a@globex.com")}}, ResolveRules{})
		require.Equal(t, "c1", got.CompanyID)
		assert.Equal(t, []string{"globex.com"}, own.companies[0].Domains)
	})
}

func TestFreemailList(t *testing.T) {
	assert.GreaterOrEqual(t, len(freemailDomains), 30)
	seen := map[string]bool{}
	for _, domain := range freemailDomains {
		assert.Equal(t, normaliseDomain(domain), domain, "listed in normal form")
		assert.False(t, seen[domain], "listed twice: %s", domain)
		seen[domain] = true
	}
}
