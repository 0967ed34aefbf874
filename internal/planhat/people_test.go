package planhat_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/planhat/planhattest"
)

func TestListUsers(t *testing.T) {
	ctx := context.Background()

	t.Run("PagesThroughEveryUser", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		var want []planhat.User
		for i := range 10_001 {
			want = append(want, fake.AddUser(planhat.User{Email: fmt.Sprintf("u%d@initech.example", i), FirstName: "U", NickName: "u"}))
		}
		client, _ := newClient(t, fake)

		got, err := client.ListUsers(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, 2, fake.RequestsTo("GET /users"))
	})

	t.Run("DecodesPlanhatSample", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /users", Status: http.StatusOK, Count: 1, Body: sample(t, "hull_fixture_users-list-response.json")})

		got, err := client.ListUsers(ctx)
		require.NoError(t, err)
		require.Len(t, got, 3)
		assert.Equal(t, planhat.User{ID: "39a44fdef9324bc092405e024b3b3584", Email: "dave@example.org", FirstName: "Dave", LastName: "Claxo", NickName: "Dave"}, got[0])
	})
}

// seedEndusers gives two companies contacts, one email at both.
func seedEndusers(fake *planhattest.Server) (globex, initech planhat.Company) {
	globex = fake.AddCompany(planhat.Company{Name: "Globex"})
	initech = fake.AddCompany(planhat.Company{Name: "Initech"})
	fake.AddEnduser(planhat.Enduser{Email: "Hank@Globex.com", FirstName: "Hank", LastName: "Scorpio", CompanyID: globex.ID})
	fake.AddEnduser(planhat.Enduser{Email: "frank@globex.com", OtherEmails: []string{"HANK@globex.com"}, CompanyID: globex.ID})
	fake.AddEnduser(planhat.Enduser{Email: "hank@globex.com", CompanyID: initech.ID})
	fake.AddEnduser(planhat.Enduser{Email: "peter@initech.example", CompanyID: initech.ID})
	return globex, initech
}

func TestFindEndusersByEmail(t *testing.T) {
	ctx := context.Background()
	for _, test := range []struct {
		name   string
		ignore bool
	}{
		{name: "FilterHonoured"},
		{name: "FilterIgnoredByServer", ignore: true},
	} {
		t.Run(test.name, func(t *testing.T) {
			fake := planhattest.NewTest(t, planhattest.Options{IgnoreListFilters: test.ignore})
			globex, initech := seedEndusers(fake)
			client, logs := newClient(t, fake)

			got, err := client.FindEndusersByEmail(ctx, " hank@GLOBEX.com ")
			require.NoError(t, err)
			var companies []string
			for _, enduser := range got {
				assert.True(t, planhat.HasEmail(enduser, "hank@globex.com"), "%+v", enduser)
				companies = append(companies, enduser.CompanyID)
			}
			if test.ignore {
				// The server cannot be trusted with otherEmails either way; when
				// it ignores the filter, the client finds those too.
				assert.ElementsMatch(t, []string{globex.ID, globex.ID, initech.ID}, companies)
				assert.Contains(t, logs.String(), "do not match the filter")
			} else {
				assert.ElementsMatch(t, []string{globex.ID, initech.ID}, companies)
			}

			none, err := client.FindEndusersByEmail(ctx, "nobody@globex.com")
			require.NoError(t, err)
			assert.Empty(t, none)
		})
	}
}

func TestListEndusers(t *testing.T) {
	ctx := context.Background()
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("IgnoreListFilters=%t", ignore), func(t *testing.T) {
			fake := planhattest.NewTest(t, planhattest.Options{IgnoreListFilters: ignore})
			globex, _ := seedEndusers(fake)
			client, _ := newClient(t, fake)

			got, err := client.ListEndusers(ctx, globex.ID)
			require.NoError(t, err)
			require.Len(t, got, 2)
			for _, enduser := range got {
				assert.Equal(t, globex.ID, enduser.CompanyID)
			}
			assert.Equal(t, "Hank Scorpio", got[0].Name, "Planhat generates the name")
		})
	}

	t.Run("PagesThroughEveryEnduser", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		company := fake.AddCompany(planhat.Company{Name: "Big"})
		for i := range 2*2000 + 5 {
			fake.AddEnduser(planhat.Enduser{Email: fmt.Sprintf("e%d@big.example", i), CompanyID: company.ID})
		}
		client, _ := newClient(t, fake)

		got, err := client.ListEndusers(ctx, company.ID)
		require.NoError(t, err)
		assert.Len(t, got, 4005)
		assert.Equal(t, 3, fake.RequestsTo("GET /endusers"))
	})

	t.Run("DecodesPlanhatSample", func(t *testing.T) {
		fake := planhattest.NewTest(t)
		client, _ := newClient(t, fake)
		fake.Inject(planhattest.Fault{Route: "GET /endusers", Status: http.StatusOK, Count: 1, Body: sample(t, "hull_fixture_endusers-list-response.json")})

		got, err := client.ListEndusers(ctx, "5e15901391025d870eec1236")
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, planhat.Enduser{
			ID: "5e26e38abf07307b89e48d59", Email: "toaonxe75e@gmail.com", OtherEmails: []string{},
			Name: "first-toaonxe75e last-toaonxe75e", FirstName: "first-toaonxe75e", LastName: "last-toaonxe75e",
			CompanyID: "5e15901391025d870eec1236",
		}, got[0])
	})
}
