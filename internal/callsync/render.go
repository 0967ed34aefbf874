package callsync

import (
	"html"
	"strings"

	"github.com/gongsync/gongsync/internal/gong"
)

// RenderSummary renders Gong's AI summary as the HTML of a conversation
// description: the brief as a paragraph, key points and each highlight as a
// titled list, then the outcome. Every text is escaped, since it comes from
// a model transcribing what people said. ok is false while Gong has no summary.
func RenderSummary(c *gong.CallContent) (summaryHTML string, ok bool) {
	if !c.HasSummary() {
		return "", false
	}
	var b strings.Builder
	if brief := strings.TrimSpace(c.Brief); brief != "" {
		brief = strings.ReplaceAll(brief, "\r\n", "\n")
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(brief), "\n", "<br>"))
		b.WriteString("</p>")
	}

	keyPoints := make([]string, 0, len(c.KeyPoints))
	for _, point := range c.KeyPoints {
		keyPoints = append(keyPoints, point.Text)
	}
	writeTitledList(&b, "Key points", keyPoints)

	for _, highlight := range c.Highlights {
		items := make([]string, 0, len(highlight.Items))
		for _, item := range highlight.Items {
			items = append(items, item.Text)
		}
		title := strings.TrimSpace(highlight.Title)
		if title == "" {
			title = "Highlights"
		}
		writeTitledList(&b, title, items)
	}

	if c.CallOutcome != nil {
		outcome := strings.TrimSpace(c.CallOutcome.Name)
		if outcome == "" {
			outcome = strings.TrimSpace(c.CallOutcome.Category)
		}
		if outcome != "" {
			b.WriteString("<p><strong>Outcome:</strong> ")
			b.WriteString(html.EscapeString(outcome))
			b.WriteString("</p>")
		}
	}
	return b.String(), true
}

// writeTitledList writes <h3>title</h3><ul><li>…</li></ul>, leaving out blank
// items, and nothing at all when no item is left.
func writeTitledList(b *strings.Builder, title string, items []string) {
	wroteHeading := false
	for _, item := range items {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !wroteHeading {
			b.WriteString("<h3>")
			b.WriteString(html.EscapeString(title))
			b.WriteString("</h3><ul>")
			wroteHeading = true
		}
		b.WriteString("<li>")
		b.WriteString(html.EscapeString(item))
		b.WriteString("</li>")
	}
	if wroteHeading {
		b.WriteString("</ul>")
	}
}

// summaryBlockStart opens the part of a description that gongsync owns; the
// marker lets a re-run replace its own block and leave the rest alone.
const (
	summaryBlockStart = `<div data-gongsync="summary">`
	summaryBlockEnd   = `</div>`
)

// MergeDescription returns the description to write so that it carries
// summaryHTML without losing anything else: an empty description becomes the
// summary block; a description holding a gongsync block (the same or an older
// one) gets that block replaced in place; any other text is kept and the block
// appended. Merging the same summary twice gives the same result, and an empty
// summary changes nothing.
func MergeDescription(existing, summaryHTML string) string {
	if strings.TrimSpace(summaryHTML) == "" {
		return existing
	}
	block := summaryHTML
	if !strings.HasPrefix(block, summaryBlockStart) { // already wrapped by an earlier merge
		block = summaryBlockStart + summaryHTML + summaryBlockEnd
	}
	if strings.TrimSpace(existing) == "" {
		return block
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(block, summaryBlockStart), summaryBlockEnd)
	if strings.Contains(existing, inner) {
		return existing // already there, even if Planhat dropped our marker
	}
	start, end, found := findSummaryBlock(existing)
	if !found || end == len(existing) && !strings.HasSuffix(asciiLower(existing), summaryBlockEnd) {
		return existing + block // no block, or an unclosed one: never cut text
	}
	// Drop any further gongsync block, so a description that somehow got two
	// heals instead of keeping a stale one.
	rest := existing[end:]
	for {
		extraStart, extraEnd, extra := findSummaryBlock(rest)
		if !extra {
			break
		}
		rest = rest[:extraStart] + rest[extraEnd:]
	}
	return existing[:start] + block + rest
}

// findSummaryBlock locates gongsync's block in description, counting nested
// divs in case someone edited it in Planhat. A block left unclosed runs to the
// end. Tags are matched case-insensitively (ASCII only, to keep offsets).
func findSummaryBlock(description string) (start, end int, found bool) {
	lower := asciiLower(description)
	start = strings.Index(lower, asciiLower(summaryBlockStart))
	if start < 0 {
		return 0, 0, false
	}
	depth := 0
	for pos := start; pos < len(lower); {
		open := indexFrom(lower, "<div", pos)
		closing := indexFrom(lower, "</div", pos)
		switch {
		case closing < 0:
			return start, len(description), true
		case open >= 0 && open < closing:
			depth++
			pos = open + len("<div")
		default:
			depth--
			pos = closing + len("</div")
			if depth == 0 {
				if gt := strings.IndexByte(lower[pos:], '>'); gt >= 0 {
					return start, pos + gt + 1, true
				}
				return start, len(description), true
			}
		}
	}
	return start, len(description), true
}

// indexFrom is strings.Index starting at from; -1 when absent.
func indexFrom(s, substr string, from int) int {
	i := strings.Index(s[from:], substr)
	if i < 0 {
		return -1
	}
	return from + i
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
