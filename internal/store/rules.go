package store

import (
	"context"
	"fmt"

	"github.com/gongsync/gongsync/internal/callsync"
)

// DomainRules returns every saved domain rule, by domain.
func (db *DB) DomainRules(ctx context.Context) ([]callsync.DomainRule, error) {
	rows, err := db.engine.pool().query(ctx, `SELECT domain, company_id, company_name, created_at, updated_at FROM domain_rules ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("reading domain rules: %w", err)
	}
	defer rows.Close()
	var rules []callsync.DomainRule
	for rows.Next() {
		var (
			rule             callsync.DomainRule
			created, updated int64
		)
		if err := rows.Scan(&rule.Domain, &rule.CompanyID, &rule.CompanyName, &created, &updated); err != nil {
			return nil, fmt.Errorf("reading domain rules: %w", err)
		}
		rule.CreatedAt, rule.UpdatedAt = fromMillis(created), fromMillis(updated)
		rules = append(rules, rule)
	}
	return rules, rows.Err()
}

// SaveDomainRule creates or replaces the rule for rule.Domain.
func (db *DB) SaveDomainRule(ctx context.Context, rule callsync.DomainRule) error {
	now := db.now().UnixMilli()
	_, err := db.engine.pool().exec(ctx, `INSERT INTO domain_rules (domain, company_id, company_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET company_id = excluded.company_id, company_name = excluded.company_name, updated_at = excluded.updated_at`,
		rule.Domain, rule.CompanyID, rule.CompanyName, now, now)
	if err != nil {
		return fmt.Errorf("saving the domain rule for %s: %w", rule.Domain, err)
	}
	return nil
}

// DeleteDomainRule removes the rule for domain; false when there was none.
func (db *DB) DeleteDomainRule(ctx context.Context, domain string) (bool, error) {
	n, err := db.engine.pool().exec(ctx, `DELETE FROM domain_rules WHERE domain = ?`, domain)
	if err != nil {
		return false, fmt.Errorf("deleting the domain rule for %s: %w", domain, err)
	}
	return n > 0, nil
}
