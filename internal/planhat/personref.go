package planhat

import (
	"encoding/json"
	"errors"
)

// UnmarshalJSON reads {"id","name",…} as Planhat's examples send it, and also
// a bare id string: the official field table calls conversation endusers
// "endusers ids", and an answer in that form must not hide the whole record.
func (p *PersonRef) UnmarshalJSON(data []byte) error {
	var id string
	if err := json.Unmarshal(data, &id); err == nil {
		*p = PersonRef{ID: id}
		return nil
	}
	type plain PersonRef // without this method, so no recursion
	var ref plain
	err := json.Unmarshal(data, &ref)
	*p = PersonRef(ref)
	// A field of another type stays empty rather than failing here: an
	// error from this method would stop decoding the rest of the record.
	if _, isTypeErr := errors.AsType[*json.UnmarshalTypeError](err); isTypeErr {
		return nil
	}
	return err
}
