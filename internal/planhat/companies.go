package planhat

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// companyFields are the company fields gongsync reads: select keeps a page
// of 5,000 companies small (a full company document is kilobytes).
var companyFields = strings.Join([]string{"_id", "name", "externalId", "sourceId", "domains"}, ",")

// ListCompanies returns every company with the fields of Company
// (GET /companies, paged).
func (c *Client) ListCompanies(ctx context.Context) ([]Company, error) {
	return listAll(ctx, c, listing{
		what:     "companies",
		path:     "/companies",
		query:    url.Values{"select": {companyFields}},
		pageSize: companiesPageSize,
	}, func(company Company) string { return company.ID })
}

// ListLeanCompanies returns every company's _id, name, externalId and
// sourceId (GET /leancompanies). Whether that endpoint pages is not
// documented, so it is asked page by page and read as one page when it
// answers more than asked.
func (c *Client) ListLeanCompanies(ctx context.Context) ([]LeanCompany, error) {
	return listAll(ctx, c, listing{
		what:     "lean companies",
		path:     "/leancompanies",
		pageSize: companiesPageSize,
	}, func(company LeanCompany) string { return company.ID })
}

// GetCompany returns the company with Planhat id id (GET /companies/{id}).
func (c *Client) GetCompany(ctx context.Context, id string) (Company, error) {
	return c.getCompany(ctx, "", id)
}

// GetCompanyBySourceID returns the company whose sourceId (the CRM id) is
// sourceID (GET /companies/srcid-{sourceId}). Absent: upstream.IsNotFound.
func (c *Client) GetCompanyBySourceID(ctx context.Context, sourceID string) (Company, error) {
	return c.getCompany(ctx, "srcid-", sourceID)
}

// GetCompanyByExternalID returns the company whose externalId is externalID
// (GET /companies/extid-{externalId}). Absent: upstream.IsNotFound.
func (c *Client) GetCompanyByExternalID(ctx context.Context, externalID string) (Company, error) {
	return c.getCompany(ctx, "extid-", externalID)
}

func (c *Client) getCompany(ctx context.Context, prefix, key string) (Company, error) {
	what := "get company " + prefix + key
	if strings.TrimSpace(key) == "" {
		return Company{}, badInput(what, "empty id")
	}
	var company Company
	if err := c.getRecord(ctx, keyablePath("companies", prefix, key), &company, func() string { return company.ID }); err != nil {
		return Company{}, fmt.Errorf("planhat: %s: %w", what, err)
	}
	return company, nil
}
