package planhat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
	"github.com/gongsync/gongsync/internal/upstream"
)

func addCompanies(fake *planhattest.Server, n int) []planhat.Company {
	companies := make([]planhat.Company, n)
	for i := range companies {
		companies[i] = fake.AddCompany(planhat.Company{
			Name:     fmt.Sprintf("Company %d", i),
			SourceID: fmt.Sprintf("001%012d", i),
			Domains:  []string{fmt.Sprintf("c%d.example", i)},
		})
	}
	return companies
}

func TestListCompanies(t *testing.T) {
	ctx := context.Background()

	t.Run("PagesThroughEveryCompany", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		want := addCompanies(fake, 2*5000+1)
		client, _ := newClient(t, fake)

		got, err := client.ListCompanies(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, 3, fake.RequestsTo("GET /companies"), "two full pages and a short one")
	})

	t.Run("StopsOnAnEmptyPage", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		addCompanies(fake, 5000)
		client, _ := newClient(t, fake)

		got, err := client.ListCompanies(ctx)
		require.NoError(t, err)
		assert.Len(t, got, 5000)
		assert.Equal(t, 2, fake.RequestsTo("GET /companies"))
	})

	t.Run("NoCompanies", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		got, err := client.ListCompanies(ctx)
		require.NoError(t, err)
		assert.Empty(t, got)
	})

	t.Run("ErrRepeatedPageWhenOffsetIsIgnored", func(t *testing.T) {
		fake := planhattest.NewTest(t, planhattest.Options{IgnoreOffset: true})
		addCompanies(fake, 5001)
		client, _ := newClient(t, fake)

		_, err := client.ListCompanies(ctx)
		require.Error(t, err)
		assert.True(t, errors.Is(err, planhat.ErrRepeatedPage), err.Error())
		assert.Equal(t, 2, fake.RequestsTo("GET /companies"), "stops at the first repeated page")
	})

	t.Run("ErrNotAnArray", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /companies", Status: http.StatusOK, Count: 1, Body: `{"companies":[]}`})

		_, err := client.ListCompanies(ctx)
		requireKind(t, upstream.KindTransient, err)
		assert.Contains(t, err.Error(), "GET /companies")
		assert.Contains(t, err.Error(), "not a JSON array")
	})

	t.Run("ErrEmptyAnswer", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /companies", Status: http.StatusOK, Count: 1, Body: " "})

		_, err := client.ListCompanies(ctx)
		requireKind(t, upstream.KindTransient, err)
	})

	t.Run("DecodesPlanhatSample", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /companies", Status: http.StatusOK, Count: 1, Body: sample(t, "hull_fixture_companies-list-response.json")})

		got, err := client.ListCompanies(ctx)
		require.NoError(t, err)
		assert.Equal(t, []planhat.Company{{ID: "5e298986569b369503683cf6", Name: "Test Company", Domains: []string{}}}, got)
	})
}

