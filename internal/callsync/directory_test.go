package callsync

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/upstream"
)

// companyLookups is a Planhat that knows companies two ways, as the real one
// does: listed (what the index is built from) and by sourceId (srcid-, exact).
type companyLookups struct {
	PlanhatAPI // only the company methods below are called

	listed     []planhat.Company
	bySourceID map[string]planhat.Company
	lookups    []string // sourceIds asked for, in order
}

func (p *companyLookups) ListCompanies(context.Context) ([]planhat.Company, error) {
	return p.listed, nil
}

func (p *companyLookups) GetCompanyBySourceID(_ context.Context, sourceID string) (planhat.Company, error) {
	p.lookups = append(p.lookups, sourceID)
	if company, ok := p.bySourceID[sourceID]; ok {
		return company, nil
	}
	return planhat.Company{}, &upstream.Error{API: "planhat", Method: http.MethodGet, Path: "/companies/srcid-" + sourceID,
		StatusCode: http.StatusNotFound, Kind: upstream.KindNotFound}
}

func TestDirectoryResolve(t *testing.T) {
	globex := planhat.Company{ID: "c-globex", Name: "Globex", SourceID: "0012000001VKEiV", Domains: []string{"globex.com"}}
	// NewCo came to Planhat after the index was loaded: only srcid- finds it.
	newco := planhat.Company{ID: "c-newco", Name: "NewCo", SourceID: "001000000000AbCAAU"}

	for _, test := range []struct {
		name        string
		accounts    []string
		parties     []gong.Party
		want        Resolution // Candidates aside
		wantLookups []string
	}{
		{
			name:        "FirstKnownAccountDecidesThoughOnlyALookupKnowsIt",
			accounts:    []string{"001000000000AbCAAU", "0012000001VKEiV"},
			want:        Resolution{CompanyID: "c-newco", CompanyName: "NewCo", MatchedBy: MatchedByCRMID},
			wantLookups: []string{"001000000000AbCAAU"},
		},
		{
			name:        "UnknownAccountThenIndexedOne",
			accounts:    []string{"0019999999ZZZZZ", "0012000001VKEiVAAX"},
			want:        Resolution{CompanyID: "c-globex", CompanyName: "Globex", MatchedBy: MatchedByCRMID},
			wantLookups: []string{"0019999999ZZZZZ", "0019999999ZZZZZAA5"},
		},
		{
			name:     "IndexedAccountFirstNeedsNoLookup",
			accounts: []string{"0012000001VKEiV", "001000000000AbCAAU"},
			want:     Resolution{CompanyID: "c-globex", CompanyName: "Globex", MatchedBy: MatchedByCRMID},
		},
		{
			name:        "EighteenCharAccountInOtherCaseLookedUpInCorrectCase",
			accounts:    []string{"001000000000ABCAAU"},
			want:        Resolution{CompanyID: "c-newco", CompanyName: "NewCo", MatchedBy: MatchedByCRMID},
			wantLookups: []string{"001000000000ABCAAU", "001000000000AbCAAU"},
		},
		{
			name:        "NoKnownAccountFallsBackToDomain",
			accounts:    []string{"0019999999ZZZZZ"},
			parties:     []gong.Party{externalParty("Ann <ann@Globex.com>")},
			want:        Resolution{CompanyID: "c-globex", CompanyName: "Globex", MatchedBy: MatchedByEmailDomain},
			wantLookups: []string{"0019999999ZZZZZ", "0019999999ZZZZZAA5"},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			api := &companyLookups{
				listed:     []planhat.Company{globex},
				bySourceID: map[string]planhat.Company{newco.SourceID: newco},
			}
			now := func() time.Time { return time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC) }
			d := newDirectory(api, time.Hour, time.Minute, now)
			call := gong.CallData{Context: accountContext(test.accounts...), Parties: test.parties}

			got, err := d.resolve(context.Background(), call, ResolveRules{}, nil, false)
			require.NoError(t, err)
			require.NotEmpty(t, got.Candidates)
			assert.Equal(t, got.CompanyID, got.Candidates[0].CompanyID)
			got.Candidates = nil
			assert.Equal(t, test.want, got)
			assert.Equal(t, test.wantLookups, api.lookups)
		})
	}
}
