package planhattest

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// document is one stored record as Planhat (MongoDB) holds it: any fields,
// so a partial update, select and the keyables work the same on every model.
type document map[string]any

func (d document) str(field string) string {
	switch value := d[field].(type) {
	case string:
		return value
	case nil:
		return ""
	default:
		return fmt.Sprint(value)
	}
}

func (d document) id() string { return d.str("_id") }

// project keeps only fields, plus _id as Planhat's select does.
func (d document) project(fields []string) document {
	projected := document{"_id": d["_id"]}
	for _, field := range fields {
		if value, ok := d[field]; ok {
			projected[field] = value
		}
	}
	return projected
}

// collection is one model's records in insertion order.
type collection struct {
	docs  []document
	index map[string]int // position in docs by _id
}

// lookup finds a record by a keyable: a Planhat _id, "srcid-{sourceId}" or
// "extid-{externalId}". Several records may share an externalId (it is only
// unique per company): the oldest one wins.
func (c *collection) lookup(key string) (int, bool) {
	field, value := "", ""
	switch {
	case strings.HasPrefix(key, "srcid-"):
		field, value = "sourceId", strings.TrimPrefix(key, "srcid-")
	case strings.HasPrefix(key, "extid-"):
		field, value = "externalId", strings.TrimPrefix(key, "extid-")
	default:
		return c.byID(key)
	}
	if value == "" {
		return 0, false
	}
	i := slices.IndexFunc(c.docs, func(d document) bool { return d.str(field) == value })
	return i, i >= 0
}

// byID finds a record by its _id only: keyables in the path of a PUT or a
// DELETE are NOT CONFIRMED, so the fake does not accept them there.
func (c *collection) byID(id string) (int, bool) {
	i, ok := c.index[id]
	return i, ok && id != ""
}

// put adds doc, or replaces the record with the same _id.
func (c *collection) put(doc document) {
	if i, ok := c.byID(doc.id()); ok {
		c.docs[i] = doc
		return
	}
	if c.index == nil {
		c.index = map[string]int{}
	}
	c.index[doc.id()] = len(c.docs)
	c.docs = append(c.docs, doc)
}

func (c *collection) remove(i int) {
	c.docs = slices.Delete(c.docs, i, i+1)
	clear(c.index)
	for j, doc := range c.docs {
		c.index[doc.id()] = j
	}
}

// sorted returns the records ordered by sort ("field" or "-field"), stable,
// or in insertion order when sort is empty.
func (c *collection) sorted(sort string) []document {
	docs := slices.Clone(c.docs)
	if sort == "" {
		return docs
	}
	field, descending := strings.TrimPrefix(sort, "-"), strings.HasPrefix(sort, "-")
	slices.SortStableFunc(docs, func(a, b document) int {
		order := cmp.Compare(a.str(field), b.str(field))
		if descending {
			return -order
		}
		return order
	})
	return docs
}

// idGenerator makes MongoDB-style ObjectIds: 24 hex digits of seconds, a
// random per-process part and a counter, so they sort by creation like
// Planhat's.
type idGenerator struct {
	random  [5]byte
	counter uint32
}

func newIDGenerator() *idGenerator {
	g := &idGenerator{}
	_, _ = rand.Read(g.random[:]) // crypto/rand.Read never fails
	return g
}

func (g *idGenerator) next(now time.Time) string {
	g.counter++
	var id [12]byte
	binary.BigEndian.PutUint32(id[0:4], uint32(now.Unix()))
	copy(id[4:9], g.random[:])
	id[9], id[10], id[11] = byte(g.counter>>16), byte(g.counter>>8), byte(g.counter)
	return hex.EncodeToString(id[:])
}

// toDocument turns a typed record into a document (a JSON round trip).
func toDocument(v any) document {
	encoded, err := json.Marshal(v)
	if err != nil {
		panic("planhattest: encoding a record: " + err.Error())
	}
	var doc document
	if err := json.Unmarshal(encoded, &doc); err != nil {
		panic("planhattest: decoding a record: " + err.Error())
	}
	return doc
}

// fromDocument turns a document into a typed record. A field a client wrote
// with another JSON type than the record's stays empty.
func fromDocument[T any](doc document) T {
	encoded, err := json.Marshal(doc)
	if err != nil {
		panic("planhattest: encoding a record: " + err.Error())
	}
	var v T
	err = json.Unmarshal(encoded, &v)
	if _, isTypeErr := errors.AsType[*json.UnmarshalTypeError](err); err != nil && !isTypeErr {
		panic("planhattest: decoding a record: " + err.Error())
	}
	return v
}

// clone deep-copies a document so callers never share nested maps with the
// fake's state.
func (d document) clone() document { return toDocument(d) }
