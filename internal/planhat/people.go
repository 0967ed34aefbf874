package planhat

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/rs/zerolog"
)

var (
	userFields    = strings.Join([]string{"_id", "email", "firstName", "lastName", "nickName", "inactive"}, ",")
	enduserFields = strings.Join([]string{"_id", "email", "otherEmails", "name", "firstName", "lastName", "companyId"}, ",")
)

// ListUsers returns the customer's own team (GET /users, paged). Planhat has
// no documented email filter for users: match emails on the result.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	return listAll(ctx, c, listing{
		what:     "users",
		path:     "/users",
		query:    url.Values{"select": {userFields}},
		pageSize: usersPageSize,
	}, func(user User) string { return user.ID })
}

// FindEndusersByEmail returns the endusers whose email or otherEmails hold
// email, ignoring case; several companies may have one each
// (GET /endusers?email=…). The filter is not in Planhat's official docs, so
// every record is checked here: a server that ignores it costs more pages,
// never a wrong match.
func (c *Client) FindEndusersByEmail(ctx context.Context, email string) ([]Enduser, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, badInput("find endusers by email", "empty email")
	}
	endusers, err := c.listEndusers(ctx, "endusers by email", url.Values{"email": {email}})
	if err != nil {
		return nil, err
	}
	return c.keepMatching(endusers, "email", func(e Enduser) bool { return HasEmail(e, email) }), nil
}

// ListEndusers returns the endusers of the company with Planhat id
// companyID (GET /endusers?companyId=…, paged, each record checked, so the
// id must be an _id, not a srcid-/extid- keyable).
func (c *Client) ListEndusers(ctx context.Context, companyID string) ([]Enduser, error) {
	if strings.TrimSpace(companyID) == "" {
		return nil, badInput("list endusers", "empty company id")
	}
	endusers, err := c.listEndusers(ctx, "endusers of company "+companyID, url.Values{"companyId": {companyID}})
	if err != nil {
		return nil, err
	}
	return c.keepMatching(endusers, "companyId", func(e Enduser) bool { return e.CompanyID == companyID }), nil
}

func (c *Client) listEndusers(ctx context.Context, what string, filter url.Values) ([]Enduser, error) {
	filter.Set("select", enduserFields)
	return listAll(ctx, c, listing{what: what, path: "/endusers", query: filter, pageSize: endusersPageSize},
		func(e Enduser) string { return e.ID })
}

// keepMatching drops the records a list filter should have dropped, and says
// once that Planhat ignores the filter (every lookup then pages through all
// endusers).
func (c *Client) keepMatching(endusers []Enduser, filter string, matches func(Enduser) bool) []Enduser {
	kept := slices.DeleteFunc(endusers, func(e Enduser) bool { return !matches(e) })
	if len(kept) < len(endusers) {
		c.warnOnce("filter:/endusers:"+filter, func(event *zerolog.Event) {
			event.Str("path", "/endusers").Str("filter", filter).
				Msg("Planhat returned endusers that do not match the filter; matching them here instead")
		})
	}
	return kept
}

// HasEmail reports whether email is the enduser's email or one of its other
// emails, ignoring case and surrounding spaces.
func HasEmail(e Enduser, email string) bool {
	email = strings.TrimSpace(email)
	if email == "" {
		return false
	}
	if strings.EqualFold(strings.TrimSpace(e.Email), email) {
		return true
	}
	return slices.ContainsFunc(e.OtherEmails, func(other string) bool {
		return strings.EqualFold(strings.TrimSpace(other), email)
	})
}
