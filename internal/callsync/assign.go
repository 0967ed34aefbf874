package callsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gongsync/gongsync/internal/planhat"
	"github.com/gongsync/gongsync/internal/upstream"
)

// ErrUnknownCompany is an assignment to a company Planhat does not have.
var ErrUnknownCompany = errors.New("no such company in Planhat")

// Assign syncs the call to a Planhat company a person chose, whatever its
// status, and keeps it there on every later resync (matchedBy manual,
// DESIGN §6). The company must exist in Planhat: ErrUnknownCompany if not.
func (s *Service) Assign(ctx context.Context, callID, companyID string) (planhat.Company, error) {
	companyID = strings.TrimSpace(companyID)
	if companyID == "" {
		return planhat.Company{}, fmt.Errorf("call %s: assign: %w", callID, ErrUnknownCompany)
	}
	if _, err := s.store.GetCall(ctx, callID); err != nil {
		return planhat.Company{}, err
	}
	company, err := s.planhat.GetCompany(ctx, companyID)
	if upstream.IsNotFound(err) {
		return planhat.Company{}, fmt.Errorf("call %s: assign to %q: %w", callID, companyID, ErrUnknownCompany)
	}
	if err != nil {
		return planhat.Company{}, fmt.Errorf("call %s: assign: looking up company %s: %w", callID, companyID, err)
	}
	name := company.Name
	if name == "" {
		name = company.ID
	}
	note := &Event{Kind: EventAssign, Actor: actorOf(ctx, "admin"),
		Message: fmt.Sprintf("assigned by hand to %s (%s); kept on every later resync", name, company.ID),
		Detail:  detail(map[string]string{"companyId": company.ID, "companyName": company.Name, "matchedBy": MatchedByManual})}
	err = s.requeue(ctx, callID, byAssign, note, func(Call) Call {
		return Call{CompanyID: company.ID, CompanyName: company.Name, MatchedBy: MatchedByManual}
	})
	if err != nil {
		return planhat.Company{}, fmt.Errorf("call %s: assign: %w", callID, err)
	}
	return company, nil
}

// Company returns a Planhat company by id, or ErrUnknownCompany.
func (s *Service) Company(ctx context.Context, companyID string) (planhat.Company, error) {
	companyID = strings.TrimSpace(companyID)
	if companyID == "" {
		return planhat.Company{}, ErrUnknownCompany
	}
	company, err := s.planhat.GetCompany(ctx, companyID)
	if upstream.IsNotFound(err) {
		return planhat.Company{}, fmt.Errorf("company %q: %w", companyID, ErrUnknownCompany)
	}
	return company, err
}