func TestGetCompany(t *testing.T) {
	ctx := context.Background()
	fake := planhattest.NewTest(t)
	globex := fake.AddCompany(planhat.Company{Name: "Globex", SourceID: "0015g00000Glbx1", ExternalID: "globex", Domains: []string{"globex.com"}})
	slashed := fake.AddCompany(planhat.Company{Name: "Odd ids", SourceID: "a/b?c", ExternalID: "x y"})
	client, _ := newClient(t, fake)

	t.Run("BySourceID", func(t *testing.T) {
		got, err := client.GetCompanyBySourceID(ctx, "0015g00000Glbx1")
		require.NoError(t, err)
		assert.Equal(t, globex, got)
	})
	t.Run("ByExternalID", func(t *testing.T) {
		got, err := client.GetCompanyByExternalID(ctx, "globex")
		require.NoError(t, err)
		assert.Equal(t, globex, got)
	})
	t.Run("ByID", func(t *testing.T) {
		got, err := client.GetCompany(ctx, globex.ID)
		require.NoError(t, err)
		assert.Equal(t, globex, got)
	})
	t.Run("IDsArePathEscaped", func(t *testing.T) {
		got, err := client.GetCompanyBySourceID(ctx, "a/b?c")
		require.NoError(t, err)
		assert.Equal(t, slashed, got)
		got, err = client.GetCompanyByExternalID(ctx, "x y")
		require.NoError(t, err)
		assert.Equal(t, slashed, got)
	})
	t.Run("SourceIDNotFound", func(t *testing.T) {
		_, err := client.GetCompanyBySourceID(ctx, "0015g00000NOPE1")
		assert.True(t, upstream.IsNotFound(err), "%v", err)
	})
	t.Run("ExternalIDNotFound", func(t *testing.T) {
		_, err := client.GetCompanyByExternalID(ctx, "nope")
		assert.True(t, upstream.IsNotFound(err), "%v", err)
	})
	t.Run("IDNotFound", func(t *testing.T) {
		_, err := client.GetCompany(ctx, "000000000000000000000000")
		assert.True(t, upstream.IsNotFound(err), "%v", err)
	})
	t.Run("AnswerWithoutRecordIsNotFound", func(t *testing.T) {
		fake.Inject(planhattest.Fault{Route: "GET /companies/srcid-*", Status: http.StatusOK, Count: 1, Body: `{}`})
		_, err := client.GetCompanyBySourceID(ctx, "0015g00000Glbx1")
		assert.True(t, upstream.IsNotFound(err), "%v", err)
	})
	t.Run("DecodesPlanhatSample", func(t *testing.T) {
		fake.Inject(planhattest.Fault{Route: "GET /companies/srcid-*", Status: http.StatusOK, Count: 1, Body: sample(t, "laravel-planhat_company-get-response.json")})
		got, err := client.GetCompanyBySourceID(ctx, "119")
		require.NoError(t, err)
		assert.Equal(t, planhat.Company{ID: "61006bc89a3e0b702ed8ea49", Name: "Tenet", SourceID: "119", Domains: []string{"stjohns.k12.fl.us"}}, got)
	})
}

func TestListLeanCompanies(t *testing.T) {
	ctx := context.Background()

	t.Run("Everything", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		companies := addCompanies(fake, 3)
		client, _ := newClient(t, fake)

		got, err := client.ListLeanCompanies(ctx)
		require.NoError(t, err)
		require.Len(t, got, 3)
		for i, company := range companies {
			assert.Equal(t, planhat.LeanCompany{ID: company.ID, Name: company.Name, SourceID: company.SourceID}, got[i])
		}
	})

	t.Run("AnswerLongerThanAskedIsTheWholeList", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		var body []byte
		body = append(body, '[')
		for i := range 5001 {
			if i > 0 {
				body = append(body, ',')
			}
			body = fmt.Appendf(body, `{"_id":"%024x","name":"C%d"}`, i+1, i)
		}
		body = append(body, ']')
		fake.Inject(planhattest.Fault{Route: "GET /leancompanies", Status: http.StatusOK, Count: 1, Body: string(body)})

		got, err := client.ListLeanCompanies(ctx)
		require.NoError(t, err)
		assert.Len(t, got, 5001)
		assert.Equal(t, 1, fake.RequestsTo("GET /leancompanies"))
	})

	t.Run("DecodesPlanhatSample", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /leancompanies", Status: http.StatusOK, Count: 1, Body: sample(t, "laravel-planhat_leancompanies-response.json")})

		got, err := client.ListLeanCompanies(ctx)
		require.NoError(t, err)
		require.Len(t, got, 4)
		assert.Equal(t, planhat.LeanCompany{ID: "56bccdf554d64d837d01be8c", Name: "Chevron", ExternalID: "chevron", SourceID: "0012000001UchdsAAB"}, got[0])
	})
}
