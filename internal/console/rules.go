package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gongsync/gongsync/internal/callsync"
	"github.com/gongsync/gongsync/internal/planhat"
)

type rulesData struct {
	Rules     []callsync.DomainRule
	Search    string
	Companies []planhat.Company
}

// rulesShow lists the domain rules, each editable and deletable, with a
// form for a new one and a company search.
func (c *Console) rulesShow(w http.ResponseWriter, r *http.Request) {
	rules, err := c.Ledger.DomainRules(r.Context())
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The domain rules could not be read.")
		return
	}
	data := rulesData{Rules: rules}
	if search := strings.TrimSpace(r.URL.Query().Get("company")); search != "" {
		data.Search = search
		data.Companies, _ = c.Service.SearchCompanies(r.Context(), search, 20)
	}
	c.render(w, r, http.StatusOK, "rules", page{Title: "Domain rules", Nav: "rules", Data: data})
}

// ruleSave creates or changes a rule.
func (c *Console) ruleSave(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.saveRule(w, r, r.PostForm.Get("domain"), r.PostForm.Get("companyId")); ok {
		http.Redirect(w, r, "/admin/ui/rules?done=rule", http.StatusSeeOther)
	}
}

// saveRule checks the domain and the company, then saves; on failure it
// has answered the request.
func (c *Console) saveRule(w http.ResponseWriter, r *http.Request, rawDomain, companyID string) (callsync.DomainRule, bool) {
	domain := callsync.NormaliseDomain(rawDomain)
	if domain == "" || !strings.Contains(domain, ".") {
		c.fail(w, r, http.StatusBadRequest, "That is not an email domain (e.g. acme.io).")
		return callsync.DomainRule{}, false
	}
	company, err := c.Service.Company(r.Context(), companyID)
	if errors.Is(err, callsync.ErrUnknownCompany) {
		c.fail(w, r, http.StatusUnprocessableEntity, "Planhat has no company with that id.")
		return callsync.DomainRule{}, false
	}
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "Planhat could not be asked about the company; try again.")
		return callsync.DomainRule{}, false
	}
	rule := callsync.DomainRule{Domain: domain, CompanyID: company.ID, CompanyName: company.Name}
	if err := c.Ledger.SaveDomainRule(r.Context(), rule); err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The rule could not be saved; try again.")
		return callsync.DomainRule{}, false
	}
	c.Logger.Info().Str("domain", domain).Str("company_id", company.ID).Msg("console: domain rule saved")
	return rule, true
}

// ruleDelete removes a rule.
func (c *Console) ruleDelete(w http.ResponseWriter, r *http.Request) {
	domain := callsync.NormaliseDomain(r.PostForm.Get("domain"))
	if _, err := c.Ledger.DeleteDomainRule(r.Context(), domain); err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "The rule could not be deleted; try again.")
		return
	}
	c.Logger.Info().Str("domain", domain).Msg("console: domain rule deleted")
	http.Redirect(w, r, "/admin/ui/rules?done=deleted", http.StatusSeeOther)
}
