// Package planhat is the adapter to Planhat's REST API: companies, users,
// endusers and conversations.
package planhat

// Company is a Planhat company; only the fields gongsync reads or matches on.
type Company struct {
	ID         string   `json:"_id"`
	Name       string   `json:"name,omitempty"`
	ExternalID string   `json:"externalId,omitempty"`
	SourceID   string   `json:"sourceId,omitempty"`
	Domains    []string `json:"domains,omitempty"`
}

// LeanCompany is one row of GET /leancompanies.
type LeanCompany struct {
	ID         string `json:"_id"`
	Name       string `json:"name,omitempty"`
	ExternalID string `json:"externalId,omitempty"`
	SourceID   string `json:"sourceId,omitempty"`
}

// User is a member of the customer's own team in Planhat.
type User struct {
	ID        string `json:"_id"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	NickName  string `json:"nickName,omitempty"`
	Inactive  bool   `json:"inactive,omitempty"`
}

// Enduser is a contact at a customer company.
type Enduser struct {
	ID          string   `json:"_id"`
	Email       string   `json:"email,omitempty"`
	OtherEmails []string `json:"otherEmails,omitempty"`
	Name        string   `json:"name,omitempty"`
	FirstName   string   `json:"firstName,omitempty"`
	LastName    string   `json:"lastName,omitempty"`
	CompanyID   string   `json:"companyId,omitempty"`
}

// PersonRef is how a conversation refers to a user or an enduser.
type PersonRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Conversation is a Planhat conversation. Pointer and omitempty fields let a
// PUT carry only what it means to change: an update without Description
// never touches the stored description.
type Conversation struct {
	ID          string         `json:"_id,omitempty"`
	Type        string         `json:"type,omitempty"`
	Subject     string         `json:"subject,omitempty"`
	Description *string        `json:"description,omitempty"`
	Date        string         `json:"date,omitempty"`
	CompanyID   string         `json:"companyId,omitempty"`
	ExternalID  string         `json:"externalId,omitempty"`
	Users       []PersonRef    `json:"users,omitempty"`
	Endusers    []PersonRef    `json:"endusers,omitempty"`
	Custom      map[string]any `json:"custom,omitempty"`
}
