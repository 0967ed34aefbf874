package callsync

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gongsync/gongsync/internal/gong"
	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/upstream"
)

// directory caches what Planhat says about companies, users and endusers, so
// a steady stream of calls costs few Planhat requests. The company index is
// reloaded after COMPANY_CACHE_TTL; a CRM id it lacks is looked up directly.
type directory struct {
	planhat    PlanhatAPI
	ttl        time.Duration
	minRefresh time.Duration // an unmatched call may force a reload this often at most
	now        func() time.Time

	mu             sync.Mutex
	companies      []planhat.Company
	index          *CompanyIndex
	indexLoadedAt  time.Time
	missingSources map[string]time.Time // CRM ids Planhat did not have, until when to trust that
	users          []planhat.User
	usersLoadedAt  time.Time
	endusers       map[string]cachedEndusers // by company id
}

type cachedEndusers struct {
	endusers []planhat.Enduser
	loadedAt time.Time
}

func newDirectory(api PlanhatAPI, ttl, minRefresh time.Duration, now func() time.Time) *directory {
	return &directory{
		planhat:        api,
		ttl:            ttl,
		minRefresh:     min(minRefresh, ttl),
		now:            now,
		missingSources: map[string]time.Time{},
		endusers:       map[string]cachedEndusers{},
	}
}

// resolve finds the call's company. retrying says the call was unmatched
// before, which allows a fresher index than the TTL alone would.
func (d *directory) resolve(ctx context.Context, call gong.CallData, rules ResolveRules, domainRules []DomainRule, retrying bool) (Resolution, error) {
	maxAge := d.ttl
	if retrying {
		maxAge = d.minRefresh
	}
	index, err := d.companyIndex(ctx, maxAge)
	if err != nil {
		return Resolution{}, err
	}
	// The first Account id Planhat knows decides, so an id the index lacks is
	// looked up directly before a later id gets its turn: the company may be
	// newer than the index.
	accountIDs := CRMAccountIDs(call)
	for _, id := range accountIDs {
		if company, ok := index.BySourceID(id); ok {
			return crmMatch(company), nil
		}
		company, found, err := d.lookUpSourceID(ctx, id)
		if err != nil {
			return Resolution{}, err
		}
		if found {
			return crmMatch(company), nil
		}
	}
	// A person's rule for a participant's domain comes before the vote.
	if resolution, ok := index.resolveByRule(call, rules, domainRules); ok {
		return resolution, nil
	}
	return index.resolveByDomain(call, rules, accountIDs), nil
}

func (d *directory) companyIndex(ctx context.Context, maxAge time.Duration) (*CompanyIndex, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.index != nil && d.now().Sub(d.indexLoadedAt) < maxAge {
		return d.index, nil
	}
	companies, err := d.planhat.ListCompanies(ctx)
	if err != nil {
		if d.index != nil && upstream.KindOf(err) != upstream.KindAuth {
			return d.index, nil // a stale index beats no sync during a Planhat hiccup
		}
		return nil, fmt.Errorf("loading the company index: %w", err)
	}
	d.companies = companies
	d.index = NewCompanyIndex(companies)
	d.indexLoadedAt = d.now()
	clear(d.missingSources)
	return d.index, nil
}

// lookUpSourceID asks Planhat for the company whose sourceId is accountID,
// in each of its Salesforce forms, skipping forms known to be missing.
func (d *directory) lookUpSourceID(ctx context.Context, accountID string) (planhat.Company, bool, error) {
	for _, form := range SalesforceIDForms(accountID) {
		if d.knownMissing(form) {
			continue
		}
		company, err := d.planhat.GetCompanyBySourceID(ctx, form)
		if upstream.IsNotFound(err) {
			d.markMissing(form)
			continue
		}
		if err != nil {
			return planhat.Company{}, false, fmt.Errorf("looking up company srcid-%s: %w", form, err)
		}
		d.addCompany(company)
		return company, true, nil
	}
	return planhat.Company{}, false, nil
}

func (d *directory) knownMissing(sourceID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	until, ok := d.missingSources[sourceID]
	return ok && d.now().Before(until)
}

func (d *directory) markMissing(sourceID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.missingSources[sourceID] = d.now().Add(d.minRefresh)
}

func (d *directory) addCompany(company planhat.Company) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, known := range d.companies {
		if known.ID == company.ID {
			return
		}
	}
	d.companies = append(d.companies, company)
	d.index = NewCompanyIndex(d.companies)
}

// planhatUsers returns the customer's team, reloaded after the TTL.
func (d *directory) planhatUsers(ctx context.Context) ([]planhat.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.usersLoadedAt.IsZero() || d.now().Sub(d.usersLoadedAt) >= d.ttl {
		users, err := d.planhat.ListUsers(ctx)
		if err != nil {
			if !d.usersLoadedAt.IsZero() {
				return d.users, nil
			}
			return nil, fmt.Errorf("loading Planhat users: %w", err)
		}
		d.users, d.usersLoadedAt = users, d.now()
	}
	return d.users, nil
}

// companyEndusers returns a company's contacts, reloaded after the TTL.
func (d *directory) companyEndusers(ctx context.Context, companyID string) ([]planhat.Enduser, error) {
	d.mu.Lock()
	cached, ok := d.endusers[companyID]
	d.mu.Unlock()
	if ok && d.now().Sub(cached.loadedAt) < d.ttl {
		return cached.endusers, nil
	}
	endusers, err := d.planhat.ListEndusers(ctx, companyID)
	if err != nil {
		return nil, fmt.Errorf("loading endusers of company %s: %w", companyID, err)
	}
	d.mu.Lock()
	d.endusers[companyID] = cachedEndusers{endusers: endusers, loadedAt: d.now()}
	d.mu.Unlock()
	return endusers, nil
}
